import http from 'node:http';
import https from 'node:https';
import type { ClientRequest } from 'node:http';
import type { Readable } from 'node:stream';
import { resumingBody } from './resume';
import type { CancelableRequest, Got, OptionsInit, Progress, Response, RetryObject, StreamOptions } from 'got' with { 'resolution-mode': 'import' };
import { PasswordGrant, PasswordGrantCredentials, StaticToken, tokenUrlFor, TokenSource } from './auth';
import { Priority, RequestBudget, Turn } from './budget';
import { AimsError } from './errors';
import { text } from './messages';
import { hostList } from './rules';
import { readNumberSetting } from './read-setting';
import { maxRequestsSetting, timeoutSetting } from './settings';

export type AuthSettings =
  | { type: 'token'; token: string }
  | ({ type: 'oauth2'; /** Empty: the documented endpoint under the base URL. */ tokenUrl?: string } & PasswordGrantCredentials);

export interface RetryPolicy {
  /** Retries after the first attempt. */
  limit: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts once this much time has passed since the first attempt. */
  maxTotalMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { limit: 4, baseDelayMs: 500, maxDelayMs: 15_000, maxTotalMs: 60_000 };
/** An API answer (not a document) larger than this is refused unread (CONTRACT.md). */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
/** A document's whole transfer may take this many timeouts, and never less than an hour (a trickle must end). */
export const DOCUMENT_TIME_FACTOR = 120;
const MIN_DOCUMENT_TIME_MS = 3_600_000;

export interface ClientOptions {
  baseUrl: string;
  auth: AuthSettings;
  timeout?: number | string;
  /** Extra origins that may receive the bearer token: `host` (https on 443), `host:port`, `http://host:port`, `*.domain`. */
  trustedHosts?: string | readonly string[];
  retry?: Partial<RetryPolicy>;
  /** The most a document may take from request to last byte (ms); default DOCUMENT_TIME_FACTOR × timeout, at least an hour. */
  documentTimeout?: number;
  /** The account's request budget (requests per second, 0 = no cap); default 10. */
  maxRequestsPerSecond?: number | string;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface RequestOptions {
  method?: Method;
  /** Already encoded query string, without the leading '?'. */
  query?: string;
  json?: unknown;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /**
   * Retry on network errors, 429, 502, 503, 504. Default: GET, HEAD, PUT and DELETE only;
   * other methods are retried only when refused unread (429, connection refused).
   */
  retry?: boolean;
  signal?: AbortSignal;
  /** A background poll: it waits for its turn behind every one-off request. */
  background?: boolean;
}

export interface DownloadOptions {
  /** Send the bearer token (only ever to a trusted host). */
  auth: boolean;
  signal?: AbortSignal;
}

export interface Download {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as it arrives; every error it emits is an AimsError. Destroy it to stop early. */
  body: Readable;
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the answer is JSON, else the text. */
  body: unknown;
}

const RETRY_STATUS = [429, 502, 503, 504];
const RETRY_ERRORS = [
  'ETIMEDOUT', 'ECONNRESET', 'EADDRINUSE', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND',
  'ENETUNREACH', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE',
];
const IDEMPOTENT: readonly Method[] = ['GET', 'HEAD', 'PUT', 'DELETE'];
// Answers that say the request was not carried out, so even a POST may be sent again.
const REFUSED_STATUS = [429];
const REFUSED_ERRORS = ['ECONNREFUSED'];
const API_MESSAGE_LIMIT = 300;
// Node's codes for a TLS certificate it will not trust: each has CERT in it (self-signed, expired,
// wrong name, unknown issuer…) but UNABLE_TO_VERIFY_LEAF_SIGNATURE (a leaf from an unknown CA).
const UNTRUSTED_CERTIFICATE = /CERT|UNABLE_TO_VERIFY/;

/** What every request of a closed client answers, whether it was in flight or comes after. */
function closedError(): AimsError {
  return AimsError.of('NETWORK', 'aims360.errors.client.closed');
}

type Purpose = 'api' | 'token' | 'download';

/** The budget's turn of a got call's current attempt (got's context keeps this object as it is). */
interface TurnHolder {
  current?: Turn;
}

function turnOf(options: OptionsInit): Turn | undefined {
  return (options.context as { turn?: TurnHolder } | undefined)?.turn?.current;
}

/**
 * The one map from an HTTP status to an error code and words. A document link has
 * codes of its own: 403 is its access scope (ACCESS_DENIED), 410 an expired link.
 */
function statusError(purpose: Purpose, status: number, said: string, retried: string): AimsError {
  // The status and the API's own words, as they came: "401: Token expired".
  const answer = said ? `${status}: ${said}` : String(status);
  // A busy or failing token URL has not refused the credentials: that passes, like an API outage.
  if (purpose === 'token' && status < 500 && status !== 429) {
    return AimsError.of('AUTH_FAILED', 'aims360.errors.client.grantRefused', { answer }, status, said);
  }
  const link = purpose === 'download';
  const who = party(purpose);
  if (status === 401 || (status === 403 && !link)) {
    return AimsError.of('AUTH_FAILED', 'aims360.errors.client.credentialsRefused', { who, answer }, status, said);
  }
  if (status === 403) return AimsError.of('ACCESS_DENIED', 'aims360.errors.client.accessDenied', { answer }, status, said);
  if (status === 410 && link) return AimsError.of('LINK_EXPIRED', 'aims360.errors.client.linkExpired', { answer }, status, said);
  if (status === 429) {
    const limited = party(purpose === 'token' ? 'token' : 'api');
    return AimsError.of('RATE_LIMITED', 'aims360.errors.client.rateLimited', { who: limited, answer, retried }, status, said);
  }
  return AimsError.of('API_ERROR', 'aims360.errors.client.answered', { who, answer: sentence(answer) }, status, said);
}

/** Who answered, as a message's subject: "AIMS360", "The token URL", "The document link". */
function party(purpose: Purpose): string {
  if (purpose === 'token') return text('aims360.errors.client.party.token');
  return purpose === 'download' ? text('aims360.errors.client.party.download') : text('aims360.errors.client.party.api');
}

/** Where a connection went, inside a message: "AIMS360", "the token URL", "the document link". */
function place(purpose: Purpose): string {
  if (purpose === 'token') return text('aims360.errors.client.place.token');
  return purpose === 'download' ? text('aims360.errors.client.place.download') : text('aims360.errors.client.place.api');
}

let gotLoading: Promise<Got> | undefined;
/** got is ESM-only; import() it once and share it. */
function loadGot(): Promise<Got> {
  gotLoading ??= import('got').then((m) => m.default);
  return gotLoading;
}

export function parseHttpUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw AimsError.of('BAD_INPUT', 'aims360.errors.client.notUrl', { what, value });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw AimsError.of('BAD_INPUT', 'aims360.errors.client.notHttp', { what });
  }
  return url;
}

