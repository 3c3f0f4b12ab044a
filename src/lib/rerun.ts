import type { AimsClient } from './client';
import { AimsError, isAimsError } from './errors';
import { canReRunAsSent, isJob, Job, readCanReRun } from './job';
import { checkJobId } from './job-id';
import { fetchJob } from './jobs-endpoint';

export function rerunPath(id: string): string {
  return `/jobsmanagement/v1.0/backgroundjob/${encodeURIComponent(checkJobId(id))}/rerun`;
}

/** Fetches the job and refuses, before anything is posted, unless its canReRun is Yes. */
export async function checkCanRerun(client: AimsClient, id: string, signal?: AbortSignal): Promise<Job> {
  const job = await fetchJob(client, id, signal);
  if (!readCanReRun(job)) {
    const said = canReRunAsSent(job);
    throw AimsError.of('RERUN_NOT_ALLOWED', 'aims360.errors.rerun.notAllowed', { id, canReRun: JSON.stringify(said ?? null) });
  }
  return job;
}

const CANNOT_RERUN = /(cannot|can ?not|can't|not allowed|not permitted)\b.*\bre-?run|re-?run\b.*\b(not allowed|not permitted)/i;

/** POSTs the rerun (sent again only when refused unread: it is not idempotent); answers the API's response object. */
export async function postRerun(client: AimsClient, id: string, signal?: AbortSignal): Promise<Job> {
  let body: unknown;
  try {
    body = (await client.requestJson(rerunPath(id), { method: 'POST', signal })).body;
  } catch (err) {
    if (isAimsError(err) && err.status === 404) {
      throw AimsError.of('JOB_NOT_FOUND', 'aims360.errors.rerun.notFound', { id }, 404);
    }
    if (isAimsError(err) && err.status === 400 && CANNOT_RERUN.test(err.message)) {
      throw AimsError.of('RERUN_NOT_ALLOWED', 'aims360.errors.rerun.refused', { reason: err.message }, 400);
    }
    throw err;
  }
  if (!isJob(body)) throw AimsError.of('BAD_RESPONSE', 'aims360.errors.rerun.noJob');
  return body;
}
