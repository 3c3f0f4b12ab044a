/** The job id a node reads: where it is found, the place as messages name it, and whether it is plausible. */
import { AimsError } from './errors';
import { isJob } from './job';
import { JOB_ID } from './settings';

/**
 * The job id a message carries when the node's Job ID property is left empty:
 * msg.jobId, msg.payload.jobId, msg.payload.jobID, or msg.payload as a string.
 */
export function findJobId(msg: Record<string, unknown>): unknown {
  if (msg.jobId !== undefined) return msg.jobId;
  const payload = msg.payload;
  if (typeof payload === 'string') return payload;
  if (isJob(payload)) return payload.jobId ?? payload.jobID;
  return undefined;
}

/** Where the id is read when the Job ID property is left empty (findJobId's places). */
export const DEFAULT_JOB_ID_SOURCE = 'msg.jobId, msg.payload.jobId, msg.payload.jobID or a string msg.payload';

/**
 * Where a Job ID typed input reads the id, as the runtime message names it: msg.x, flow.x,
 * global.x, env X; DEFAULT_JOB_ID_SOURCE for an empty property.
 */
export function jobIdSource(type: string | undefined, value: string | undefined): string {
  if (value === undefined || value === '') return DEFAULT_JOB_ID_SOURCE;
  if (type === 'msg' || type === 'flow' || type === 'global') return `${type}.${value}`;
  if (type === 'env') return `env ${value}`;
  return type === 'jsonata' ? 'the Job ID expression' : 'the Job ID property';
}

function what(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === '') return 'an empty text';
  if (v === null) return 'null';
  return `a ${Array.isArray(v) ? 'list' : typeof v}, not text`;
}

/** The BAD_INPUT message for a missing job id: what was read where, and what to do. */
export function noJobIdMessage(found: unknown, source: string = DEFAULT_JOB_ID_SOURCE): string {
  const set = source === DEFAULT_JOB_ID_SOURCE ? 'msg.jobId' : source;
  return `No job id: ${source} gave ${what(found)}. Set ${set}, or set the Job ID property to the id itself (type string).`;
}

/**
 * Refuses anything but a plausible job id, before any request is made; `source` (jobIdSource)
 * is where it was read.
 */
export function checkJobId(id: unknown, source: string = DEFAULT_JOB_ID_SOURCE): string {
  if (typeof id !== 'string' || id.length === 0) throw new AimsError('BAD_INPUT', noJobIdMessage(id, source));
  if (!JOB_ID.test(id)) {
    throw new AimsError(
      'BAD_INPUT',
      'The job id may hold only letters, digits, "-" and "_", at most 128 characters.',
    );
  }
  return id;
}
