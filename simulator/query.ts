// The jobs query (GET .../odata/v1.0/backgroundjob): the page of jobs a query asks
// for, with the count and the nextLink the real server writes.
import { HttpError } from './http';
import { hostBase, renderJob, type JobRecord, type RenderContext } from './jobs';
import { evaluate, hasOr, mentions, isSingleIdFilter, jobIdsNamed, ODataError, parseQuery, sortRows, type QueryOptions } from './odata-query-options';

/** The settings of the simulator's config that shape an answer. */
export interface QueryConfig {
  pageSize: number;
  nextLinkHost: string | null;
  rejectCombinedFilter: boolean;
  /** Answer 400 to a filter on modifiedDate, as an API that cannot filter on it would. */
  rejectModifiedDateFilter?: boolean;
}

function invalid(message: string): HttpError {
  return new HttpError(400, { error: { code: '', message: `The query specified in the URI is not valid. ${message}` } });
}

/** Encoding as the real nextLinks have it: %20 for spaces, %27 for quotes, '$' and ',' left alone. */
function strictEncode(s: string): string {
  return encodeURIComponent(s).replace(/'/g, '%27').replace(/%24/g, '$').replace(/%2C/gi, ',');
}

/** The answer to a jobs query over these jobs, or an HttpError 400 for a query the server refuses. */
export function queryJobs(query: string, jobs: Iterable<JobRecord>, rctx: RenderContext, config: QueryConfig): Record<string, unknown> {
  let q: QueryOptions;
  try {
    q = parseQuery(query);
  } catch (err) {
    if (err instanceof ODataError) throw invalid(err.message);
    throw err;
  }
  const { filter, skip, top, select } = q;
  if (filter && config.rejectCombinedFilter && hasOr(filter)) throw invalid("The 'or' operator is not allowed in $filter.");
  if (filter && config.rejectModifiedDateFilter && mentions(filter, 'modifiedDate')) {
    throw invalid("The property 'modifiedDate' cannot be used in the $filter query option.");
  }
  const named = filter && jobIdsNamed(filter);
  let rows: Record<string, unknown>[] = [];
  for (const job of jobs) if (!job.purged && (!named || named.has(job.id))) rows.push(renderJob(job, rctx));
  if (filter) rows = rows.filter((r) => evaluate(filter, r));
  if (q.orderBy) rows = sortRows(rows, q.orderBy);
  const total = rows.length;
  let window = rows.slice(skip);
  if (top !== undefined) window = window.slice(0, top);
  const pageSize = config.pageSize;
  const page = window.slice(0, pageSize);
  // The real API gives the answer for one job by id a nextLink to an empty page.
  const quirk = filter !== undefined && isSingleIdFilter(filter) && total === 1 && skip === 0;
  const picked = select && !select.includes('*') ? select : undefined;
  const body: Record<string, unknown> = {
    '@odata.context': `${rctx.base}/jobsmanagement/odata/v1.0/$metadata#backgroundjob${picked ? `(${picked.join(',')})` : ''}`,
  };
  if (q.count) body['@odata.count'] = total;
  body.value = picked ? page.map((r) => pick(r, picked)) : page;
  if (window.length > pageSize || quirk) {
    const parts: string[] = [];
    for (const key of ['$filter', '$orderby', '$select', '$count']) {
      const v = q.text.get(key);
      if (v !== undefined) parts.push(`${key}=${strictEncode(v)}`);
    }
    if (top !== undefined && top > pageSize) parts.push(`$top=${top - pageSize}`);
    parts.push(`$skip=${skip + pageSize}`);
    const base = config.nextLinkHost ? hostBase(config.nextLinkHost, rctx) : rctx.base;
    body['@odata.nextLink'] = `${base}/jobsmanagement/odata/v1.0/backgroundjob?${parts.join('&')}`;
  }
  return body;
}

/** The selected fields, with the etag the real server always keeps; jobID in whichever spelling the job has. */
function pick(row: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.etag': row['@odata.etag'] };
  for (const f of fields) {
    if (f === 'jobID') {
      const key = 'jobID' in row ? 'jobID' : 'jobId';
      out[key] = row[key];
    } else {
      out[f] = row[f];
    }
  }
  return out;
}
