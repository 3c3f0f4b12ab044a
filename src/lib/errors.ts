/** The error codes users see in `msg.error.code` (listed in the README, "Errors"). */
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
  | 'BAD_RESPONSE';

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
  const text = said ? `HTTP ${status}: ${said}` : `HTTP ${status}`;
  Object.defineProperty(cause, 'toString', { value: () => text, enumerable: false });
  return cause;
}

/**
 * The only error type that leaves lib/. Built from our own words and the API's
 * message, never from request options, so no header or secret can ride along.
 */
export class AimsError extends Error {
  readonly code: ErrorCode;
  readonly status?: number;
  /** The API's own words (redacted), when it answered with any. */
  readonly said?: string;

  constructor(code: ErrorCode, message: string, status?: number, said?: string) {
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

  /** Node-RED puts toString() in msg.error.message and the log: plain words only. */
  override toString(): string {
    return this.message;
  }
}

export function isAimsError(err: unknown): err is AimsError {
  return err instanceof AimsError;
}

/** Wraps anything thrown by our own code into an AimsError without copying its properties. */
export function toAimsError(err: unknown): AimsError {
  if (isAimsError(err)) return err;
  const text = err instanceof Error ? err.message : String(err);
  return new AimsError('BAD_RESPONSE', `Unexpected failure: ${text}`);
}

const REASON_LIMIT = 40;

/**
 * A few words on why, for a node's status beside the code: the API's own words when it
 * gave any, else the first clause of the message (before its advice), cut at a word.
 */
export function shortReason(err: AimsError, limit = REASON_LIMIT): string {
  let text = (err.said ?? err.message.split(/: |\. /)[0]).replace(/\s+/g, ' ').trim().replace(/[.:;,]+$/, '');
  // "View not found" reads as "view not found" after the code; "AIMS360 …" keeps its capitals.
  if (/^[A-Z][a-z]/.test(text)) text = text[0].toLowerCase() + text.slice(1);
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > limit / 2 ? cut.slice(0, space) : cut).replace(/[\s.:;,]+$/, '')}…`;
}
