// A stand-in for the AIMS360 Jobs API over node:http, with a control API under
// /_sim/ for tests and users building flows offline.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { demoJobs } from './demo';
import { docSize, sendDocument, type DocRecord } from './documents';
import { checkCustomView, DEFAULT_CUSTOM_VIEWS, EARLIER_EXPORT, ExportError, exportJobSpec, LATEST_EXPORT, type CustomView } from './exports';
import { describeFault, makeFault, pickFault, type Fault, type FaultSpec } from './faults';
import {
  createJob,
  patchJob,
  publishLinkOf,
  renderJob,
  restartJob,
  stateOf,
  type JobPatch,
  type JobRecord,
  type JobSpec,
  type RenderContext,
} from './jobs';
import { evaluate, hasOr, isSingleIdFilter, jobIdsNamed, ODataError, parseCount, parseFilter, parseOrderBy, parseSelect, sortRows, type FilterNode } from './odata';
import { randomToken, SpecError } from './util';

export type { JobSpec, JobPatch } from './jobs';
export type { DocSpec } from './documents';
export type { FaultSpec } from './faults';
export type { CustomView } from './exports';

export interface OAuthOptions {
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  tokenTtlSeconds?: number;
}

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** The static bearer token; default 'simulator-token'. */
  token?: string;
  oauth?: OAuthOptions;
  /** Seed a few jobs in motion. */
  demo?: boolean;
  /** false makes that export path answer 404, as an API that lacks it (both served by default). */
  exportPaths?: { latest?: boolean; earlier?: boolean };
  /** The account's custom views, exportable beside the System Views; default one, Orders / My Open Orders. */
  customViews?: CustomView[];
}

export interface SimConfig {
  token: string;
  pageSize: number;
  nextLinkHost: string | null;
  rejectCombinedFilter: boolean;
  exportQueuedMs: number;
  exportRunMs: number;
  /** Rows in each export of the documented body. */
  exportRows: number;
  serveLatestExportPath: boolean;
  serveEarlierExportPath: boolean;
}

export interface LogEntry {
  time: string;
  method: string;
  path: string;
  query: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** 0 while unanswered, or for a reset or hang. */
  status: number;
  host: string;
  /** The request body of an API call that sent one (never of a token request), at most 64 KiB. */
  body?: string;
}

export const DEFAULT_TOKEN = 'simulator-token';
const MAX_LOG = 10000;
const MAX_BODY = 1024 * 1024;
const MAX_LOGGED_BODY = 64 * 1024;
const JSON_TYPE = 'application/json; charset=utf-8';
const DENIED = { Message: 'Authorization has been denied for this request.' };
const NO_ROUTE = { Message: 'No HTTP resource was found that matches the request URI' };
const JOBS_QUERY = /^\/jobsmanagement\/odata\/v1\.0\/backgroundjob\/?$/i;
const RERUN = /^\/jobsmanagement\/v1\.0\/backgroundjob\/([^/]+)\/rerun\/?$/i;
const DOCUMENT = /^\/documentmanagement\/v1\.0\/aimsdocument\/([^/]+)(?:\/([^/]+))?\/?$/i;
/** The password grant: at the documented endpoint, and at the simulator's older /connect/token. */
const TOKEN = /^\/(?:authentication\/v1\/authentication|connect)\/token\/?$/i;

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: string;
  base: string;
  /** The request body, read before routing for every method but GET and HEAD. */
  body?: string;
  head: (status: number, headers: Record<string, string | number>) => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Encoding as the real nextLinks have it: %20 for spaces, %27 for quotes, '$' and ',' left alone. */
function strictEncode(s: string): string {
  return encodeURIComponent(s).replace(/'/g, '%27').replace(/%24/g, '$').replace(/%2C/gi, ',');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, { Message: 'The request body is too large.' }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function readJson(req: IncomingMessage, errorBody: (msg: string) => unknown): Promise<unknown> {
  return parseJson(await readBody(req), errorBody);
}

function parseJson(text: string, errorBody: (msg: string) => unknown): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, errorBody('The request body is not valid JSON.'));
  }
}

export class Simulator {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Every API request (not /_sim/ control requests), oldest first. */
  readonly log: LogEntry[] = [];
  /** API requests since the log was last cleared; the log itself keeps only the newest. */
  requestCount = 0;
  private readonly jobs = new Map<string, JobRecord>();
  private faults: Fault[] = [];
  private faultSeq = 0;
  private config: SimConfig;
  private readonly tokens = new Map<string, { expiresAt: number; username: string }>();
  private readonly sockets = new Set<Socket>();
  private readonly oauth: Required<OAuthOptions>;
  private customViews: CustomView[] = [];
  private closing?: Promise<void>;

