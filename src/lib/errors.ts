import { Params, text } from './messages';

/**
 * The error codes users see in `msg.error.code` (listed in the README, "Errors"); each is
 * described in src/locales/<lang>/errors.json under aims360.errors.codes.
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'AUTH_FAILED'
  | 'JOB_NOT_FOUND'
  | 'RERUN_NOT_ALLOWED'
  | 'JOB_NOT_COMPLETED'
  | 'JOB_FAILED'
  | 'LINK_EXPIRED'
  | 'ACCESS_DENIED'
  | 'UNTRUSTED_HOST'
  | 'TOO_LARGE'
  | 'TIMEOUT'
  | 'RATE_LIMITED'
  | 'API_ERROR'
  | 'NETWORK'
  | 'BAD_RESPONSE'
  /** A bug of this pack, not of the API or the input. */
  | 'INTERNAL'
  /** Admin answers only (the sidebar's routes): no such config node. */
  | 'NOT_FOUND'
  /** Admin answers only: a rerun of this job is already being posted from this runtime. */
  | 'RERUN_IN_PROGRESS';

/** What `msg.error.cause` holds for an HTTP failure: the status and the API's own words, if it gave any. */
export interface ErrorCause {
  status: number;
  message?: string;
}

/**
 * A plain object (the Catch node passes it on as data), whose text is readable too: the
 * debug sidebar shows an uncaught error's cause as `cause + ""`, "[object Object]" otherwise.
 */
function causeOf(status: number, said: string | undefined): ErrorCause {
  const cause: ErrorCause = said ? { status, message: said } : { status };
  const words = said ? `HTTP ${status}: ${said}` : `HTTP ${status}`;
  Object.defineProperty(cause, 'toString', { value: () => words, enumerable: false });
  return cause;
}

/**
 * The only error type that leaves lib/. Built from a catalogue key, its parameters and the
 * API's message, never from request options, so no header or secret can ride along.
 */
export class AimsError extends Error {
  readonly code: ErrorCode;
  /** The message's key in the catalogues (aims360.errors.…), and what fills it. */
  readonly key!: string;
  readonly params!: Params;
  readonly status?: number;
  /** The API's own words (redacted), when it answered with any. */
  readonly said?: string;

  /** An error whose message is `text(key, params)`, in the runtime's language. */
  static of(code: ErrorCode, key: string, params: Params = {}, status?: number, said?: string): AimsError {
    return new AimsError(code, text(key, params), status, said).keyed(key, params);
  }

  /** Words of their own, not a catalogue key: use AimsError.of (tests build stand-ins with it). */
  protected constructor(code: ErrorCode, message: string, status?: number, said?: string) {
    super(message);
    this.name = 'AimsError';
    this.code = code;
    if (said) this.said = said;
    if (status !== undefined) {
      this.status = status;
      // Node-RED's Catch node copies only message, code, stack and cause from an error.
      this.cause = causeOf(status, said);
    }
  }

  protected keyed(key: string, params: Params): this {
    Object.assign(this, { key, params });
    return this;
  }

  /** The same error as a new object (Node-RED hands an error's cause to Catch as it is). */
  copy(): AimsError {
    return new AimsError(this.code, this.message, this.status, this.said).keyed(this.key, this.params);
  }

  /** Node-RED puts toString() in msg.error.message and the log: plain words only. */
  override toString(): string {
    return this.message;
  }
}

export function isAimsError(err: unknown): err is AimsError {
  return err instanceof AimsError;
}

/**
 * Wraps anything else thrown into an AimsError without copying its properties: every
 * failure the pack foresees is an AimsError already, so the rest is a bug of the pack.
 */
export function toAimsError(err: unknown): AimsError {
  if (isAimsError(err)) return err;
  return AimsError.of('INTERNAL', 'aims360.errors.internal', { reason: err instanceof Error ? err.message : String(err) });
}

const REASON_LIMIT = 40;

/**
 * A few words on why, for a node's status beside the code: the API's own words when it
 * gave any, else the first clause of the message (before its advice), cut at a word.
 */
export function shortReason(err: AimsError, limit = REASON_LIMIT): string {
  let reason = (err.said ?? err.message.split(/: |\. /)[0]).replace(/\s+/g, ' ').trim().replace(/[.:;,]+$/, '');
  // "View not found" reads as "view not found" after the code; "AIMS360 …" keeps its capitals.
  if (/^[A-Z][a-z]/.test(reason)) reason = reason[0].toLowerCase() + reason.slice(1);
  if (reason.length <= limit) return reason;
  const cut = reason.slice(0, limit - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > limit / 2 ? cut.slice(0, space) : cut).replace(/[\s.:;,]+$/, '')}…`;
}
