// The subset of OData query options the real jobs endpoint understands, parsed
// strictly so that client bugs (a '+' for a space, a bad quote) show up as 400s.
import { decodeSafe } from './util';

export type Value = string | number | boolean | null;

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode }
  | { kind: 'cmp'; op: CmpOp; field: string; value: Literal };

export type CmpOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export interface Literal {
  type: 'string' | 'number' | 'datetime' | 'null' | 'boolean';
  value: Value;
}

export class ODataError extends Error {}

/** Every property of a job, keyed by lower case: queries accept any case (jobId and jobID both work). */
export const FIELDS: Record<string, string> = Object.fromEntries(
  [
    'categoryName', 'subCategoryName', 'jobDescription', 'clientRequestId', 'jobStatus', 'jobStatusText',
    'publishLink', 'requestURL', 'publishLinkAccessScope', 'percentCompleted', 'jobID', 'responseType',
    'response', 'startDate', 'completedDate', 'purgeDateTime', 'clientID', 'DatabaseName', 'accountCode',
    'canReRun', 'createdBy', 'createdDate', 'modifiedBy', 'modifiedDate',
  ].map((f) => [f.toLowerCase(), f]),
);

export const DATE_FIELDS = new Set(['startDate', 'completedDate', 'purgeDateTime', 'createdDate', 'modifiedDate']);

const OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

type Token =
  | { t: 'lp' | 'rp'; pos: number }
  | { t: 'word'; v: string; pos: number }
  | { t: 'lit'; lit: Literal; pos: number };

const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?)?/;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ') {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ t: c === '(' ? 'lp' : 'rp', pos: i });
      i++;
    } else if (c === "'") {
      const start = i;
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ODataError(`Unterminated string literal at position ${start} in '${src}'.`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: 'lit', lit: { type: 'string', value: v }, pos: start });
    } else {
      const rest = src.slice(i);
      const dt = DATETIME.exec(rest);
      if (dt) {
        if (Number.isNaN(Date.parse(dt[0]))) throw new ODataError(`Invalid datetime '${dt[0]}' at position ${i}.`);
        out.push({ t: 'lit', lit: { type: 'datetime', value: dt[0] }, pos: i });
        i += dt[0].length;
        continue;
      }
      const num = /^-?\d+(\.\d+)?/.exec(rest);
      if (num) {
        out.push({ t: 'lit', lit: { type: 'number', value: Number(num[0]) }, pos: i });
        i += num[0].length;
        continue;
      }
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
      if (!word) throw new ODataError(`Syntax error at position ${i} in '${src}'.`);
      const w = word[0];
      if (w === 'null') out.push({ t: 'lit', lit: { type: 'null', value: null }, pos: i });
      else if (w === 'true' || w === 'false') out.push({ t: 'lit', lit: { type: 'boolean', value: w === 'true' }, pos: i });
      else out.push({ t: 'word', v: w, pos: i });
      i += w.length;
    }
  }
  return out;
}

export function parseFilter(src: string): FilterNode {
  if (src.trim() === '') throw new ODataError('The $filter expression is empty.');
  const toks = tokenize(src);
  let p = 0;
  const peekWord = (w: string) => {
    const t = toks[p];
    return t !== undefined && t.t === 'word' && t.v === w;
  };
  const fail = (what: string): never => {
    const t = toks[p];
    throw new ODataError(`Syntax error: ${what} at position ${t ? t.pos : src.length} in '${src}'.`);
  };

  function orExpr(): FilterNode {
    let left = andExpr();
    while (peekWord('or')) {
      p++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  }
  function andExpr(): FilterNode {
    let left = unary();
    while (peekWord('and')) {
      p++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  }
  function unary(): FilterNode {
    if (peekWord('not')) {
      p++;
      return { kind: 'not', expr: unary() };
    }
    const t = toks[p];
    if (t === undefined) return fail('expression expected');
    if (t.t === 'lp') {
      p++;
      const inner = orExpr();
      if (toks[p]?.t !== 'rp') fail("')' expected");
      p++;
      return inner;
    }
    if (t.t !== 'word') return fail('property name expected');
    const field = FIELDS[t.v.toLowerCase()];
    if (!field) throw new ODataError(`Could not find a property named '${t.v}' on type 'backgroundjob'.`);
    p++;
    const opTok = toks[p];
    if (opTok === undefined || opTok.t !== 'word' || !OPS.has(opTok.v)) return fail('comparison operator expected');
    p++;
    const lit = toks[p];
    if (lit === undefined || lit.t !== 'lit') return fail('literal expected');
    p++;
    if (DATE_FIELDS.has(field) && lit.lit.type !== 'null' && Number.isNaN(Date.parse(String(lit.lit.value)))) {
      throw new ODataError(`'${String(lit.lit.value)}' is not a valid date for property '${field}'.`);
    }
    return { kind: 'cmp', op: opTok.v as CmpOp, field, value: lit.lit };
  }

  const tree = orExpr();
  if (p < toks.length) fail('unexpected token');
  return tree;
}

export function hasOr(node: FilterNode): boolean {
  if (node.kind === 'or') return true;
  if (node.kind === 'and') return hasOr(node.left) || hasOr(node.right);
  if (node.kind === 'not') return hasOr(node.expr);
  return false;
}

/** Whether the filter compares this property anywhere (fields by their canonical name). */
export function mentions(node: FilterNode, field: string): boolean {
  if (node.kind === 'cmp') return node.field === field;
  if (node.kind === 'not') return mentions(node.expr, field);
  return mentions(node.left, field) || mentions(node.right, field);
}

/** The documented single-job form `jobId eq '...'`, which gets the nextLink quirk. */
export function isSingleIdFilter(node: FilterNode): boolean {
  return node.kind === 'cmp' && node.field === 'jobID' && node.op === 'eq';
}

/**
 * The job ids a filter can match at most, or undefined when it may match any job:
 * polls name their jobs, so the simulator renders only those (10,000 jobs stay cheap).
 */
export function jobIdsNamed(node: FilterNode): Set<string> | undefined {
  switch (node.kind) {
    case 'cmp':
      return node.field === 'jobID' && node.op === 'eq' && node.value.type === 'string' ? new Set([String(node.value.value)]) : undefined;
    case 'and':
      return jobIdsNamed(node.left) ?? jobIdsNamed(node.right);
    case 'or': {
      const left = jobIdsNamed(node.left);
      const right = left && jobIdsNamed(node.right);
      return right && new Set([...left, ...right]);
    }
    case 'not':
      return undefined;
  }
}

/** Value of a field made comparable: dates as epoch ms. */
function comparable(field: string, v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (DATE_FIELDS.has(field)) return Date.parse(String(v));
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

export function compareValues(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Reads a property by its canonical name; jobID is stored under either spelling. */
export function getField(row: Record<string, unknown>, field: string): unknown {
  if (field === 'jobID') return row.jobID ?? row.jobId;
  return row[field];
}

export function evaluate(node: FilterNode, row: Record<string, unknown>): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, row) && evaluate(node.right, row);
    case 'or':
      return evaluate(node.left, row) || evaluate(node.right, row);
    case 'not':
      return !evaluate(node.expr, row);
    case 'cmp': {
      const left = comparable(node.field, getField(row, node.field));
      const right = node.value.type === 'null' ? null : comparable(node.field, node.value.value);
      if (node.op === 'eq') return left === right;
      if (node.op === 'ne') return left !== right;
      if (left === null || right === null) return false;
      const c = compareValues(left, right);
      if (node.op === 'gt') return c > 0;
      if (node.op === 'ge') return c >= 0;
      if (node.op === 'lt') return c < 0;
      return c <= 0;
    }
  }
}

export interface OrderKey {
  field: string;
  desc: boolean;
}

export function parseOrderBy(src: string): OrderKey[] {
  return src.split(',').map((part) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/.exec(part);
    if (!m) throw new ODataError(`Syntax error in $orderby '${src}'.`);
    const field = FIELDS[m[1].toLowerCase()];
    if (!field) throw new ODataError(`Could not find a property named '${m[1]}' on type 'backgroundjob'.`);
    return { field, desc: m[2] === 'desc' };
  });
}

