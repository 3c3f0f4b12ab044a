/** OData query building for the jobs endpoint: literals, the id filter, the query string, a nextLink's path. */
import { AimsError } from './errors';
import { checkJobId } from './job-id';

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
    throw AimsError.of('BAD_RESPONSE', 'aims360.errors.jobs.nextLink');
  }
  return url.pathname + url.search;
}