/** Where a token may go: a scheme, a host name (or `*.domain`) and a port. */
interface Origin {
  protocol: string;
  host: string;
  port: string;
}

function originOf(url: URL): Origin {
  return { protocol: url.protocol, host: url.hostname.toLowerCase(), port: url.port || (url.protocol === 'https:' ? '443' : '80') };
}

/** A trusted hosts entry (rules.ts checks its form): no scheme means https, no port the scheme's own. */
function entryOrigin(entry: string): Origin {
  const m = /^(?:(https?):\/\/)?([^:]+)(?::(\d+))?$/.exec(entry);
  const protocol = `${m?.[1] ?? 'https'}:`;
  return { protocol, host: m?.[2] ?? '', port: m?.[3] ?? (protocol === 'https:' ? '443' : '80') };
}

/** The trusted hosts setting as origins (rules.ts, as the editor checks them); a path is refused. */
function parseHostList(hosts: string | readonly string[] | undefined): Origin[] {
  try {
    return hostList(hosts).map(entryOrigin);
  } catch (err) {
    throw AimsError.of('BAD_INPUT', 'aims360.errors.client.trustedHost', { entry: (err as Error).message });
  }
}

function originMatches(origin: Origin, trusted: Origin): boolean {
  if (origin.protocol !== trusted.protocol || origin.port !== trusted.port) return false;
  if (trusted.host.startsWith('*.')) return origin.host.endsWith(trusted.host.slice(1));
  return origin.host === trusted.host;
}

/** The redirect target of an answer, if it is one. */
function redirectTarget(response: { statusCode: number; url: string; headers: Record<string, string | string[] | undefined> }): URL | undefined {
  const location = response.headers.location;
  if (response.statusCode < 300 || response.statusCode >= 400 || typeof location !== 'string') return undefined;
  try {
    return new URL(location, response.url);
  } catch {
    return undefined;
  }
}

