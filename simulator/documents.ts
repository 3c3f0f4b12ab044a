import type { IncomingMessage, ServerResponse } from 'node:http';
import { header, rowObject, rowText, rowValues, SAMPLE, tableFor, type Cell, type Table } from './tables';
import { newId, randomToken, SpecError, stamp } from './util';

export type DocFormat = 'csv' | 'json' | 'xlsx' | 'txt' | 'pdf';

export interface DocSpec {
  name?: string;
  format?: DocFormat;
  /** Generated data rows (default 10 when neither content nor sizeBytes is given). */
  rows?: number;
  /** Exact body to serve instead of generated rows (a Buffer only in-process: bodies past a string's 512 MB limit). */
  content?: string | Buffer;
  /** Exactly this many bytes (csv, json, txt; 256 at least), generated on the fly, never held in memory. */
  sizeBytes?: number;
  /** Lifetime from now; negative means already expired. Default 30 days. */
  expiresInMs?: number;
  /** Host name for the DownloadLink instead of the simulator's own. */
  host?: string;
  noDownloadLink?: boolean;
  /** Rows shaped like an export of this AIMS360 Source (default: style, color, size, qty, price). */
  source?: string;
  /** The Source's view, when it keeps only some rows (Orders / Open Orders: open orders). */
  view?: string;
  /** In-process only: the rows of a view edited through the control API, instead of generated ones. */
  table?: Table;
}

export interface DocRecord {
  guid: string;
  token: string;
  name: string;
  format: DocFormat;
  rows: number;
  table: Table;
  content?: string | Buffer;
  sizeBytes?: number;
  expiresInMs: number;
  expiresAt: number;
  host?: string;
  noDownloadLink: boolean;
  size?: number;
  xlsx?: Promise<Buffer>;
  /** Bumped by Simulator.touchDocument: a new ETag and Last-Modified, as when a document is replaced. */
  version: number;
  modifiedAt: number;
}

