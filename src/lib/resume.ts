/**
 * A document body that survives a cut: when the connection drops part-way, the rest
 * is asked for with an HTTP Range from the bytes already passed on, as long as the
 * server offered ranges and the document's validator (ETag or Last-Modified) still
 * matches. The body's length is checked against what the server said.
 */
import { PassThrough, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AimsError } from './errors';
import { Params, text } from './messages';

/** What a stream on the body's path may hold before it pauses the one before it. */
export const BODY_BUFFER = 1024 * 1024;

export type Headers = Record<string, string | string[] | undefined>;

export interface BodyAnswer {
  statusCode: number;
  headers: Headers;
  body: Readable;
}

export interface ResumePolicy {
  /** Resumes at most, after the first answer. */
  limit: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A body's own error (the HTTP client's) as the AimsError it stands for. */
  describe: (err: unknown) => AimsError;
}

/** A body that broke off and could not be resumed; the caller may download it again from the start. */
export class NotResumable extends AimsError {
  constructor(key: string, params: Params = {}) {
    super('NETWORK', text(key, params));
    this.keyed(key, params);
  }
}

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The Content-Length, when there is exactly one valid one. */
export function contentLength(headers: Headers): number | undefined {
  const text = header(headers, 'content-length');
  return text !== undefined && /^\d+$/.test(text.trim()) ? Number(text) : undefined;
}

/** `bytes first-last/total` of a 206. */
function contentRange(headers: Headers): { first: number; total: number } | undefined {
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+)\s*$/i.exec(header(headers, 'content-range') ?? '');
  return m ? { first: Number(m[1]), total: Number(m[3]) } : undefined;
}

/** What If-Range can carry: a strong ETag (weak ones may not be used), else Last-Modified. */
function validatorOf(headers: Headers): string | undefined {
  const etag = header(headers, 'etag');
  if (etag && !etag.startsWith('W/')) return etag;
  return header(headers, 'last-modified');
}

/** Whether a failure is a transfer that broke off, not a cancel or a refusal. */
function isCut(err: unknown): boolean {
  return err instanceof AimsError && (err.code === 'NETWORK' || err.code === 'TIMEOUT') && !(err instanceof NotResumable);
}

/**
 * The body of `first`, resumed by `reopen(from, validator)` after each cut, at most
 * `policy.limit` times. It fails with the cut's own error when nothing more can be
 * done, or with NotResumable when the server cannot continue where it stopped (no
 * ranges, a changed document, an answer that does not fit).
 */
export function resumingBody(
  first: BodyAnswer,
  reopen: (from: number, validator: string) => Promise<BodyAnswer>,
  policy: ResumePolicy,
  signal: AbortSignal,
): Readable {
  const total = contentLength(first.headers);
  const validator = validatorOf(first.headers);
  const ranges = /\bbytes\b/i.test(header(first.headers, 'accept-ranges') ?? '');
  // Socket reads come in chunks of up to 64 KB: a 16 KB buffer would pause the socket after each one.
  const out = new PassThrough({ highWaterMark: BODY_BUFFER });
  // The consumer reads the error; this only keeps one that arrives before it listens from crashing the process.
  out.on('error', () => undefined);
  let source = first.body;
  let received = 0;
  let resumes = 0;
  let done = false;
  out.on('close', () => {
    done = true;
    source.destroy();
  });

  const fail = (err: unknown) => {
    if (!done) out.destroy(err as Error);
  };

  const follow = (body: Readable) => {
    source = body;
    body.on('data', (chunk: Buffer) => (received += chunk.length));
    body.once('end', () => {
      if (total !== undefined && received !== total) {
        fail(new NotResumable('aims360.errors.resume.ended', { received, total }));
      } else out.end();
    });
    body.once('error', (err) => void resume(policy.describe(err)).catch(fail));
    body.pipe(out, { end: false });
  };

  const resume = async (cut: unknown) => {
    source.unpipe(out);
    if (done) return;
    if (!isCut(cut)) throw cut;
    if (!ranges || validator === undefined || total === undefined) {
      throw new NotResumable('aims360.errors.resume.noRanges', { reason: (cut as Error).message });
    }
    let last = cut;
    while (resumes < policy.limit) {
      resumes += 1;
      try {
        await sleep(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (resumes - 1)), undefined, { signal });
      } catch {
        throw last; // cancelled while waiting: the cut is the answer
      }
      let next: BodyAnswer;
      try {
        next = await reopen(received, validator);
      } catch (err) {
        if (!isCut(err)) throw err;
        last = err;
        continue;
      }
      const range = next.statusCode === 206 ? contentRange(next.headers) : undefined;
      if (!range || range.first !== received || range.total !== total) {
        next.body.destroy();
        throw next.statusCode === 200 || next.statusCode === 206
          ? new NotResumable('aims360.errors.resume.changed', { status: next.statusCode, received })
          : new NotResumable('aims360.errors.resume.refused', { status: next.statusCode, received });
      }
      if (done) return void next.body.destroy();
      return follow(next.body);
    }
    throw last;
  };

  follow(first.body);
  return out;
}
