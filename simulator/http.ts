// What every route shares: the request in hand, the error that becomes an answer,
// and reading and writing bodies.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const JSON_TYPE = 'application/json; charset=utf-8';
export const TEXT_TYPE = 'text/plain; charset=utf-8';
const MAX_BODY = 1024 * 1024;
export const DENIED = { Message: 'Authorization has been denied for this request.' };

export type Head = (status: number, headers: Record<string, string | number>) => void;

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: string;
  base: string;
  /** The request body, read before routing for every method but GET and HEAD. */
  body?: string;
  /** Writes the status line and headers, noting the status in the request's log entry. */
  head: Head;
}

/** Thrown anywhere in a route: answered with this status and body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, { Message: 'The request body is too large.' }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** An empty body reads as {}; errorBody shapes the 400 as the caller's API words its errors. */
export function parseJson(text: string, errorBody: (msg: string) => unknown): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, errorBody('The request body is not valid JSON.'));
  }
}

/** A string goes as text/plain, anything else as JSON. */
export function writeBody(res: ServerResponse, head: Head, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  head(status, { 'Content-Type': typeof body === 'string' ? TEXT_TYPE : JSON_TYPE, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Answers unless a fault or an earlier answer already took the response. */
export function send(ctx: Ctx, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
  if (ctx.res.headersSent || ctx.res.destroyed) return;
  writeBody(ctx.res, ctx.head, status, body, headers);
}

/** A body sent as it is, JSON unless the headers say otherwise. */
export function sendRaw(ctx: Ctx, status: number, body: string, headers: Record<string, string | number>): void {
  ctx.head(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body), ...headers });
  ctx.res.end(body);
}

/** The last resort for an error no route answered: a 500, or a cut connection once an answer has begun. */
export function fail(res: ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  if (err instanceof HttpError) writeBody(res, (s, h) => res.writeHead(s, h), err.status, err.body);
  else writeBody(res, (s, h) => res.writeHead(s, h), 500, { Message: 'An error has occurred.' });
}