/** A sentence: the API's own words keep their full stop, and get one when they have none. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The API's own words from an error body, whatever shape it has (not yet cut to API_MESSAGE_LIMIT). */
function apiMessage(body: string): string {
  let text = body.trim();
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const nested = parsed.error as Record<string, unknown> | string | undefined;
    const candidate =
      parsed.Message ?? parsed.message ?? parsed.error_description ??
      (typeof nested === 'object' && nested ? nested.message : nested);
    if (typeof candidate === 'string') text = candidate;
  } catch {
    // Not JSON: the text itself is the message.
  }
  return text;
}

function cut(text: string): string {
  return text.length > API_MESSAGE_LIMIT ? `${text.slice(0, API_MESSAGE_LIMIT)}…` : text;
}

/**
 * One per config node: base URL, authentication, timeouts, retries, trusted hosts
 * and redaction. Every request of the pack goes through here; this is the one place
 * that adds the Authorization header, and it checks the host first.
 */
export class AimsClient {
  readonly baseUrl: URL;
  readonly timeout: number;
  readonly retryPolicy: RetryPolicy;
  /** The most a document may take from request to last byte (ms). */
  readonly documentTimeout: number;
  private readonly trusted: Origin[];
  private readonly auth: TokenSource;
  /** Told when the API asks to wait (Retry-After), so a poller can hold the whole account back. */
  onRetryAfter?: (until: number) => void;
  /** Every attempt this client sends (retries, token requests and documents too) takes a turn here. */
  readonly budget: RequestBudget;
  private readonly closing = new AbortController();
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 32 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 32 }),
  };

  constructor(options: ClientOptions) {
    this.baseUrl = parseHttpUrl(String(options.baseUrl ?? '').replace(/\/+$/, ''), text('aims360.errors.client.party.baseUrl'));
    this.timeout = readNumberSetting(options.timeout, timeoutSetting());
    this.retryPolicy = { ...DEFAULT_RETRY, ...options.retry };
    this.documentTimeout = options.documentTimeout ?? Math.max(MIN_DOCUMENT_TIME_MS, DOCUMENT_TIME_FACTOR * this.timeout);
    this.trusted = [originOf(this.baseUrl), entryOrigin('*.aims360.rest'), ...parseHostList(options.trustedHosts)];
    this.auth = this.makeTokenSource(options.auth);
    this.budget = new RequestBudget(readNumberSetting(options.maxRequestsPerSecond, maxRequestsSetting()));
  }

  /** Whether the token may go to this URL's origin (scheme, host and port). */
  isTrustedHost(url: string | URL): boolean {
    const origin = originOf(typeof url === 'string' ? new URL(url) : url);
    return this.trusted.some((trusted) => originMatches(origin, trusted));
  }

  /** Whether a redirect from `from` may take the token to `to`: a trusted origin, and never from https to http. */
  private mayCarryToken(from: URL, to: URL): boolean {
    return this.isTrustedHost(to) && !(from.protocol === 'https:' && to.protocol === 'http:');
  }

  /** Replaces every secret this client knows, as it is and as a server may encode it, by a marker. */
  redact(text: string): string {
    return redactSecrets(text, this.auth.secrets());
  }

  /**
   * A path relative to the base URL (its own path prefix kept), or an absolute URL
   * on a trusted host.
   */
  resolve(target: string): URL {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      const url = parseHttpUrl(target, text('aims360.errors.client.party.url'));
      if (!this.isTrustedHost(url)) {
        throw AimsError.of('UNTRUSTED_HOST', 'aims360.errors.client.untrusted', { origin: url.origin });
      }
      return url;
    }
    const prefix = this.baseUrl.pathname.replace(/\/+$/, '');
    let path = target.startsWith('/') ? target : `/${target}`;
    if (prefix && !path.startsWith(`${prefix}/`)) path = prefix + path;
    return new URL(this.baseUrl.origin + path);
  }

  /** Calls the API with the bearer token; a 401 fetches a new OAuth2 token and tries once more. */
  async request(target: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const url = this.resolve(target);
    if (options.query) url.search = url.search ? `${url.search}&${options.query}` : `?${options.query}`;
    let token = await this.token();
    try {
      return await this.send(url, token, options);
    } catch (err) {
      if (!(err instanceof AimsError && err.status === 401 && this.auth.invalidate(token))) throw err;
    }
    token = await this.token();
    return this.send(url, token, options);
  }

  /** Like request(), but the answer must be JSON. */
  async requestJson(target: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const response = await this.request(target, options);
    if (typeof response.body === 'string') {
      throw AimsError.of('BAD_RESPONSE', 'aims360.errors.client.notJson', { status: response.statusCode });
    }
    return response;
  }

  /** Ends every request in flight and every kept-alive socket. */
  close(): void {
    this.closing.abort();
    this.budget.close();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  private makeTokenSource(auth: AuthSettings): TokenSource {
    if (auth?.type === 'oauth2') {
      const tokenUrl = parseHttpUrl(tokenUrlFor(this.baseUrl.href, auth.tokenUrl), party('token'));
      // The token URL's origin gets the password grant, so it may get the token too (CONTRACT.md).
      this.trusted.push(originOf(tokenUrl));
      const { clientId, clientSecret, username, password } = auth;
      return new PasswordGrant({ clientId, clientSecret, username, password }, (form) => this.postTokenForm(tokenUrl, form));
    }
    return new StaticToken(auth?.token ?? '');
  }

  private async token(): Promise<string> {
    this.throwIfClosed();
    return this.auth.token();
  }

  private throwIfClosed(): void {
    if (this.closed) throw closedError();
  }

  /**
   * A signal of the request's own, aborted on close or by the caller's signal. AbortSignal.any
   * adds no listener to its sources, so neither this client's closing signal nor a node's gets one
   * per request in flight: got's listener goes on the request's own, and Node's leak warning stays on.
   */
  private signalFor(signal: AbortSignal | undefined): AbortSignal {
    return AbortSignal.any(signal ? [this.closing.signal, signal] : [this.closing.signal]);
  }

  /**
   * got's options for every request of this client: the one place that sets agents,
   * timeouts, retries, redirects and the close signal. A stream (a document) bounds
   * the wait for an answer and each silence here, its whole transfer in download(),
   * and is not retried.
   */
  private gotOptions(call: { method: Method; headers: Record<string, string>; signal?: AbortSignal; retry?: boolean; background?: boolean }, purpose: Purpose): OptionsInit {
    const signal = this.signalFor(call.signal);
    const priority: Priority = call.background ? 'background' : 'oneOff';
    const redirects = this.redirects(purpose);
    // got runs beforeRequest before each attempt (retries too): each is a request the account sees.
    const turn: TurnHolder = {};
    const takeTurn = async () => {
      turn.current = await this.budget.take(priority, signal);
    };
    const hooks = { ...redirects.hooks, beforeRequest: [takeTurn] };
    const common: OptionsInit = { method: call.method, headers: call.headers, agent: this.agents, signal, ...redirects, hooks, context: { turn } };
    if (purpose === 'download') return { ...common, timeout: { response: this.timeout, socket: this.timeout }, retry: { limit: 0 }, throwHttpErrors: false };
    return { ...common, responseType: 'text', timeout: { request: this.timeout }, retry: this.retryFor(call.method, call.retry) };
  }

  /**
   * Which redirects are followed, decided here by origin (got keeps the token on a
   * change of scheme). The password grant follows none; an API call only one whose
   * target may get the token (run() refuses the others); a document every one, the
   * token dropped where it may not go.
   */
  private redirects(purpose: Purpose): Pick<OptionsInit, 'followRedirect' | 'hooks'> {
    if (purpose === 'token') return { followRedirect: false };
    if (purpose === 'api') {
      return {
        followRedirect: (response) => {
          const target = redirectTarget(response);
          return target === undefined || this.mayCarryToken(new URL(response.url), target);
        },
      };
    }
    return {
      followRedirect: true,
      hooks: {
        beforeRedirect: [
          (next, response) => {
            if (!this.mayCarryToken(new URL(response.url), next.url as URL)) delete next.headers.authorization;
          },
        ],
      },
    };
  }

  private retryFor(method: Method, enabled: boolean | undefined): Partial<RetryObject['retryOptions']> {
    const policy = this.retryPolicy;
    const allowed = enabled ?? IDEMPOTENT.includes(method);
    const started = Date.now();
    return {
      limit: policy.limit,
      methods: [method],
      statusCodes: allowed ? RETRY_STATUS : REFUSED_STATUS,
      errorCodes: allowed ? RETRY_ERRORS : REFUSED_ERRORS,
      maxRetryAfter: policy.maxTotalMs,
      enforceRetryRules: true,
      // Exponential backoff with equal jitter (half the backoff fixed, half random); Retry-After wins when the API sends one.
      calculateDelay: ({ attemptCount, retryAfter }: RetryObject) => {
        const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptCount - 1));
        if (retryAfter !== undefined) this.onRetryAfter?.(Date.now() + retryAfter);
        const delay = retryAfter ?? backoff / 2 + Math.random() * (backoff / 2);
        return Date.now() - started + delay > policy.maxTotalMs ? 0 : Math.max(1, delay);
      },
    };
  }

  private async send(url: URL, token: string, options: RequestOptions): Promise<ApiResponse> {
    if (!this.isTrustedHost(url)) {
      throw AimsError.of('UNTRUSTED_HOST', 'aims360.errors.client.noToken', { origin: url.origin });
    }
    const method = options.method ?? 'GET';
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...options.headers,
      authorization: `Bearer ${token}`,
    };
    const gotOptions = this.gotOptions({ method, headers, signal: options.signal, retry: options.retry, background: options.background }, 'api');
    if (options.json !== undefined) gotOptions.json = options.json;
    else if (options.body !== undefined) gotOptions.body = options.body;
    return this.run(url, gotOptions);
  }

  private async postTokenForm(tokenUrl: URL, form: Record<string, string>): Promise<unknown> {
    // A password grant changes nothing on the server, so it is safe to retry.
    const options = this.gotOptions({ method: 'POST', headers: { accept: 'application/json' }, retry: true }, 'token');
    const response = await this.run(tokenUrl, { ...options, form }, 'token');
    if (typeof response.body === 'string') {
      throw AimsError.of('BAD_RESPONSE', 'aims360.errors.client.tokenNotJson');
    }
    return response.body;
  }

  /**
   * Runs one got call and turns every failure into an AimsError built from safe parts only.
   * The answer is read up to MAX_ANSWER_BYTES (announced or received); beyond, reading
   * stops at once and the call is not retried.
   */
  private async run(url: URL, options: OptionsInit, purpose: Purpose = 'api'): Promise<ApiResponse> {
    this.throwIfClosed();
    const got = await loadGot();
    let response: Response<string>;
    const call = got(url, options as OptionsInit & { responseType: 'text' }) as CancelableRequest<Response<string>>;
    call.on('request', (request: ClientRequest) => this.countFrom(request, options));
    let tooLarge = false;
    call.on('downloadProgress', ({ transferred, total }: Progress) => {
      if (tooLarge || Math.max(transferred, total ?? 0) <= MAX_ANSWER_BYTES) return;
      tooLarge = true;
      call.cancel();
    });
    try {
      response = await call;
    } catch (err) {
      // An attempt aborted between its turn and its request has no request to end its turn.
      this.endTurn(options);
      if (tooLarge && !this.closed) {
        const who = party(purpose === 'token' ? 'token' : 'api');
        throw AimsError.of('BAD_RESPONSE', 'aims360.errors.client.tooLarge', { who, limit: MAX_ANSWER_BYTES / 1024 / 1024 });
      }
      throw this.describeFailure(err, purpose);
    }
    if (response.statusCode >= 300 && response.statusCode < 400) throw this.refusedRedirect(url, response, purpose);
    return { statusCode: response.statusCode, headers: response.headers, body: parseBody(response.body, response.headers['content-type']) };
  }

  /** The budget counts an attempt from when its answer begins (by then AIMS360 has it), or from a while after it was written. */
  private countFrom(request: ClientRequest, options: OptionsInit): void {
    const turn = turnOf(options);
    if (!turn) return;
    const answered = () => this.budget.answered(turn);
    request.once('finish', () => this.budget.written(turn));
    request.once('response', answered);
    request.once('close', answered);
  }

  private endTurn(options: OptionsInit): void {
    const turn = turnOf(options);
    if (turn) this.budget.answered(turn);
  }

  /** A redirect run() did not follow: the password grant follows none, an API call none that would take the token elsewhere. */
  private refusedRedirect(url: URL, response: Response<string>, purpose: Purpose): AimsError {
    const status = response.statusCode;
    const target = redirectTarget(response);
    const where = target ? text('aims360.errors.client.redirectTo', { origin: this.redact(target.origin) }) : '';
    if (purpose === 'token') return AimsError.of('AUTH_FAILED', 'aims360.errors.client.tokenRedirect', { status, where }, status);
    if (!target) return statusError(purpose, status, this.said(response.body), '');
    const downgrade = url.protocol === 'https:' && target.protocol === 'http:' ? text('aims360.errors.client.downgrade') : '';
    return AimsError.of('UNTRUSTED_HOST', 'aims360.errors.client.redirect', { where: where + downgrade }, status);
  }

  /**
   * The API's own words in an error body, redacted before they are cut (so no piece of a
   * secret is left at the cut). Only what can be shown is redacted.
   */
  private said(body: string): string {
    // Read up to the shown words and a whole secret beyond them: a secret cut in two is redacted
    // to the end of the text, which would take the words after it along.
    const forms = secretFormsOf(this.auth.secrets());
    const [longest = ''] = forms;
    return cut(redactForms(apiMessage(body).slice(0, 2 * API_MESSAGE_LIMIT + longest.length), forms));
  }

  private describeFailure(err: unknown, purpose: Purpose): AimsError {
    const e = err as { name?: string; code?: string; response?: { statusCode: number; body?: unknown }; request?: { retryCount?: number } };
    const retried = (e.request?.retryCount ?? 0) > 0 ? text('aims360.errors.client.retried') : '';
    if (this.closed) return closedError();
    if (e.response && e.name === 'HTTPError') {
      const body = typeof e.response.body === 'string' ? e.response.body : '';
      return statusError(purpose, e.response.statusCode, this.said(body), retried);
    }
    if (e.name === 'TimeoutError' || e.code === 'ETIMEDOUT') {
      return AimsError.of('TIMEOUT', 'aims360.errors.client.timeout', { ms: this.timeout, retried });
    }
    if (e.name === 'AbortError') {
      return AimsError.of('NETWORK', 'aims360.errors.client.cancelled');
    }
    if (e.code === 'ERR_STREAM_PREMATURE_CLOSE') {
      return AimsError.of('BAD_RESPONSE', 'aims360.errors.client.cutOff', { retried });
    }
    const where = place(purpose);
    if (typeof e.code === 'string' && UNTRUSTED_CERTIFICATE.test(e.code)) {
      return AimsError.of('NETWORK', 'aims360.errors.client.certificate', { where, reason: e.code });
    }
    return AimsError.of('NETWORK', 'aims360.errors.client.unreachable', { where, reason: e.code ?? e.name ?? 'network error', retried });
  }

  /**
   * Opens a document link as a stream. The token goes only when `auth` is set and the
   * host is trusted (UNTRUSTED_HOST otherwise, before any request); got drops it on a
   * redirect to another origin. got's afterResponse hook does not run for streams,
   * so a 401 with OAuth2 fetches a token and tries once more here. A body cut off
   * part-way is resumed with a Range request (lib/resume.ts), within the retry policy.
   */
  async download(target: string | URL, options: DownloadOptions): Promise<Download> {
    const url = parseHttpUrl(String(target), party('download'));
    if (options.auth && !this.isTrustedHost(url)) {
      throw AimsError.of('UNTRUSTED_HOST', 'aims360.errors.client.linkUntrusted', { origin: url.origin });
    }
    let token = options.auth ? await this.token() : undefined;
    const open = async (headers: Record<string, string> = {}) => {
      let download = await this.openStream(url, token, options.signal, headers);
      if (download.statusCode === 401 && token !== undefined && this.auth.invalidate(token)) {
        download.body.destroy();
        token = await this.token();
        download = await this.openStream(url, token, options.signal, headers);
      }
      return download;
    };
    const started = Date.now();
    const download = await open();
    if (download.statusCode >= 300) throw await this.downloadFailure(download);
    const resumeAt = (from: number, validator: string) => open({ range: `bytes=${from}-`, 'if-range': validator });
    const body = resumingBody(download, resumeAt, { ...this.retryPolicy, describe: (err) => this.cutOff(err) }, this.signalFor(options.signal));
    return { ...download, body: this.timeBound(body, this.documentTimeout - (Date.now() - started)) };
  }

  /** Ends a document body that is still arriving after `left` ms (each silence is bounded by the timeout already). */
  private timeBound(body: Readable, left: number): Readable {
    const limit = this.documentTimeout;
    const words = limit % 60_000 === 0 ? `${limit / 60_000} min` : `${limit / 1000} s`;
    const timer = setTimeout(() => {
      body.destroy(AimsError.of('TIMEOUT', 'aims360.errors.client.downloadTimeout', { limit: words }));
    }, Math.max(0, left));
    body.once('close', () => clearTimeout(timer));
    return body;
  }

  private async openStream(url: URL, token: string | undefined, signal: AbortSignal | undefined, extra: Record<string, string>): Promise<Download> {
    this.throwIfClosed();
    const got = await loadGot();
    const headers: Record<string, string> = { accept: '*/*', ...extra };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const options = this.gotOptions({ method: 'GET', headers, signal }, 'download');
    const body = got.stream(url, options as StreamOptions);
    body.on('request', (request: ClientRequest) => this.countFrom(request, options));
    body.once('close', () => this.endTurn(options));
    // The consumer reads the error; this only keeps one that arrives before it listens from crashing the process.
    body.on('error', () => undefined);
    return new Promise((resolve, reject) => {
      body.once('error', (err) => reject(this.describeFailure(err, 'download')));
      body.once('response', (response: { statusCode: number; headers: Download['headers'] }) => {
        resolve({ statusCode: response.statusCode, headers: response.headers, body });
      });
    });
  }

  /** An error after the answer began: the transfer broke off, unless it was cancelled or timed out. */
  private cutOff(err: unknown): AimsError {
    const failure = this.describeFailure(err, 'download');
    const e = err as { name?: string; code?: string };
    if (failure.code !== 'NETWORK' || this.closed || e.name === 'AbortError') return failure;
    return AimsError.of('NETWORK', 'aims360.errors.client.downloadCutOff', { reason: e.code ?? e.name ?? 'connection lost' });
  }

  /** The error for a non-2xx document answer, with the first words of its body. */
  private async downloadFailure(download: Download): Promise<AimsError> {
    let text = '';
    try {
      for await (const chunk of download.body) {
        text += String(chunk);
        if (text.length > API_MESSAGE_LIMIT) break;
      }
    } catch {
      // The status alone says enough.
    }
    download.body.destroy();
    return statusError('download', download.statusCode, this.said(text), '');
  }
}

