/** The jobs endpoint (GET …/backgroundjob): one job by id, and a query's pages. */
import type { AimsClient } from './client';
import { AimsError } from './errors';
import { isJob, Job, readJobId } from './job';
import { checkJobId } from './job-id';
import { buildQueryString, jobIdFilter, JobQuery, pathAndQuery } from './odata';

export const JOBS_PATH = '/jobsmanagement/odata/v1.0/backgroundjob';

interface Page {
  jobs: Job[];
  nextLink?: string;
}

export function noJobList(): AimsError {
  return AimsError.of('BAD_RESPONSE', 'aims360.errors.jobs.noList');
}

export function jobNotFound(id: string): AimsError {
  return AimsError.of('JOB_NOT_FOUND', 'aims360.errors.jobs.notFound', { id });
}

function readPage(body: unknown): Page {
  const page = isJob(body) ? body : undefined;
  const value = page?.value;
  if (!Array.isArray(value) || !value.every(isJob)) throw noJobList();
  const next = page?.['@odata.nextLink'];
  return { jobs: value, nextLink: typeof next === 'string' && next ? next : undefined };
}

/**
 * The job with this id, or JOB_NOT_FOUND: an answer holding only other jobs is not this
 * one (the poller reads answers the same way). The single-job answer's nextLink is not followed.
 */
export async function fetchJob(client: AimsClient, id: string, signal?: AbortSignal): Promise<Job> {
  const jobId = checkJobId(id);
  const response = await client.requestJson(JOBS_PATH, {
    query: buildQueryString({ filter: jobIdFilter([jobId]) }),
    signal,
  });
  const { jobs } = readPage(response.body);
  const job = jobs.find((j) => readJobId(j)?.toLowerCase() === jobId.toLowerCase());
  if (!job) throw jobNotFound(jobId);
  return job;
}

export interface QueryResult {
  jobs: Job[];
  /** Where reading stopped with pages left, on the configured base URL. */
  nextLink?: string;
}

/**
 * Runs a job query, following @odata.nextLink until a page is empty, there is no
 * nextLink, or maxPages pages were read. An empty page ends the list even when it
 * carries a nextLink, which would otherwise be followed to maxPages and reported as
 * pages left. Only a nextLink's path and query are used.
 */
export async function queryJobs(
  client: AimsClient,
  query: JobQuery,
  maxPages: number,
  signal?: AbortSignal,
): Promise<QueryResult> {
  const jobs: Job[] = [];
  let target = JOBS_PATH;
  let queryString: string | undefined = buildQueryString(query);
  for (let pages = 1; ; pages++) {
    const response = await client.requestJson(target, { query: queryString, signal });
    const page = readPage(response.body);
    jobs.push(...page.jobs);
    if (page.jobs.length === 0 || !page.nextLink) return { jobs };
    target = pathAndQuery(page.nextLink);
    queryString = undefined;
    if (pages >= maxPages) return { jobs, nextLink: client.resolve(target).href };
  }
}