  constructor(
    private readonly server: http.Server,
    private readonly options: SimulatorOptions,
  ) {
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('The simulator is not listening on TCP.');
    this.port = addr.port;
    const h = options.host ?? '127.0.0.1';
    this.host = h;
    const shown = h === '0.0.0.0' ? '127.0.0.1' : h === '::' ? '::1' : h;
    this.url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${this.port}`;
    this.oauth = {
      clientId: 'sim-client',
      clientSecret: 'sim-secret',
      username: 'operator@example.com',
      password: 'sim-password',
      tokenTtlSeconds: 3600,
      ...options.oauth,
    };
    this.config = this.defaultConfig();
    this.customViews = this.defaultCustomViews();
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    });
    if (options.demo) this.seedDemo();
  }

  /** The static bearer token currently accepted. */
  get token(): string {
    return this.config.token;
  }

  private defaultConfig(): SimConfig {
    return {
      token: this.options.token ?? DEFAULT_TOKEN,
      pageSize: 100,
      nextLinkHost: null,
      rejectCombinedFilter: false,
      // Demo exports run long enough for a progress display to show something.
      exportQueuedMs: this.options.demo ? 2000 : 500,
      exportRunMs: this.options.demo ? 12000 : 2000,
      exportRows: 25,
      serveLatestExportPath: this.options.exportPaths?.latest ?? true,
      serveEarlierExportPath: this.options.exportPaths?.earlier ?? true,
    };
  }

  private defaultCustomViews(): CustomView[] {
    return (this.options.customViews ?? DEFAULT_CUSTOM_VIEWS).map(checkCustomView);
  }

  private renderCtx(base = this.url): RenderContext {
    return { base, port: this.port, now: Date.now() };
  }

  // ---- in-process control API ----

  addJob(spec: JobSpec = {}): Record<string, unknown> {
    const job = createJob(spec, Date.now());
    this.jobs.set(job.id, job);
    return renderJob(job, this.renderCtx());
  }

  /** The job as the API would list it; undefined when unknown or purged. */
  getJob(id: string): Record<string, unknown> | undefined {
    const job = this.jobs.get(id);
    return job && !job.purged ? renderJob(job, this.renderCtx()) : undefined;
  }

  listJobs(): Record<string, unknown>[] {
    const ctx = this.renderCtx();
    return [...this.jobs.values()].filter((j) => !j.purged).map((j) => renderJob(j, ctx));
  }

  /** Changes a job (purged ones too): any spec field, plus jobStatus / percentCompleted to force them, restart to start over. */
  setJob(id: string, patch: JobPatch): Record<string, unknown> | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    patchJob(job, patch, Date.now());
    return renderJob(job, this.renderCtx());
  }

  purgeJob(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || job.purged) return false;
    job.purged = true;
    return true;
  }

  addFault(spec: FaultSpec): Record<string, unknown> {
    const fault = makeFault(spec, ++this.faultSeq);
    this.faults.push(fault);
    return describeFault(fault);
  }

  listFaults(): Record<string, unknown>[] {
    return this.faults.map(describeFault);
  }

  clearFaults(): void {
    this.faults = [];
  }

  clearLog(): void {
    this.log.length = 0;
    this.requestCount = 0;
  }

  /** Every OAuth token issued so far is refused from now on. */
  expireTokens(): void {
    this.tokens.clear();
  }

  setCombinedFilterRejected(reject: boolean): void {
    this.config.rejectCombinedFilter = reject;
  }

  getConfig(): SimConfig {
    return { ...this.config };
  }

  setConfig(patch: Partial<SimConfig>): SimConfig {
    if (patch === null || typeof patch !== 'object') throw new SpecError('config must be a JSON object.');
    const next = { ...this.config };
    if (patch.pageSize !== undefined) {
      if (!Number.isInteger(patch.pageSize) || patch.pageSize < 1) throw new SpecError('pageSize must be a whole number above 0.');
      next.pageSize = patch.pageSize;
    }
    if (patch.token !== undefined) {
      if (typeof patch.token !== 'string' || patch.token === '') throw new SpecError('token must be a non-empty string.');
      next.token = patch.token;
    }
    if (patch.nextLinkHost !== undefined) {
      if (patch.nextLinkHost !== null && (typeof patch.nextLinkHost !== 'string' || !/^[\w.-]+(:\d+)?$/.test(patch.nextLinkHost))) {
        throw new SpecError('nextLinkHost must be a host name (optionally with a port) or null.');
      }
      next.nextLinkHost = patch.nextLinkHost || null;
    }
    if (patch.rejectCombinedFilter !== undefined) next.rejectCombinedFilter = patch.rejectCombinedFilter === true;
    if (patch.exportRows !== undefined) {
      if (!Number.isInteger(patch.exportRows) || patch.exportRows < 0) throw new SpecError('exportRows must be a whole number.');
      next.exportRows = patch.exportRows;
    }
    for (const key of ['serveLatestExportPath', 'serveEarlierExportPath'] as const) {
      if (patch[key] !== undefined) next[key] = patch[key] === true;
    }
    for (const key of ['exportQueuedMs', 'exportRunMs'] as const) {
      const v = patch[key];
      if (v !== undefined) {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new SpecError(`${key} must be a non-negative number.`);
        next[key] = v;
      }
    }
    this.config = next;
    return this.getConfig();
  }

  /** false makes POST /reports/v1.0/reports/exportdata ('latest') or /reports/v1.0/exportdata ('earlier') answer 404. */
  setExportPathServed(which: 'latest' | 'earlier', served: boolean): void {
    if (which !== 'latest' && which !== 'earlier') throw new SpecError("The export path must be 'latest' or 'earlier'.");
    this.config[which === 'latest' ? 'serveLatestExportPath' : 'serveEarlierExportPath'] = served === true;
  }

  /** A custom view of the account: exports may name it as they name a System View. */
  addCustomView(view: CustomView): CustomView[] {
    const checked = checkCustomView(view);
    const same = (v: CustomView) => v.source.toLowerCase() === checked.source.toLowerCase() && v.viewName.toLowerCase() === checked.viewName.toLowerCase();
    if (!this.customViews.some(same)) this.customViews.push(checked);
    return this.listCustomViews();
  }

  listCustomViews(): CustomView[] {
    return this.customViews.map((v) => ({ ...v }));
  }

  clearCustomViews(): void {
    this.customViews = [];
  }

  /** Back to a fresh simulator: no jobs, faults or log, default config and custom views. OAuth tokens stay valid. */
  reset(): void {
    this.jobs.clear();
    this.faults = [];
    this.clearLog();
    this.config = this.defaultConfig();
    this.customViews = this.defaultCustomViews();
  }

  /** Stops listening and cuts every open connection, hanging ones included. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private seedDemo(): void {
    for (const spec of demoJobs()) this.addJob(spec);
  }

  // ---- HTTP ----

  private baseFor(req: IncomingMessage): string {
    // Links follow the host name the client used, so 'localhost' and '127.0.0.1' both stay trusted.
    const host = req.headers.host;
    if (host && /^([\w.-]+|\[[0-9a-fA-F:.]+\])(:\d+)?$/.test(host)) return `http://${host}`;
    return this.url;
  }

