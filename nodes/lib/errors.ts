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

/**
 * The only error type that leaves lib/. Built from our own words and the API's
 * message, never from request options, so no header or secret can ride along.
 */
export class AimsError extends Error {
  readonly code: ErrorCode;
  readonly status?: number;

  constructor(code: ErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'AimsError';
    this.code = code;
    if (status !== undefined) {
      this.status = status;
      // Node-RED's Catch node copies only message, code, stack and cause from an error.
      this.cause = { status };
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
