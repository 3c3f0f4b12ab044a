import type { AimsClient, ApiResponse, Method, RequestOptions } from './client';
import { AimsError } from './errors';
import { readSetting } from './read-setting';
import { METHODS, methodSetting } from './settings';

export { METHODS };
export type RequestMethod = (typeof METHODS)[number];

/** Methods whose body defaults to msg.payload; GET never sends one. */
export const BODY_METHODS: readonly RequestMethod[] = ['POST', 'PUT', 'PATCH'];

const METHOD = methodSetting();

/** The node's method by the request spec's rule (empty: GET); another is BAD_INPUT. */
export function readMethod(value: unknown): RequestMethod {
  return readSetting(METHOD, value) as RequestMethod;
}

/** A path relative to the base URL, or an absolute URL (the client checks its host). */
export function readPath(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw AimsError.of('BAD_INPUT', 'aims360.errors.request.noPath');
  }
  return value.trim();
}

type Scalar = string | number | boolean;

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * An object as a query string with encodeURIComponent (spaces as %20, never '+'):
 * an array value repeats its key, null and undefined are left out.
 */
export function encodeQuery(query: unknown): string | undefined {
  if (query === undefined || query === null || query === '') return undefined;
  if (typeof query !== 'object' || Array.isArray(query) || Buffer.isBuffer(query)) {
    throw AimsError.of('BAD_INPUT', 'aims360.errors.request.query');
  }
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue;
      if (!isScalar(item)) {
        throw AimsError.of('BAD_INPUT', 'aims360.errors.request.queryValue', { name });
      }
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(item))}`);
    }
  }
  return parts.length ? parts.join('&') : undefined;
}

/** How a body value goes on the wire: objects as JSON, a JSON string as JSON, text as text, a Buffer as bytes. */
export function bodyOptions(body: unknown): Pick<RequestOptions, 'json' | 'body' | 'headers'> {
  if (body === undefined || body === null) return {};
  if (Buffer.isBuffer(body)) return { body, headers: { 'content-type': 'application/octet-stream' } };
  if (typeof body === 'string') {
    let json = false;
    try {
      JSON.parse(body);
      json = true;
    } catch {
      // Plain text.
    }
    return { body, headers: { 'content-type': json ? 'application/json' : 'text/plain; charset=utf-8' } };
  }
  return { json: body };
}

export interface ApiCall {
  method: RequestMethod;
  path: string;
  query?: unknown;
  /** undefined: no body. */
  body?: unknown;
  /** Retry POST and PATCH too (GET, PUT and DELETE are always retried). */
  retryPost?: boolean;
}

/** Any AIMS360 endpoint through the client; a non-2xx answer throws a coded AimsError. */
export async function callApi(client: AimsClient, call: ApiCall, signal?: AbortSignal): Promise<ApiResponse> {
  const query = encodeQuery(call.query);
  const body = call.method === 'GET' ? {} : bodyOptions(call.body);
  return client.request(call.path, {
    method: call.method as Method,
    query,
    ...body,
    retry: call.retryPost ? true : undefined,
    signal,
  });
}

/** Response headers to pass on: cookies stay behind. */
export function safeHeaders(headers: ApiResponse['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && name.toLowerCase() !== 'set-cookie') out[name] = value;
  }
  return out;
}
