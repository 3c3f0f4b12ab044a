// A stand-in for the AIMS360 Jobs API over node:http, with a control API under
// /_sim/ for tests and users building flows offline. Here: the Simulator (its state
// and in-process control methods) and the routing; each route's work is in its module.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { demoJobs } from './demo';
import { sendDocument, type DocRecord } from './documents';
import { checkCustomView, DEFAULT_CUSTOM_VIEWS, EARLIER_EXPORT, ExportError, exportJobSpec, LATEST_EXPORT, type CustomView } from './export-requests';
import { applyFault, describeFault, makeFault, pickFault, type Fault, type FaultSpec } from './faults';
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
  type NewJob,
  type RenderContext,
} from './jobs';
import { control, ControlGuard, isLoopback } from './control';
import { fail, HttpError, parseJson, readBody, send, type Ctx } from './http';
import { OAuth, TOKEN_PATH, type OAuthOptions } from './oauth';
import { queryJobs } from './query';
import { decodeSafe, SpecError } from './util';
import { EditedViews, type RowEdits, type RowObject } from './tables';

export type { JobSpec, JobPatch, NewJob } from './jobs';
export type { DocSpec } from './documents';
export type { FaultSpec } from './faults';
export type { CustomView } from './export-requests';
export type { OAuthOptions } from './oauth';

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
  /**
   * Host names the control API (/_sim/) answers besides loopback and the bound address:
   * the names a browser or a client on another machine uses for this one.
   */
  allowedHosts?: string[];
}

export interface SimConfig {
  token: string;
  pageSize: number;
  nextLinkHost: string | null;
  rejectCombinedFilter: boolean;
  /** 400 for a $filter on modifiedDate (the job events node's fallback). */
  rejectModifiedDateFilter: boolean;
  exportQueuedMs: number;
  exportRunMs: number;
  /** Rows in each export of the documented body. */
  exportRows: number;
  serveLatestExportPath: boolean;
  serveEarlierExportPath: boolean;
  /** Answer `Range` requests with 206 and offer `Accept-Ranges: bytes` (default true). */
  serveRanges: boolean;
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
  /** The answer's Content-Length, when it had one: what a client had to read. */
  bytes?: number;
}