export const FORMATS: Record<DocFormat, { ext: string; contentType: string }> = {
  csv: { ext: '.csv', contentType: 'text/csv; charset=utf-8' },
  json: { ext: '.json', contentType: 'application/json; charset=utf-8' },
  xlsx: { ext: '.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  txt: { ext: '.txt', contentType: 'text/plain; charset=utf-8' },
  pdf: { ext: '.pdf', contentType: 'application/pdf' },
};

const DAY_MS = 24 * 3600 * 1000;
const MIN_GENERATED = 256;

export function makeDoc(spec: DocSpec, now: number): DocRecord {
  const format = spec.format ?? 'csv';
  if (!(format in FORMATS)) throw new SpecError(`Unknown document format '${String(format)}'.`);
  for (const key of ['rows', 'sizeBytes', 'expiresInMs'] as const) {
    const v = spec[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw new SpecError(`Document ${key} must be a number.`);
  }
  if (spec.rows !== undefined && (spec.rows < 0 || !Number.isInteger(spec.rows))) throw new SpecError('Document rows must be a whole number.');
  if (spec.sizeBytes !== undefined) {
    if (format === 'xlsx' || format === 'pdf') throw new SpecError('sizeBytes works for csv, json and txt documents.');
    if (spec.sizeBytes < MIN_GENERATED || !Number.isInteger(spec.sizeBytes)) {
      throw new SpecError(`sizeBytes must be a whole number of at least ${MIN_GENERATED}.`);
    }
  }
  if (spec.content !== undefined && typeof spec.content !== 'string' && !Buffer.isBuffer(spec.content)) throw new SpecError('Document content must be a string.');
  if (spec.source !== undefined && (typeof spec.source !== 'string' || spec.source === '')) throw new SpecError('Document source must be a non-empty string.');
  if (spec.view !== undefined && typeof spec.view !== 'string') throw new SpecError('Document view must be a string.');
  const guid = newId(now);
  const expiresInMs = spec.expiresInMs ?? 30 * DAY_MS;
  const doc: DocRecord = {
    guid,
    token: randomToken(100) + stamp(now).slice(0, 8) + '000000000',
    name: spec.name ?? `Export_${stamp(now).slice(0, 14)}${FORMATS[format].ext}`,
    format,
    rows: spec.rows ?? 10,
    table: spec.table ?? (spec.source === undefined ? SAMPLE : tableFor(spec.source, spec.view)),
    content: spec.content,
    sizeBytes: spec.sizeBytes,
    expiresInMs,
    expiresAt: now + expiresInMs,
    host: spec.host,
    noDownloadLink: spec.noDownloadLink === true,
    version: 1,
    modifiedAt: now,
  };
  if (format === 'xlsx' && doc.content === undefined) {
    doc.xlsx = buildXlsx(doc.table, doc.rows);
    // Remember the size for SizeInMB once built; a failure shows up on download.
    doc.xlsx.then((buf) => (doc.size = buf.length), () => undefined);
  }
  return doc;
}

/** Size in bytes when it is known without building anything asynchronous. */
export function docSize(doc: DocRecord): number | undefined {
  if (doc.size !== undefined) return doc.size;
  if (doc.content !== undefined) doc.size = Buffer.byteLength(doc.content);
  else if (doc.sizeBytes !== undefined) doc.size = doc.sizeBytes;
  else if (doc.format === 'pdf') doc.size = Buffer.byteLength(pdf(doc.table, doc.rows));
  else if (doc.format !== 'xlsx') {
    let n = 0;
    for (const chunk of textChunks(doc)) n += Buffer.byteLength(chunk);
    doc.size = n;
  }
  return doc.size;
}

interface Layout {
  prefix: string;
  /** One row including its separators; `pad` is ASCII appended to the first cell to hit an exact size. */
  row(i: number, pad: string): string;
  suffix: string;
}

/** A CSV cell, quoted only when it must be. */
function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function layoutOf(doc: DocRecord): Layout {
  const table = doc.table;
  if (doc.format === 'json') {
    const first = table.columns[0].name;
    return {
      prefix: '[',
      row: (i, pad) => (i > 0 ? ',' : '') + JSON.stringify({ ...rowObject(table, i), [first]: String(table.columns[0].value(i)) + pad }),
      suffix: ']',
    };
  }
  const [sep, cell] = doc.format === 'csv' ? [',', csvCell] : ['\t', (t: string) => t];
  return {
    prefix: header(table).map(cell).join(sep) + '\n',
    row(i, pad) {
      const cells = rowText(table, i);
      cells[0] += pad;
      return cells.map(cell).join(sep) + '\n';
    },
    suffix: '',
  };
}

const CHUNK = 64 * 1024;
// Rows are far shorter than this, so the last row can always be padded to fit exactly.
const SLACK = 128;

/** The body of a generated text document in ~64 KB pieces, for exact rows or an exact byte size. */
export function* textChunks(doc: DocRecord): Generator<string> {
  const layout = layoutOf(doc);
  let buf = layout.prefix;
  if (doc.sizeBytes === undefined) {
    for (let i = 0; i < doc.rows; i++) {
      buf += layout.row(i, '');
      if (buf.length >= CHUNK) {
        yield buf;
        buf = '';
      }
    }
  } else {
    const budget = doc.sizeBytes - layout.prefix.length - layout.suffix.length;
    let written = 0;
    for (let i = 0; ; i++) {
      const row = layout.row(i, '');
      const rem = budget - written;
      if (rem - row.length >= SLACK) {
        buf += row;
        written += row.length;
      } else {
        buf += layout.row(i, 'X'.repeat(rem - row.length));
        break;
      }
      if (buf.length >= CHUNK) {
        yield buf;
        buf = '';
      }
    }
  }
  buf += layout.suffix;
  if (buf.length > 0) yield buf;
}

type WriteXlsx = (data: { value: Cell }[][]) => { toBuffer(): Promise<Buffer> };
let writer: Promise<WriteXlsx> | undefined;

// write-excel-file is ESM first; load it once, on first use.
function loadWriter(): Promise<WriteXlsx> {
  writer ??= import('write-excel-file/node').then((m) => m.default as unknown as WriteXlsx);
  return writer;
}

async function buildXlsx(table: Table, rows: number): Promise<Buffer> {
  const write = await loadWriter();
  const data: { value: Cell }[][] = [header(table).map((h) => ({ value: h }))];
  for (let i = 0; i < rows; i++) data.push(rowValues(table, i).map((value) => ({ value })));
  return write(data).toBuffer();
}

/** A small valid one-page PDF listing the first rows. */
export function pdf(table: Table, rows: number): string {
  const lines = [header(table).join('  ')];
  for (let i = 0; i < Math.min(rows, 40); i++) lines.push(rowText(table, i).join('  '));
  // Backslashes and parentheses end a PDF string unless escaped.
  const text = lines.map((l, i) => `BT /F1 10 Tf 40 ${800 - i * 14} Td (${l.replace(/[\\()]/g, '\\$&')}) Tj ET`).join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return out;
}

function contentDisposition(name: string): string {
  // Header values must be Latin-1 without quotes or line breaks; the exact name goes in filename*.
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function waitWritable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export interface SendOptions {
  /** Serve `Range` requests (206) and say so with `Accept-Ranges: bytes`. */
  ranges: boolean;
  /** Destroy the connection after this many bytes of the body. */
  cutAtByte?: number;
}

/** The validators a client checks before resuming: strong ETag and Last-Modified. */
export function validators(doc: DocRecord): { etag: string; lastModified: string } {
  return { etag: `"${doc.guid}-${doc.version}"`, lastModified: new Date(doc.modifiedAt).toUTCString() };
}

/**
 * The byte range a `Range` header asks for: [first, last], 'unsatisfiable', or
 * undefined to send the whole body (no header, a syntax we ignore, several ranges).
 */
export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = header === undefined ? null : /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : [Math.max(0, size - suffix), size - 1];
  }
  const first = Number(m[1]);
  const last = m[2] === '' ? Infinity : Number(m[2]);
  if (last < first) return undefined;
  if (first >= size) return 'unsatisfiable';
  return [first, Math.min(last, size - 1)];
}

async function* bodyPieces(doc: DocRecord): AsyncGenerator<Buffer> {
  if (doc.content !== undefined) yield Buffer.isBuffer(doc.content) ? doc.content : Buffer.from(doc.content);
  else if (doc.xlsx) yield await doc.xlsx;
  else if (doc.format === 'pdf') yield Buffer.from(pdf(doc.table, doc.rows));
  else for (const chunk of textChunks(doc)) yield Buffer.from(chunk);
}

/**
 * Sends a document body, or the range of it asked for; big ones are generated as
 * they go, respecting backpressure. An `If-Range` that no longer matches gets the
 * whole body, as HTTP says.
 */
export async function sendDocument(req: IncomingMessage, res: ServerResponse, doc: DocRecord, head: (status: number, headers: Record<string, string | number>) => void, options: SendOptions): Promise<void> {
  const size = doc.xlsx ? (await doc.xlsx).length : (docSize(doc) ?? 0);
  const { etag, lastModified } = validators(doc);
  const headers: Record<string, string | number> = {
    'Content-Type': FORMATS[doc.format].contentType,
    'Content-Disposition': contentDisposition(doc.name),
    ETag: etag,
    'Last-Modified': lastModified,
  };
  if (options.ranges) headers['Accept-Ranges'] = 'bytes';
  const ifRange = req.headers['if-range'];
  const rangeApplies = options.ranges && (ifRange === undefined || ifRange === etag || ifRange === lastModified);
  const range = rangeApplies ? parseRange(req.headers.range, size) : undefined;
  if (range === 'unsatisfiable') {
    head(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
    res.end();
    return;
  }
  const [first, last] = range ?? [0, size - 1];
  if (range) headers['Content-Range'] = `bytes ${first}-${last}/${size}`;
  head(range ? 206 : 200, { ...headers, 'Content-Length': last - first + 1 });
  let offset = 0;
  let sent = 0;
  for await (const piece of bodyPieces(doc)) {
    if (res.destroyed) return;
    const start = offset;
    offset += piece.length;
    if (offset <= first) continue;
    let part = piece.subarray(Math.max(0, first - start), Math.min(piece.length, last + 1 - start));
    const cut = options.cutAtByte !== undefined && sent + part.length > options.cutAtByte;
    if (cut) part = part.subarray(0, options.cutAtByte! - sent);
    sent += part.length;
    if (cut) {
      res.write(part, () => res.socket?.destroy());
      return;
    }
    if (!res.write(part)) await waitWritable(res);
    if (offset > last) break;
  }
  if (!res.destroyed) res.end();
}
