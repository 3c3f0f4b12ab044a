import { JSON_TYPE, send, sendRaw, TEXT_TYPE, type Ctx } from './http';
import { SpecError } from './util';

export type FaultType = 'status' | 'reset' | 'hang' | 'malformed' | 'truncated' | 'empty' | 'cut';

export interface FaultSpec {
  type: FaultType;
  status?: number;
  retryAfter?: number | string;
  /** Location header of a status fault, e.g. a redirect to another host. */
  location?: string;
  body?: string;
  /** A cut fault: the document body stops after this many bytes (the connection is destroyed). */
  atByte?: number;
  /** A cut fault that also marks the document replaced (touchDocument), as if it changed mid-download. */
  replace?: boolean;
  match?: { method?: string; path?: string; query?: string };
  /** How many matching requests it hits; -1, Infinity or 'Infinity' for all of them. Default 1. */
  times?: number | string | null;
  /** Chance (0..1) that a matching request is hit. Default 1. */
  probability?: number;
}

export interface Fault extends Omit<FaultSpec, 'times'> {
  id: number;
  /** Hits left; Infinity for an endless fault. */
  remaining: number;
  hits: number;
}

const TYPES: FaultType[] = ['status', 'reset', 'hang', 'malformed', 'truncated', 'empty', 'cut'];

export function makeFault(spec: FaultSpec, id: number): Fault {
  if (spec === null || typeof spec !== 'object') throw new SpecError('A fault must be a JSON object.');
  if (!TYPES.includes(spec.type)) throw new SpecError(`Fault type must be one of ${TYPES.join(', ')}.`);
  if (spec.type === 'status' && (!Number.isInteger(spec.status) || (spec.status as number) < 100 || (spec.status as number) > 599)) {
    throw new SpecError('A status fault needs a status between 100 and 599.');
  }
  if (spec.type === 'cut' && !(Number.isInteger(spec.atByte) && (spec.atByte as number) >= 0)) {
    throw new SpecError('A cut fault needs atByte, a whole number of bytes.');
  }
  const t = spec.times;
  let remaining: number;
  if (t === undefined) remaining = 1;
  else if (t === -1 || t === Infinity || t === 'Infinity' || t === null) remaining = Infinity;
  else if (typeof t === 'number' && Number.isInteger(t) && t >= 0) remaining = t;
  else throw new SpecError('times must be a whole number, or -1 for always.');
  const p = spec.probability;
  if (p !== undefined && (typeof p !== 'number' || p < 0 || p > 1)) throw new SpecError('probability must be between 0 and 1.');
  if (spec.body !== undefined && typeof spec.body !== 'string') throw new SpecError('body must be a string.');
  if (spec.location !== undefined && typeof spec.location !== 'string') throw new SpecError('location must be a string.');
  const { times: _times, ...rest } = spec;
  void _times;
  return { ...rest, id, remaining, hits: 0 };
}

export interface RequestFacts {
  method: string;
  path: string;
  /** Decoded query string. */
  query: string;
  isJobQuery: boolean;
  /** A document download: the only answer a cut fault can cut. */
  isDocument: boolean;
}

/** The first fault that hits this request, with its counter spent. */
export function pickFault(faults: Fault[], req: RequestFacts, random: () => number = Math.random): Fault | undefined {
  for (const f of faults) {
    if (f.remaining <= 0) continue;
    const m = f.match ?? {};
    if (m.method && m.method.toUpperCase() !== req.method) continue;
    if (m.path && !req.path.startsWith(m.path)) continue;
    if (m.query && !req.query.includes(m.query)) continue;
    if (f.type === 'empty' && !req.isJobQuery) continue;
    if (f.type === 'cut' && !req.isDocument) continue;
    if (f.probability !== undefined && random() >= f.probability) continue;
    f.remaining--;
    f.hits++;
    return f;
  }
  return undefined;
}

/** Serialisable view (Infinity is not JSON). */
export function describeFault(f: Fault): Record<string, unknown> {
  return { ...f, remaining: f.remaining === Infinity ? -1 : f.remaining };
}

/** Answers the request as the fault says: an error, a broken body, a cut or no answer at all. */
export function applyFault(ctx: Ctx, fault: Fault): void {
  const headers: Record<string, string | number> = {};
  if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
  if (fault.location !== undefined) headers.Location = fault.location;
  const { res, req } = ctx;
  switch (fault.type) {
    case 'reset':
      req.socket.destroy();
      return;
    case 'hang':
      // Never answered; the simulator's close() destroys the socket.
      return;
    case 'malformed':
      sendRaw(ctx, 200, '{"@odata.context":"x","value":[{"jobID":"', headers);
      return;
    case 'empty':
      send(ctx, 200, { value: [] }, headers);
      return;
    case 'truncated': {
      const body = JSON.stringify({ '@odata.context': `${ctx.base}/jobsmanagement/odata/v1.0/$metadata#backgroundjob`, value: [] });
      ctx.head(200, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body) + 100, ...headers });
      res.write(body.slice(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
      return;
    }
    case 'status': {
      const status = fault.status ?? 500;
      const body = fault.body ?? JSON.stringify({ Message: `Simulated fault: HTTP ${status}.` });
      let type = TEXT_TYPE;
      try {
        JSON.parse(body);
        type = JSON_TYPE;
      } catch {
        // a plain text body stays text/plain
      }
      sendRaw(ctx, status, body, { 'Content-Type': type, ...headers });
      return;
    }
  }
}