  private send(ctx: Ctx, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
    if (ctx.res.headersSent || ctx.res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : JSON_TYPE;
    ctx.head(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), ...headers });
    ctx.res.end(text);
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const status = err instanceof HttpError ? err.status : 500;
    const body = err instanceof HttpError ? err.body : { Message: 'An error has occurred.' };
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : JSON_TYPE });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const path = qi < 0 ? url : url.slice(0, qi);
    const query = qi < 0 ? '' : url.slice(qi + 1);
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === '/_sim' || path.startsWith('/_sim/')) {
      await this.control(req, res, method, path);
      return;
    }
    const entry: LogEntry = {
      time: new Date().toISOString(),
      method,
      path,
      query,
      url,
      headers: { ...req.headers },
      status: 0,
      host: req.headers.host ?? '',
    };
    this.log.push(entry);
    this.requestCount += 1;
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
    const ctx: Ctx = {
      req,
      res,
      method,
      path,
      query,
      base: this.baseFor(req),
      head: (status, headers) => {
        entry.status = status;
        res.writeHead(status, headers);
      },
    };
    try {
      // The token route reads its own body: it holds secrets, which stay out of the log.
      if (method !== 'GET' && method !== 'HEAD' && !TOKEN.test(path)) {
        ctx.body = await readBody(req);
        if (ctx.body) entry.body = ctx.body.slice(0, MAX_LOGGED_BODY);
      }
      await this.api(ctx);
    } catch (err) {
      if (err instanceof HttpError) {
        if (!res.headersSent) this.send(ctx, err.status, err.body);
        return;
      }
      if (!res.headersSent) entry.status = 500;
      throw err;
    }
  }

  private async api(ctx: Ctx): Promise<void> {
    const { method, path } = ctx;
    const isJobQuery = JOBS_QUERY.test(path) && method === 'GET';
    const fault = pickFault(this.faults, { method, path, query: decodeSafe(ctx.query), isJobQuery });
    if (fault) {
      this.applyFault(ctx, fault);
      return;
    }
    const only = (allowed: string) => {
      if (method !== allowed) {
        throw new HttpError(405, { Message: `The requested resource does not support http method '${method}'.` });
      }
    };
    let m: RegExpExecArray | null;
    if (TOKEN.test(path)) {
      only('POST');
      await this.issueToken(ctx);
    } else if (JOBS_QUERY.test(path)) {
      only('GET');
      this.requireAuth(ctx);
      await this.xlsxReady();
      this.queryJobs(ctx);
    } else if ((m = RERUN.exec(path))) {
      only('POST');
      this.requireAuth(ctx);
      this.rerun(ctx, decodeSafe(m[1]));
    } else if ((m = DOCUMENT.exec(path))) {
      only('GET');
      await this.download(ctx, decodeSafe(m[1]), m[2] === undefined ? undefined : decodeSafe(m[2]));
    } else if (LATEST_EXPORT.test(path) || EARLIER_EXPORT.test(path)) {
      const earlier = EARLIER_EXPORT.test(path);
      // A path switched off is absent: 404 before any method or auth check.
      if (!this.config[earlier ? 'serveEarlierExportPath' : 'serveLatestExportPath']) this.send(ctx, 404, NO_ROUTE);
      else {
        only('POST');
        this.exportData(ctx, earlier);
      }
    } else {
      this.send(ctx, 404, NO_ROUTE);
    }
  }

  private applyFault(ctx: Ctx, fault: Fault): void {
    const headers: Record<string, string | number> = {};
    if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
    if (fault.location !== undefined) headers.Location = fault.location;
    const { res, req } = ctx;
    switch (fault.type) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        // Never answered; close() destroys the socket.
        return;
      case 'malformed':
        this.sendRaw(ctx, 200, '{"@odata.context":"x","value":[{"jobID":"', headers);
        return;
      case 'empty':
        this.send(ctx, 200, { value: [] }, headers);
        return;
      case 'truncated': {
        const body = JSON.stringify({ '@odata.context': `${ctx.base}/jobsmanagement/odata/v1.0/$metadata#backgroundjob`, value: [] });
        ctx.head(200, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body) + 100, ...headers });
        res.write(body.slice(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
        return;
      }
      case 'status': {
        const status = fault.status ?? 500;
        const body = fault.body ?? JSON.stringify({ Message: `Simulated fault: HTTP ${status}.` });
        let type = 'text/plain; charset=utf-8';
        try {
          JSON.parse(body);
          type = JSON_TYPE;
        } catch {
          // a plain text body stays text/plain
        }
        this.sendRaw(ctx, status, body, { 'Content-Type': type, ...headers });
        return;
      }
    }
  }

  private sendRaw(ctx: Ctx, status: number, body: string, headers: Record<string, string | number>): void {
    ctx.head(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body), ...headers });
    ctx.res.end(body);
  }

  /** The user behind a valid bearer token, or undefined. */
  private bearer(req: IncomingMessage): { username: string } | undefined {
    const auth = req.headers.authorization;
    const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
    if (!m) return undefined;
    if (m[1] === this.config.token) return { username: this.oauth.username };
    const issued = this.tokens.get(m[1]);
    if (!issued) return undefined;
    if (issued.expiresAt <= Date.now()) {
      this.tokens.delete(m[1]);
      return undefined;
    }
    return { username: issued.username };
  }

  private requireAuth(ctx: Ctx): { username: string } {
    const who = this.bearer(ctx.req);
    if (!who) throw new HttpError(401, DENIED);
    return who;
  }

  private async issueToken(ctx: Ctx): Promise<void> {
    const text = await readBody(ctx.req);
    const type = String(ctx.req.headers['content-type'] ?? '');
    let fields: Record<string, string> = {};
    if (type.includes('json')) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object') fields = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
      } catch {
        throw new HttpError(400, { error: 'invalid_request' });
      }
    } else {
      fields = Object.fromEntries(new URLSearchParams(text));
    }
    let clientId = fields.client_id;
    let clientSecret = fields.client_secret;
    const basic = /^Basic\s+(\S+)$/i.exec(String(ctx.req.headers.authorization ?? ''));
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) {
        clientId = decodeSafe(decoded.slice(0, colon));
        clientSecret = decodeSafe(decoded.slice(colon + 1));
      }
    }
    if (clientId !== this.oauth.clientId || clientSecret !== this.oauth.clientSecret) {
      this.send(ctx, 401, { error: 'invalid_client' });
      return;
    }
    if (fields.grant_type !== 'password') {
      this.send(ctx, 400, { error: 'unsupported_grant_type' });
      return;
    }
    if (fields.username !== this.oauth.username || fields.password !== this.oauth.password) {
      this.send(ctx, 400, { error: 'invalid_grant', error_description: 'The user name or password is incorrect.' });
      return;
    }
    const token = randomToken(64);
    const ttl = this.oauth.tokenTtlSeconds;
    this.tokens.set(token, { expiresAt: Date.now() + ttl * 1000, username: fields.username });
    this.send(ctx, 200, { access_token: token, token_type: 'Bearer', expires_in: ttl }, { 'Cache-Control': 'no-store' });
  }

  private odataError(message: string): HttpError {
    return new HttpError(400, { error: { code: '', message: `The query specified in the URI is not valid. ${message}` } });
  }

  private queryJobs(ctx: Ctx): void {
    const raw = new Map<string, string>();
    for (const part of ctx.query.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const key = decodeSafe(eq < 0 ? part : part.slice(0, eq));
      const value = eq < 0 ? '' : part.slice(eq + 1);
      if (!key.startsWith('$')) continue;
      if (!['$filter', '$top', '$skip', '$orderby', '$select', '$count'].includes(key)) {
        throw this.odataError(`The query parameter '${key}' is not supported.`);
      }
      if (raw.has(key)) throw this.odataError(`Query option '${key}' was specified more than once.`);
      raw.set(key, value);
    }
    const opts = new Map<string, string>();
    for (const [key, value] of raw) {
      // The real server does not read '+' as a space: clients must send %20.
      if (key === '$filter' && value.includes('+')) {
        throw this.odataError(`Syntax error at position ${value.indexOf('+')} in $filter: '+' is not allowed, encode spaces as %20.`);
      }
      try {
        opts.set(key, decodeURIComponent(value));
      } catch {
        throw this.odataError(`The value of '${key}' is not correctly percent-encoded.`);
      }
    }
    let filter: FilterNode | undefined;
    let top: number | undefined;
    let skip = 0;
    let select: string[] | undefined;
    let rows: Record<string, unknown>[];
    const rctx = this.renderCtx(ctx.base);
    try {
      const f = opts.get('$filter');
      if (f !== undefined) filter = parseFilter(f);
      const t = opts.get('$top');
      if (t !== undefined) top = parseCount('$top', t);
      const s = opts.get('$skip');
      if (s !== undefined) skip = parseCount('$skip', s);
      const sel = opts.get('$select');
      if (sel !== undefined) select = parseSelect(sel);
      const c = opts.get('$count');
      if (c !== undefined && c !== 'true' && c !== 'false') throw new ODataError(`Invalid value '${c}' for $count.`);
      const named = filter && jobIdsNamed(filter);
      rows = [...this.jobs.values()].filter((j) => !j.purged && (!named || named.has(j.id))).map((j) => renderJob(j, rctx));
      if (filter) {
        const tree = filter;
        rows = rows.filter((r) => evaluate(tree, r));
      }
      const o = opts.get('$orderby');
      if (o !== undefined) rows = sortRows(rows, parseOrderBy(o));
    } catch (err) {
      if (err instanceof ODataError) throw this.odataError(err.message);
      throw err;
    }
    if (filter && this.config.rejectCombinedFilter && hasOr(filter)) {
      throw new HttpError(400, { error: { code: '', message: "The query specified in the URI is not valid. The 'or' operator is not allowed in $filter." } });
    }
    const total = rows.length;
    let window = rows.slice(skip);
    if (top !== undefined) window = window.slice(0, top);
    const pageSize = this.config.pageSize;
    const page = window.slice(0, pageSize);
    const quirk = filter !== undefined && isSingleIdFilter(filter) && total === 1 && skip === 0;
    let nextLink: string | undefined;
    if (window.length > pageSize || quirk) {
      const parts: string[] = [];
      for (const key of ['$filter', '$orderby', '$select', '$count']) {
        const v = opts.get(key);
        if (v !== undefined) parts.push(`${key}=${strictEncode(v)}`);
      }
      if (top !== undefined && top > pageSize) parts.push(`$top=${top - pageSize}`);
      parts.push(`$skip=${skip + pageSize}`);
      const host = this.config.nextLinkHost;
      const base = host ? (host.includes(':') ? `http://${host}` : `http://${host}:${this.port}`) : ctx.base;
      nextLink = `${base}/jobsmanagement/odata/v1.0/backgroundjob?${parts.join('&')}`;
    }
    const value = select && !select.includes('*') ? page.map((r) => pick(r, select)) : page;
    const body: Record<string, unknown> = {
      '@odata.context': `${ctx.base}/jobsmanagement/odata/v1.0/$metadata#backgroundjob${select && !select.includes('*') ? `(${select.join(',')})` : ''}`,
    };
    if (opts.get('$count') === 'true') body['@odata.count'] = total;
    body.value = value;
    if (nextLink) body['@odata.nextLink'] = nextLink;
    this.send(ctx, 200, body);
  }

  /** Waits for spreadsheets still being built, so that SizeInMB is right in answers. */
  private async xlsxReady(): Promise<void> {
    const pending: Promise<unknown>[] = [];
    for (const job of this.jobs.values()) {
      for (const doc of job.docs) if (doc.xlsx && doc.size === undefined) pending.push(doc.xlsx.catch(() => undefined));
    }
    await Promise.all(pending);
  }

  private findJob(id: string): JobRecord | undefined {
    const job = this.jobs.get(id);
    return job && !job.purged ? job : undefined;
  }

  private rerun(ctx: Ctx, id: string): void {
    const job = this.findJob(id);
    if (!job) throw new HttpError(404, { Message: 'Job not found.' });
    if ((job.spec.canReRun ?? 'Yes') !== 'Yes') throw new HttpError(400, { Message: 'Job cannot be rerun.' });
    const now = Date.now();
    restartJob(job, now);
    this.send(ctx, 200, this.startedAnswer(job, ctx.base));
  }

  private startedAnswer(job: JobRecord, base: string): Record<string, unknown> {
    return {
      jobId: job.id,
      jobStatus: 'Queued',
      publishLink: publishLinkOf(job, this.renderCtx(base)),
      publishLinkAccessScope: (job.spec.scope ?? 'Private').toUpperCase(),
    };
  }

  private findDocument(guid: string): { job: JobRecord; doc?: DocRecord } | undefined {
    const lower = guid.toLowerCase();
    for (const job of this.jobs.values()) {
      if (job.purged) continue;
      if (job.requestGuid.toLowerCase() === lower) return { job };
      const doc = job.docs.find((d) => d.guid.toLowerCase() === lower);
      if (doc) return { job, doc };
    }
    return undefined;
  }

  private async download(ctx: Ctx, guid: string, token: string | undefined): Promise<void> {
    const found = this.findDocument(guid);
    if (!found) throw new HttpError(404, { Message: 'Document not found.' });
    const { job, doc } = found;
    if (!doc) {
      // The requestURL: the request that created the job, for authenticated callers.
      if (!this.bearer(ctx.req)) throw new HttpError(401, DENIED);
      this.send(ctx, 200, job.spec.request ?? { jobId: job.id, category: job.spec.category ?? 'Reports' });
      return;
    }
    const scope = job.spec.scope ?? 'Private';
    // A link without its anonymous token, or any non-public one, needs the caller's bearer token.
    if (token !== undefined && token !== doc.token) throw new HttpError(403, 'Access Denied');
    if ((scope !== 'Public' || token === undefined) && !this.bearer(ctx.req)) throw new HttpError(403, 'Access Denied');
    if (doc.expiresAt <= Date.now()) {
      throw new HttpError(410, { Message: `The document link expired on ${new Date(doc.expiresAt).toISOString()}.` });
    }
    if (stateOf(job, Date.now()).status !== 'Completed') throw new HttpError(404, { Message: 'The document is not available yet.' });
    docSize(doc);
    await sendDocument(ctx.res, doc, ctx.head);
  }

  private exportData(ctx: Ctx, earlier: boolean): void {
    const who = this.requireAuth(ctx);
    const body = parseJson(ctx.body ?? '', (message) => ({ Message: message }));
    const now = Date.now();
    let spec: JobSpec;
    try {
      spec = exportJobSpec(body, { earlier, customViews: this.customViews, rows: this.config.exportRows, now });
    } catch (err) {
      if (err instanceof ExportError) throw new HttpError(400, { Message: err.message });
      throw err;
    }
    const job = createJob({ ...spec, queuedMs: this.config.exportQueuedMs, runMs: this.config.exportRunMs, createdBy: who.username }, now);
    this.jobs.set(job.id, job);
    this.send(ctx, 200, this.startedAnswer(job, ctx.base));
  }

  // ---- control API (/_sim/), not logged, no auth ----

  private async control(req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> {
    const reply = (status: number, body?: unknown) => {
      if (body === undefined) {
        res.writeHead(status);
        res.end();
        return;
      }
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    const json = () => readJson(req, (message) => ({ error: message }));
    const notFound = () => reply(404, { error: `No control route ${method} ${path}` });
    /** A list read with GET, added to with POST (when it can be), emptied with DELETE. */
    const collection = async (list: () => unknown, add: ((spec: unknown) => unknown) | undefined, clear: () => void) => {
      if (method === 'GET') reply(200, list());
      else if (method === 'POST' && add) reply(201, add(await json()));
      else if (method === 'DELETE') {
        clear();
        reply(204);
      } else notFound();
    };
    const rel = path.replace(/^\/_sim\/?/, '').replace(/\/$/, '');
    const segs = rel === '' ? [] : rel.split('/').map(decodeSafe);
    try {
      const [a, b, c] = segs;
      if (segs.length <= 1 && (a === undefined || a === 'info') && method === 'GET') {
        reply(200, { url: this.url, token: this.config.token, oauth: { clientId: this.oauth.clientId, username: this.oauth.username, tokenTtlSeconds: this.oauth.tokenTtlSeconds }, jobs: this.jobs.size, requests: this.requestCount });
      } else if (a === 'jobs' && b === undefined) {
        if (method === 'GET') reply(200, this.listJobs());
        else if (method === 'POST') reply(201, this.addJob((await json()) as JobSpec));
        else notFound();
      } else if (a === 'jobs' && b !== undefined && c === undefined) {
        if (method === 'GET') {
          const job = this.getJob(b);
          if (job) reply(200, job);
          else reply(404, { error: `No job ${b}` });
        } else if (method === 'PATCH') {
          const job = this.setJob(b, (await json()) as JobPatch);
          if (job) reply(200, job);
          else reply(404, { error: `No job ${b}` });
        } else if (method === 'DELETE') {
          reply(this.purgeJob(b) ? 204 : 404);
        } else notFound();
      } else if (a === 'log' && b === undefined) {
        await collection(() => this.log, undefined, () => this.clearLog());
      } else if (a === 'faults' && b === undefined) {
        await collection(() => this.listFaults(), (spec) => this.addFault(spec as FaultSpec), () => this.clearFaults());
      } else if (a === 'custom-views' && b === undefined) {
        await collection(() => this.listCustomViews(), (view) => this.addCustomView(view as CustomView), () => this.clearCustomViews());
      } else if (a === 'tokens' && b === 'expire' && method === 'POST') {
        this.expireTokens();
        reply(204);
      } else if (a === 'config' && b === undefined) {
        if (method === 'GET') reply(200, this.getConfig());
        else if (method === 'POST' || method === 'PATCH') reply(200, this.setConfig((await json()) as Partial<SimConfig>));
        else notFound();
      } else if (a === 'reset' && b === undefined && method === 'POST') {
        this.reset();
        reply(204);
      } else {
        notFound();
      }
    } catch (err) {
      if (err instanceof SpecError) reply(400, { error: err.message });
      else if (err instanceof HttpError) reply(err.status, err.body);
      else throw err;
    }
  }
}

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

/** Starts a simulator; resolves once it listens. */
export function start(options: SimulatorOptions = {}): Promise<Simulator> {
  const server = http.createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      try {
        resolve(new Simulator(server, options));
      } catch (err) {
        server.close();
        reject(err);
      }
    });
  });
}
