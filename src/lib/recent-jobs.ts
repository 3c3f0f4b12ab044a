/** The jobs of the last hours, newest first, optionally of one status: the sidebar's "Recent jobs". */
import type { AimsClient } from './client';
import { AimsError, isAimsError } from './errors';
import { Job, JobStatus, readJobStatus } from './job';
import { queryJobs } from './jobs-endpoint';
import { odataString } from './odata';
import { readNumber } from './read-setting';

export interface RecentQuery {
  hours: number;
  status?: JobStatus;
  top: number;
}

const HOUR_MS = 60 * 60 * 1000;
// As the job status node's "failed" preset: a year at most.
const MAX_HOURS = 8760;
// A read-only user can call this route at will: each call costs at most MAX_PAGES requests
// (one more when the API refuses the status filter), and top stays within what they hold.
export const MAX_TOP = 300;
// Pages read at most; the API's pages seem to hold 100 jobs.
export const MAX_PAGES = 3;

/** The query's parameters as they arrive in a URL (strings, or absent); BAD_INPUT when out of range. */
export function readRecentQuery(query: { hours?: unknown; status?: unknown; top?: unknown }): RecentQuery {
  const hours = readNumber(query.hours, 24, 'hours', { min: 1, max: MAX_HOURS, integer: true });
  const top = readNumber(query.top, 100, 'top', { min: 1, max: MAX_TOP, integer: true });
  let status: JobStatus | undefined;
  if (query.status !== undefined && query.status !== '') {
    status = typeof query.status === 'string' ? readJobStatus({ jobStatus: query.status }) : undefined;
    if (!status) throw AimsError.of('BAD_INPUT', 'aims360.errors.recentJobs.status');
  }
  return { hours, status, top };
}

export interface RecentJobs {
  jobs: Job[];
  /** Fewer than `top` jobs, and pages left unread (MAX_PAGES): more jobs may match. */
  truncated: boolean;
}

/**
 * Asks the API for the jobs created since `hours` ago, newest first. When the API
 * refuses the date and status filter together (400), as the poller falls back for its
 * combined filter, it asks by date only and keeps the status here.
 */
export async function recentJobs(client: AimsClient, query: RecentQuery, signal?: AbortSignal, now = Date.now()): Promise<RecentJobs> {
  const since = `createdDate ge ${new Date(now - query.hours * HOUR_MS).toISOString()}`;
  const ask = async (filter: string, keep: (job: Job) => boolean, top?: number): Promise<RecentJobs> => {
    const read = await queryJobs(client, { filter, orderby: 'createdDate desc', top }, MAX_PAGES, signal);
    const jobs = read.jobs.filter(keep).slice(0, query.top);
    return { jobs, truncated: read.nextLink !== undefined && jobs.length < query.top };
  };
  const all = () => true;
  if (!query.status) return ask(since, all, query.top);
  try {
    return await ask(`${since} and jobStatus eq ${odataString(query.status)}`, all, query.top);
  } catch (err) {
    if (!(isAimsError(err) && err.code === 'API_ERROR' && err.status === 400)) throw err;
  }
  return ask(since, (job) => readJobStatus(job) === query.status);
}