export function sortRows(rows: Record<string, unknown>[], keys: OrderKey[]): Record<string, unknown>[] {
  // Array.prototype.sort is stable, so ties keep creation order.
  return [...rows].sort((a, b) => {
    for (const k of keys) {
      const c = compareValues(comparable(k.field, getField(a, k.field)), comparable(k.field, getField(b, k.field)));
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  });
}

export function parseSelect(src: string): string[] {
  return src.split(',').map((part) => {
    const name = part.trim();
    if (name === '*') return '*';
    const field = FIELDS[name.toLowerCase()];
    if (!field) throw new ODataError(`Could not find a property named '${name}' on type 'backgroundjob'.`);
    return field;
  });
}

export function parseCount(name: string, src: string): number {
  if (!/^\d+$/.test(src)) throw new ODataError(`Invalid value '${src}' for ${name}: a non-negative integer is expected.`);
  return Number(src);
}

const QUERY_OPTIONS = new Set(['$filter', '$top', '$skip', '$orderby', '$select', '$count']);

/** The OData options of a jobs query, parsed. */
export interface QueryOptions {
  filter?: FilterNode;
  top?: number;
  skip: number;
  orderBy?: OrderKey[];
  select?: string[];
  count: boolean;
  /** Each option's decoded text, for a nextLink that repeats it. */
  text: Map<string, string>;
}

/** A query string's $-options, each checked; parameters without a '$' are left alone. */
export function parseQuery(query: string): QueryOptions {
  const raw = new Map<string, string>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeSafe(eq < 0 ? part : part.slice(0, eq));
    if (!key.startsWith('$')) continue;
    if (!QUERY_OPTIONS.has(key)) throw new ODataError(`The query parameter '${key}' is not supported.`);
    if (raw.has(key)) throw new ODataError(`Query option '${key}' was specified more than once.`);
    raw.set(key, eq < 0 ? '' : part.slice(eq + 1));
  }
  const text = new Map<string, string>();
  for (const [key, value] of raw) {
    // The real server does not read '+' as a space: clients must send %20.
    if (key === '$filter' && value.includes('+')) {
      throw new ODataError(`Syntax error at position ${value.indexOf('+')} in $filter: '+' is not allowed, encode spaces as %20.`);
    }
    try {
      text.set(key, decodeURIComponent(value));
    } catch {
      throw new ODataError(`The value of '${key}' is not correctly percent-encoded.`);
    }
  }
  const f = text.get('$filter');
  const t = text.get('$top');
  const s = text.get('$skip');
  const sel = text.get('$select');
  const c = text.get('$count');
  const o = text.get('$orderby');
  const parsed: QueryOptions = {
    filter: f === undefined ? undefined : parseFilter(f),
    top: t === undefined ? undefined : parseCount('$top', t),
    skip: s === undefined ? 0 : parseCount('$skip', s),
    select: sel === undefined ? undefined : parseSelect(sel),
    count: c === 'true',
    text,
  };
  if (c !== undefined && c !== 'true' && c !== 'false') throw new ODataError(`Invalid value '${c}' for $count.`);
  if (o !== undefined) parsed.orderBy = parseOrderBy(o);
  return parsed;
}