function parseBody(text: string, contentType: string | undefined): unknown {
  const looksJson = /json/i.test(contentType ?? '') || /^\s*[[{]/.test(text);
  if (!looksJson) return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw AimsError.of('BAD_RESPONSE', 'aims360.errors.client.badJson');
  }
}

const REDACTED = '[redacted]';
/** Below this length a secret is only removed whole: its pieces or base64 cores would match ordinary words. */
const MIN_PARTIAL = 6;

/** A secret's base64 wherever it starts in a longer encoded text: the characters of each byte alignment that depend on it alone. */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const cores: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const text = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64');
    const core = text.slice(Math.ceil((8 * pad) / 6), Math.floor((8 * (pad + bytes.length)) / 6));
    cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}

/** The forms a secret takes in a server's words: as it is, URL- and form-encoded, JSON-escaped (once or twice), and each in base64. */
function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  for (const encoded of [encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]) {
    forms.add(encoded);
    forms.add(encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  }
  const json = JSON.stringify(secret).slice(1, -1);
  forms.add(json);
  forms.add(JSON.stringify(json).slice(1, -1));
  forms.add(json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  if (secret.length >= MIN_PARTIAL) [...forms].forEach((form) => base64Cores(form).forEach((core) => forms.add(core)));
  return [...forms];
}

/** Every form of every secret, longest first. */
function secretFormsOf(secrets: readonly string[]): string[] {
  return secrets.filter(Boolean).flatMap(secretForms).sort((a, b) => b.length - a.length);
}

/**
 * Every form of every secret replaced by a marker, longest first; and a text that
 * ends with the start of one (or starts with the end of one), as a read or a cut
 * leaves it, loses that piece too.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return redactForms(text, secretFormsOf(secrets));
}

/** redactSecrets with the forms already found (secretFormsOf). */
function redactForms(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) out = out.split(form).join(REDACTED);
  const longest = (matches: (length: number) => boolean) => {
    const most = Math.max(0, (forms[0]?.length ?? 0) - 1);
    for (let length = Math.min(most, out.length); length >= MIN_PARTIAL; length--) if (matches(length)) return length;
    return 0;
  };
  const tail = longest((length) => forms.some((form) => length < form.length && out.endsWith(form.slice(0, length))));
  if (tail) out = out.slice(0, -tail) + REDACTED;
  const head = longest((length) => forms.some((form) => length < form.length && out.startsWith(form.slice(-length))));
  if (head) out = REDACTED + out.slice(head);
  return out;
}
