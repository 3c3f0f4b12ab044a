/** The jobs of the last hours, newest first, optionally of one status: the sidebar's "Recent jobs". */
import type { AimsClient } from './client';
import { AimsError, isAimsError } from './errors';
import { Job, JobStatus, readJobStatus } from './job';
import { odataString, queryJobs } from './odata';
import { readNumber } from './settings';

export interface RecentQuery {
  hours: number;
  status?: JobStatus;
  top: number;
}

const HOUR_MS = 60 * 60 * 1000;
// As the job status node's "failed" preset: a year at most.
const MAX_HOURS = 8760;
export const MAX_TOP = 1000;
// Pages read at most; the API's pages seem to hold 100 jobs.
const MAX_PAGES = 20;

/** The query's parameters as they arrive in a URL (strings, or absent); BAD_INPUT when out of range. */
export function readRecentQuery(query: { hours?: unknown; status?: unknown; top?: unknown }): RecentQuery {
  const hours = readNumber(query.hours, 24, 'hours', { min: 1, max: MAX_HOURS, integer: true });
  const top = readNumber(query.top, 100, 'top', { min: 1, max: MAX_TOP, integer: true });
  let status: JobStatus | undefined;
  if (query.status !== undefined && query.status !== '') {
    status = typeof query.status === 'string' ? readJobStatus({ jobStatus: query.status }) : undefined;
    if (!status) throw new AimsError('BAD_INPUT', 'status must be one of Queued, Inprogress, Completed, Failed.');
  }
  return { hours, status, top };
}

/**
 * Asks the API for the jobs created since `hours` ago, newest first. When the API
 * refuses the date and status filter together (400), as the poller falls back for its
 * combined filter, it asks by date only and keeps the status here.
 */
export async function recentJobs(client: AimsClient, query: RecentQuery, signal?: AbortSignal, now = Date.now()): Promise<Job[]> {
  const since = `createdDate ge ${new Date(now - query.hours * HOUR_MS).toISOString()}`;
  const ask = async (filter: string, top?: number) =>
    (await queryJobs(client, { filter, orderby: 'createdDate desc', top }, MAX_PAGES, signal)).jobs;
  if (!query.status) return (await ask(since, query.top)).slice(0, query.top);
  try {
    return (await ask(`${since} and jobStatus eq ${odataString(query.status)}`, query.top)).slice(0, query.top);
  } catch (err) {
    if (!(isAimsError(err) && err.code === 'API_ERROR' && err.status === 400)) throw err;
  }
  return (await ask(since)).filter((job) => readJobStatus(job) === query.status).slice(0, query.top);
}
