import type { AimsClient } from './client';
import { AimsError } from './errors';
import { isJob, Job, readJobId } from './job';
import { JOB_ID } from './settings';

export const JOBS_PATH = '/jobsmanagement/odata/v1.0/backgroundjob';

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

/** An OData string literal: quotes doubled, so a value can never end the literal. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function jobIdFilter(ids: readonly string[]): string {
  return ids.map((id) => `jobId eq ${odataString(checkJobId(id))}`).join(' or ');
}

export interface JobQuery {
  filter?: string;
  orderby?: string;
  top?: number;
  skip?: number;
  select?: string;
}

/**
 * Builds the query string with encodeURIComponent: URLSearchParams writes spaces
 * as '+', which strict OData servers refuse.
 */
export function buildQueryString(query: JobQuery): string {
  const parts: string[] = [];
  const add = (name: string, value: string | number | undefined) => {
    if (value === undefined || value === '') return;
    parts.push(`${name}=${encodeURIComponent(String(value))}`);
  };
  add('$filter', query.filter);
  add('$orderby', query.orderby);
  add('$top', query.top);
  add('$skip', query.skip);
  add('$select', query.select);
  return parts.join('&');
}

/** From a nextLink, keep only path and query: every request goes to the configured base URL. */
export function pathAndQuery(link: string): string {
  let url: URL;
  try {
    url = new URL(link, 'http://base.invalid');
  } catch {
    throw new AimsError('BAD_RESPONSE', 'The API sent an @odata.nextLink that is not a URL.');
  }
  return url.pathname + url.search;
}

interface Page {
  jobs: Job[];
  nextLink?: string;
}

export function noJobList(): AimsError {
  return new AimsError('BAD_RESPONSE', 'AIMS360 answered a job query without a "value" list of jobs.');
}

export function jobNotFound(id: string): AimsError {
  return new AimsError('JOB_NOT_FOUND', `AIMS360 knows no job ${id}: check the id, or the job was purged.`);
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
