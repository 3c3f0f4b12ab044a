/**
 * How the pack's admin routes (the sidebar's, the config dialog's test) answer a failure:
 * one shape, an HTTP status with `{code, message}`; 200 carries the success body.
 */
import type { Response } from 'express';
import { AimsError, ErrorCode, toAimsError } from '../lib/errors';

// Statuses for what the runtime refuses itself; every other code is AIMS360 failing: 502.
const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  BAD_INPUT: 400,
  NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  RERUN_NOT_ALLOWED: 409,
  RERUN_IN_PROGRESS: 409,
  JOB_NOT_COMPLETED: 409,
  JOB_FAILED: 409,
  INTERNAL: 500,
};

export function adminStatus(code: ErrorCode): number {
  return STATUS_OF[code] ?? 502;
}

/** An admin answer other than 200: an error and the status it goes with (adminStatus unless a route says). */
export class Refusal extends Error {
  readonly code: ErrorCode;

  constructor(
    error: AimsError,
    readonly status: number = adminStatus(error.code),
    message: string = error.message,
  ) {
    super(message);
    this.code = error.code;
  }
}

/** Anything thrown as a Refusal; `redact` cleans the message once more. */
export function refusalOf(err: unknown, redact: (text: string) => string = (text) => text): Refusal {
  if (err instanceof Refusal) return err;
  const error = toAimsError(err);
  return new Refusal(error, adminStatus(error.code), redact(error.message));
}

/** Sends a refusal: its status and `{code, message}`, never a stack. */
export function refuse(res: Response, refusal: Refusal): void {
  res.status(refusal.status).json({ code: refusal.code, message: refusal.message });
}