export const DEFAULT_TOKEN = 'simulator-token';
const MAX_LOG = 10000;
const MAX_LOGGED_BODY = 64 * 1024;
const NO_ROUTE = { Message: 'No HTTP resource was found that matches the request URI' };
const JOBS_QUERY = /^\/jobsmanagement\/odata\/v1\.0\/backgroundjob\/?$/i;
const RERUN = /^\/jobsmanagement\/v1\.0\/backgroundjob\/([^/]+)\/rerun\/?$/i;
const DOCUMENT = /^\/documentmanagement\/v1\.0\/aimsdocument\/([^/]+)(?:\/([^/]+))?\/?$/i;

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
  private readonly sockets = new Set<Socket>();
  private readonly oauth: OAuth;
  private customViews: CustomView[] = [];
  private readonly editedViews = new EditedViews();
  private closing?: Promise<void>;
  private readonly guard: ControlGuard;

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
    this.guard = new ControlGuard(h, options.allowedHosts);
    this.oauth = new OAuth(options.oauth, () => this.config.token);
    this.config = this.defaultConfig();
    this.customViews = this.defaultCustomViews();
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => fail(res, err));
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
      rejectModifiedDateFilter: false,
      // Demo exports run long enough for a progress display to show something.
      exportQueuedMs: this.options.demo ? 2000 : 500,
      exportRunMs: this.options.demo ? 12000 : 2000,
      exportRows: 25,
      serveLatestExportPath: this.options.exportPaths?.latest ?? true,
      serveEarlierExportPath: this.options.exportPaths?.earlier ?? true,
      serveRanges: true,
    };
  }

  private defaultCustomViews(): CustomView[] {
    return (this.options.customViews ?? DEFAULT_CUSTOM_VIEWS).map(checkCustomView);
  }

  private renderCtx(base = this.url): RenderContext {
    return { base, port: this.port, now: Date.now() };
  }

  // ---- in-process control API ----

  addJob(spec: NewJob = {}): Record<string, unknown> {
    const job = createJob(spec, Date.now());
    this.jobs.set(job.id, job);
    return renderJob(job, this.renderCtx());
  }

  /** The job as the API would list it; undefined when unknown or purged. */
  getJob(id: string): Record<string, unknown> | undefined {
    const job = this.findJob(id);
    return job && renderJob(job, this.renderCtx());
  }

  /**
   * Marks a document as replaced: a new ETag and Last-Modified (a second later), the
   * same bytes. A client resuming with If-Range then gets the whole body.
   */
  touchDocument(guid: string): void {
    const doc = this.findDocument(guid)?.doc;
    if (!doc) throw new SpecError(`No document ${guid}.`);
    doc.version += 1;
    doc.modifiedAt += 1000;
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
    this.oauth.expire();
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
    if (patch.rejectModifiedDateFilter !== undefined) next.rejectModifiedDateFilter = patch.rejectModifiedDateFilter === true;
    if (patch.exportRows !== undefined) {
      if (!Number.isInteger(patch.exportRows) || patch.exportRows < 0) throw new SpecError('exportRows must be a whole number.');
      next.exportRows = patch.exportRows;
    }
    for (const key of ['serveLatestExportPath', 'serveEarlierExportPath', 'serveRanges'] as const) {
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

  /** A view's rows as its next export serves them (at most exportRows unless edited). */
  viewRows(source: string, viewName: string): RowObject[] {
    return this.editedViews.rows(source, viewName, this.config.exportRows);
  }

  /** Adds, changes and removes rows of a view for its next exports; answers its rows. */
  editViewRows(source: string, viewName: string, edits: RowEdits): RowObject[] {
    return this.editedViews.edit(source, viewName, edits, this.config.exportRows);
  }

  /** The view's generated rows again (every view's without arguments). */
  resetViewRows(source?: string, viewName?: string): void {
    this.editedViews.reset(source, viewName);
  }

  /** Back to a fresh simulator: no jobs, faults or log, default config and custom views. OAuth tokens stay valid. */
  reset(): void {
    this.jobs.clear();
    this.faults = [];
    this.clearLog();
    this.config = this.defaultConfig();
    this.customViews = this.defaultCustomViews();
    this.editedViews.reset();
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

  /** What GET /_sim/ answers. */
  private info(): Record<string, unknown> {
    const { clientId, username, tokenTtlSeconds } = this.oauth.options;
    return { url: this.url, token: this.config.token, oauth: { clientId, username, tokenTtlSeconds }, jobs: this.jobs.size, requests: this.requestCount };
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const path = qi < 0 ? url : url.slice(0, qi);
    const query = qi < 0 ? '' : url.slice(qi + 1);
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === '/_sim' || path.startsWith('/_sim/')) {
      const refusal = this.guard.refusal(req);
      if (refusal) throw new HttpError(403, { error: refusal });
      await control(this, () => this.info(), req, res, method, path);
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
        if (headers['Content-Length'] !== undefined) entry.bytes = Number(headers['Content-Length']);
        res.writeHead(status, headers);
      },
    };
    try {
      // The token route reads its own body: it holds secrets, which stay out of the log.
      if (method !== 'GET' && method !== 'HEAD' && !TOKEN_PATH.test(path)) {
        ctx.body = await readBody(req);
        if (ctx.body) entry.body = ctx.body.slice(0, MAX_LOGGED_BODY);
      }
      await this.api(ctx);
    } catch (err) {
      if (err instanceof HttpError) {
        if (!res.headersSent) send(ctx, err.status, err.body);
        return;
      }
      if (!res.headersSent) entry.status = 500;
      throw err;
    }
  }

  private async api(ctx: Ctx): Promise<void> {
    const { method, path } = ctx;
    const isJobQuery = JOBS_QUERY.test(path) && method === 'GET';
    const isDocument = DOCUMENT.test(path) && method === 'GET';
    const fault = pickFault(this.faults, { method, path, query: decodeSafe(ctx.query), isJobQuery, isDocument });
    // A cut lets the download start and stops its body part-way.
    if (fault && fault.type !== 'cut') {
      applyFault(ctx, fault);
      return;
    }
    const only = (allowed: string) => {
      if (method !== allowed) {
        throw new HttpError(405, { Message: `The requested resource does not support http method '${method}'.` });
      }
    };
    let m: RegExpExecArray | null;
    if (TOKEN_PATH.test(path)) {
      only('POST');
      await this.oauth.issue(ctx);
    } else if (JOBS_QUERY.test(path)) {
      only('GET');
      this.oauth.requireAuth(ctx.req);
      await this.xlsxReady();
      send(ctx, 200, queryJobs(ctx.query, this.jobs.values(), this.renderCtx(ctx.base), this.config));
    } else if ((m = RERUN.exec(path))) {
      only('POST');
      this.oauth.requireAuth(ctx.req);
      this.rerun(ctx, decodeSafe(m[1]));
    } else if ((m = DOCUMENT.exec(path))) {
      only('GET');
      await this.download(ctx, decodeSafe(m[1]), m[2] === undefined ? undefined : decodeSafe(m[2]), fault);
    } else if (LATEST_EXPORT.test(path) || EARLIER_EXPORT.test(path)) {
      const earlier = EARLIER_EXPORT.test(path);
      // A path switched off is absent: 404 before any method or auth check.
      if (!this.config[earlier ? 'serveEarlierExportPath' : 'serveLatestExportPath']) send(ctx, 404, NO_ROUTE);
      else {
        only('POST');
        this.exportData(ctx, earlier);
      }
    } else {
      send(ctx, 404, NO_ROUTE);
    }
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
    send(ctx, 200, this.startedAnswer(job, ctx.base));
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

  private async download(ctx: Ctx, guid: string, token: string | undefined, cut?: Fault): Promise<void> {
    const found = this.findDocument(guid);
    if (!found) throw new HttpError(404, { Message: 'Document not found.' });
    const { job, doc } = found;
    if (!doc) {
      // The requestURL: the request that created the job, for authenticated callers.
      this.oauth.requireAuth(ctx.req);
      send(ctx, 200, job.spec.request ?? { jobId: job.id, category: job.spec.category ?? 'Reports' });
      return;
    }
    const scope = job.spec.scope ?? 'Private';
    // A link without its anonymous token, or any non-public one, needs the caller's bearer token.
    if (token !== undefined && token !== doc.token) throw new HttpError(403, 'Access Denied');
    if ((scope !== 'Public' || token === undefined) && !this.oauth.bearer(ctx.req)) throw new HttpError(403, 'Access Denied');
    if (doc.expiresAt <= Date.now()) {
      throw new HttpError(410, { Message: `The document link expired on ${new Date(doc.expiresAt).toISOString()}.` });
    }
    if (stateOf(job, Date.now()).status !== 'Completed') throw new HttpError(404, { Message: 'The document is not available yet.' });
    await sendDocument(ctx.req, ctx.res, doc, ctx.head, { ranges: this.config.serveRanges, cutAtByte: cut?.atByte });
    if (cut?.replace) this.touchDocument(doc.guid);
  }

  private exportData(ctx: Ctx, earlier: boolean): void {
    const who = this.oauth.requireAuth(ctx.req);
    const body = parseJson(ctx.body ?? '', (message) => ({ Message: message }));
    const now = Date.now();
    let spec: JobSpec;
    try {
      spec = exportJobSpec(body, { earlier, customViews: this.customViews, rows: this.config.exportRows, now, editedViews: this.editedViews });
    } catch (err) {
      if (err instanceof ExportError) throw new HttpError(400, { Message: err.message });
      throw err;
    }
    const job = createJob({ ...spec, queuedMs: this.config.exportQueuedMs, runMs: this.config.exportRunMs, createdBy: who.username }, now);
    this.jobs.set(job.id, job);
    send(ctx, 200, this.startedAnswer(job, ctx.base));
  }
}

/**
 * What to print, loudly, when the simulator listens beyond this machine: its control API
 * has no authentication. Empty for a loopback address.
 */
export function exposureWarning(host: string): string[] {
  if (isLoopback(host)) return [];
  const where = host === '0.0.0.0' || host === '::' ? `${host} (every network interface)` : host;
  return [
    '!'.repeat(78),
    `!! WARNING: the simulator listens on ${where}, not only on this machine.`,
    '!! Anyone who can reach its port can read its token and change its jobs, faults and',
    '!! settings through the control API (/_sim/), which has no authentication. It answers',
    '!! only Host names that are loopback, the bound address or given with --allow-host.',
    '!! Use --host 127.0.0.1 unless other machines must reach it.',
    '!'.repeat(78),
  ];
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
