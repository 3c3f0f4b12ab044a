/** The job id a node reads: where it is found, the place as messages name it, and whether it is plausible. */
import { AimsError } from './errors';
import { isJob } from './job';
import { text } from './messages';
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

/**
 * Where a Job ID typed input reads the id, as messages name it: msg.x, flow.x, global.x,
 * env X; undefined for an empty property (findJobId's default places).
 */
export function jobIdSource(type: string | undefined, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (type === 'msg' || type === 'flow' || type === 'global') return `${type}.${value}`;
  if (type === 'env') return `env ${value}`;
  return type === 'jsonata' ? text('aims360.errors.jobId.expression') : text('aims360.errors.jobId.property');
}

/** What was read instead of an id, in words. */
function found(v: unknown): string {
  if (v === undefined) return text('aims360.errors.jobId.found.nothing');
  if (v === '') return text('aims360.errors.jobId.found.empty');
  if (v === null) return text('aims360.errors.jobId.found.null');
  return text('aims360.errors.jobId.found.other', { kind: Array.isArray(v) ? 'list' : typeof v });
}

/**
 * The job-id rule, one text for each way it breaks: refuses anything but a plausible job id,
 * before any request is made; `source` (jobIdSource) is where it was read.
 */
export function checkJobId(id: unknown, source?: string): string {
  if (typeof id !== 'string' || id.length === 0) {
    // Read from the default places, the advice names the first of them.
    const set = source ?? 'msg.jobId';
    const from = source ?? text('aims360.errors.jobId.defaultSource');
    throw AimsError.of('BAD_INPUT', 'aims360.errors.jobId.missing', { source: from, set, found: found(id) });
  }
  if (!JOB_ID.test(id)) throw AimsError.of('BAD_INPUT', 'aims360.errors.setting', { problem: text('aims360.rules.jobId') });
  return id;
}
