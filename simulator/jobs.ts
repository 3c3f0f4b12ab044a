import { createHash } from 'node:crypto';
import { docSize, FORMATS, makeDoc, type DocRecord, type DocSpec } from './documents';
import { rowObject, SAMPLE } from './tables';
import { iso, newId, SpecError } from './util';

export type JobStatus = 'Queued' | 'Inprogress' | 'Completed' | 'Failed';
export type Scope = 'Public' | 'Private' | 'PeopleInOrganization';
export type Outcome = 'Completed' | 'Failed';

export interface JobSpec {
  jobId?: string;
  queuedMs?: number;
  runMs?: number;
  outcome?: Outcome;
  rerunOutcome?: Outcome;
  jobStatusText?: string;
  canReRun?: 'Yes' | 'No';
  responseType?: 'In-line JSON' | 'Publishlink';
  inline?: unknown;
  responseAsJson?: boolean;
  documents?: DocSpec[];
  scope?: Scope;
  scopeSpelling?: string;
  idSpelling?: 'jobID' | 'jobId';
  publishLinkHost?: string;
  category?: string;
  subCategory?: string;
  description?: string;
  createdBy?: string;
  createdDate?: string;
  purged?: boolean;
  /**
   * Changes show in answers this long after the modifiedDate they carry, as a database that
   * stamps a row before its write is visible: the case a watcher's overlap window is for.
   */
  modifiedLagMs?: number;
  /** The request that created the job, served at requestURL. */
  request?: unknown;
}

/** Fields setJob accepts on top of the spec fields. */
export interface JobPatch extends Omit<JobSpec, 'jobId'> {
  /** Force a status (null returns to the timed lifecycle). */
  jobStatus?: JobStatus | null;
  /** Force percentCompleted (null returns to the computed value). */
  percentCompleted?: number | null;
  /** Start the lifecycle again from now, as a rerun does. */
  restart?: boolean;
}

/** What addJob takes: a spec, and a status or percent forced from the start. */
export type NewJob = JobSpec & Pick<JobPatch, 'jobStatus' | 'percentCompleted'>;

export interface JobRecord {
  id: string;
  spec: JobSpec;
  createdAt: number;
  /** When the current run began (add time or the last rerun). */
  runStart: number;
  runs: number;
  version: number;
  forcedStatus?: JobStatus;
  forcedPercent?: number;
  /** When a forced status first had the job start and end: its dates stay put. */
  forcedStartAt?: number;
  forcedEndAt?: number;
  modifiedAt?: number;
  purged: boolean;
  docs: DocRecord[];
  requestGuid: string;
}

export interface JobState {
  status: JobStatus;
  percent: number;
  startDate: number | null;
  completedDate: number | null;
}

const DAY_MS = 24 * 3600 * 1000;
const STATUSES: JobStatus[] = ['Queued', 'Inprogress', 'Completed', 'Failed'];
const SCOPES: Scope[] = ['Public', 'Private', 'PeopleInOrganization'];

/** Scope names as clients may send them ('PUBLIC', 'People in Organization'...). */
export function normaliseScope(raw: unknown): Scope | undefined {
  if (typeof raw !== 'string') return undefined;
  const flat = raw.replace(/\s+/g, '').toLowerCase();
  return SCOPES.find((s) => s.toLowerCase() === flat);
}

function checkNumber(name: string, v: unknown): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
    throw new SpecError(`${name} must be a non-negative number.`);
  }
}

function checkOneOf(name: string, v: unknown, allowed: readonly unknown[]): void {
  if (v !== undefined && !allowed.includes(v)) throw new SpecError(`${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}.`);
}

export function validateSpec(spec: JobPatch): void {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new SpecError('A job spec must be a JSON object.');
  checkNumber('queuedMs', spec.queuedMs);
  checkNumber('runMs', spec.runMs);
  checkNumber('modifiedLagMs', spec.modifiedLagMs);
  checkOneOf('outcome', spec.outcome, ['Completed', 'Failed']);
  checkOneOf('rerunOutcome', spec.rerunOutcome, ['Completed', 'Failed']);
  checkOneOf('canReRun', spec.canReRun, ['Yes', 'No']);
  checkOneOf('responseType', spec.responseType, ['In-line JSON', 'Publishlink']);
  checkOneOf('scope', spec.scope, SCOPES);
  checkOneOf('idSpelling', spec.idSpelling, ['jobID', 'jobId']);
  checkOneOf('jobStatus', spec.jobStatus, [...STATUSES, null]);
  if (spec.percentCompleted !== undefined && spec.percentCompleted !== null) checkNumber('percentCompleted', spec.percentCompleted);
  if (spec.createdDate !== undefined && Number.isNaN(Date.parse(spec.createdDate))) throw new SpecError('createdDate must be an ISO date.');
  if (spec.documents !== undefined && !Array.isArray(spec.documents)) throw new SpecError('documents must be an array.');
}

/** A new job; `jobStatus` and `percentCompleted` are forced from the start, as setJob forces them. */
export function createJob(input: NewJob, now: number): JobRecord {
  validateSpec(input);
  const { jobStatus, percentCompleted, ...fields } = input;
  const spec: JobSpec = { ...fields };
  if ((spec as { jobID?: string }).jobID && !spec.jobId) spec.jobId = (spec as { jobID?: string }).jobID;
  if (spec.jobId !== undefined && (typeof spec.jobId !== 'string' || spec.jobId === '')) throw new SpecError('jobId must be a non-empty string.');
  if (spec.documents && spec.documents.length > 0 && spec.responseType === undefined) spec.responseType = 'Publishlink';
  const createdAt = spec.createdDate ? Date.parse(spec.createdDate) : now;
  const job: JobRecord = {
    id: spec.jobId ?? newId(now),
    spec,
    createdAt,
    // A job created in the past has been running since then.
    runStart: Math.min(createdAt, now),
    runs: 1,
    version: 1,
    purged: spec.purged === true,
    docs: [],
    requestGuid: newId(now),
  };
  job.docs = buildDocs(job, now);
  force(job, { jobStatus, percentCompleted }, now);
  return job;
}

function buildDocs(job: JobRecord, now: number): DocRecord[] {
  if (job.spec.responseType !== 'Publishlink') return [];
  const specs = job.spec.documents && job.spec.documents.length > 0 ? job.spec.documents : [{ format: 'csv' as const }];
  return specs.map((d) => {
    if (d === null || typeof d !== 'object') throw new SpecError('Each document must be an object.');
    return makeDoc(d, now);
  });
}

export function patchJob(job: JobRecord, patch: JobPatch, now: number): void {
  validateSpec(patch);
  const { jobStatus, percentCompleted, restart, ...rest } = patch;
  delete (rest as { jobId?: string }).jobId;
  Object.assign(job.spec, rest);
  if (rest.purged !== undefined) job.purged = rest.purged === true;
  if (rest.createdDate !== undefined) job.createdAt = Date.parse(rest.createdDate);
  if (rest.documents !== undefined || rest.responseType !== undefined) job.docs = buildDocs(job, now);
  force(job, { jobStatus, percentCompleted }, now);
  if (restart) restartJob(job, now);
  // How late the simulator shows changes is no change of the job.
  if (Object.keys(patch).some((key) => key !== 'modifiedLagMs')) job.modifiedAt = now;
  job.version++;
}

/** A forced status or percent (undefined leaves it as it is, null returns it to the clock). */
function force(job: JobRecord, { jobStatus, percentCompleted }: Pick<JobPatch, 'jobStatus' | 'percentCompleted'>, now: number): void {
  if (jobStatus !== undefined) {
    job.forcedStatus = jobStatus ?? undefined;
    const ends = jobStatus === 'Completed' || jobStatus === 'Failed';
    job.forcedStartAt = jobStatus && jobStatus !== 'Queued' ? (job.forcedStartAt ?? now) : undefined;
    job.forcedEndAt = ends ? (job.forcedEndAt ?? now) : undefined;
  }
  if (percentCompleted !== undefined) job.forcedPercent = percentCompleted ?? undefined;
}

/** A rerun: same timings from now on, with rerunOutcome if one was given. */
export function restartJob(job: JobRecord, now: number): void {
  job.runStart = now;
  job.runs++;
  job.version++;
  job.forcedStatus = undefined;
  job.forcedPercent = undefined;
  job.forcedStartAt = undefined;
  job.forcedEndAt = undefined;
  job.modifiedAt = now;
  if (job.spec.rerunOutcome) job.spec.outcome = job.spec.rerunOutcome;
  for (const doc of job.docs) {
    if (doc.expiresInMs >= 0) doc.expiresAt = now + doc.expiresInMs;
  }
}

/** Status from the clock: no timers, so thousands of jobs cost nothing. */
export function stateOf(job: JobRecord, now: number): JobState {
  const queued = job.spec.queuedMs ?? 0;
  const run = job.spec.runMs ?? 0;
  const started = job.runStart + queued;
  const finished = started + run;
  const elapsed = now - job.runStart;
  let status: JobStatus;
  let percent: number;
  if (elapsed < queued) {
    status = 'Queued';
    percent = 0;
  } else if (elapsed < queued + run) {
    status = 'Inprogress';
    percent = Math.min(99, Math.floor(((elapsed - queued) / run) * 100));
  } else {
    status = job.spec.outcome ?? 'Completed';
    percent = 100;
  }
  if (job.forcedStatus) {
    status = job.forcedStatus;
    if (status === 'Queued') percent = 0;
    else if (status === 'Inprogress') percent = percent > 0 && percent < 100 ? percent : 50;
    else percent = 100;
  }
  if (job.forcedPercent !== undefined) percent = job.forcedPercent;
  // A forced start or end happened when it was forced, not at each answer.
  return {
    status,
    percent,
    startDate: status === 'Queued' ? null : Math.min(started, job.forcedStartAt ?? now),
    completedDate: status === 'Completed' || status === 'Failed' ? Math.min(finished, job.forcedEndAt ?? now) : null,
  };
}

/**
 * When the job last changed as of `now`: queued (its run's start), started, each percent of
 * progress, ended; a patch or rerun (modifiedAt) when later. What modifiedDate says.
 */
export function lastChangeAt(job: JobRecord, now: number): number {
  const state = stateOf(job, now);
  let changed = job.runStart;
  if (state.completedDate !== null) changed = state.completedDate;
  else if (state.startDate !== null) {
    const run = job.spec.runMs ?? 0;
    // The moment the current percent was reached (a forced status has no such moment).
    const reached = job.forcedStatus ? state.startDate : state.startDate + Math.ceil((state.percent * run) / 100);
    changed = Math.min(Math.max(reached, state.startDate), now);
  }
  return Math.max(job.modifiedAt ?? 0, changed);
}

export interface RenderContext {
  /** Scheme and authority links point at, e.g. http://127.0.0.1:8360 */
  base: string;
  /** The simulator's port, kept when a document link has its own host name. */
  port: number;
  now: number;
}

export function documentPath(doc: DocRecord): string {
  return `/documentmanagement/v1.0/aimsdocument/${doc.guid}/${doc.token}`;
}

/** Where links point for a host name of their own: the simulator's port unless the name has one. */
export function hostBase(host: string, ctx: RenderContext): string {
  return host.includes(':') ? `http://${host}` : `http://${host}:${ctx.port}`;
}

export function downloadLink(doc: DocRecord, ctx: RenderContext): string {
  return (doc.host ? hostBase(doc.host, ctx) : ctx.base) + documentPath(doc);
}

export function publishLinkOf(job: JobRecord, ctx: RenderContext): string | null {
  const first = job.docs[0];
  if (!first) return null;
  return (job.spec.publishLinkHost ? hostBase(job.spec.publishLinkHost, ctx) : ctx.base) + documentPath(first);
}

export function documentList(job: JobRecord, ctx: RenderContext): Record<string, unknown>[] {
  return job.docs.map((doc) => {
    const entry: Record<string, unknown> = {
      DocumentGUID: doc.guid,
      documentName: doc.name,
      DownloadLink: downloadLink(doc, ctx),
      SizeInMB: (docSize(doc) ?? 0) / 1048576,
      Type: FORMATS[doc.format].ext,
      DocumentID: doc.guid,
      ExpiryDate: new Date(doc.expiresAt).toISOString(),
      Version: '1.0',
    };
    if (doc.noDownloadLink) delete entry.DownloadLink;
    return entry;
  });
}

export function defaultInline(): unknown {
  return Array.from({ length: 5 }, (_, i) => rowObject(SAMPLE, i));
}

function etag(job: JobRecord, state: JobState): string {
  const digest = createHash('sha1').update(`${job.id}|${job.version}|${job.runs}|${state.status}|${state.percent}`).digest();
  const inner = `binary'${digest.subarray(0, 8).toString('base64')}'`;
  return `W/"${Buffer.from(inner).toString('base64')}"`;
}

function statusText(job: JobRecord, status: JobStatus): string {
  const what = job.spec.subCategory ?? 'Job';
  if (status === 'Queued') return `${what} is queued.`;
  if (status === 'Inprogress') return `${what} is in progress.`;
  if (job.spec.jobStatusText !== undefined) return job.spec.jobStatusText;
  return status === 'Completed' ? `${what} completed.` : `${what} failed.`;
}

/** The job exactly as GET .../backgroundjob lists it (documented field order and spelling). */
export function renderJob(job: JobRecord, ctx: RenderContext): Record<string, unknown> {
  // A lagging job answers as it was modifiedLagMs ago: its latest change is not visible yet.
  const at = ctx.now - (job.spec.modifiedLagMs ?? 0);
  const state = stateOf(job, at);
  const spec = job.spec;
  const scope = spec.scope ?? 'Private';
  const responseType = spec.responseType ?? 'In-line JSON';
  let response: unknown = null;
  if (state.status === 'Completed') {
    const raw = responseType === 'Publishlink' ? documentList(job, ctx) : spec.inline !== undefined ? spec.inline : defaultInline();
    response = spec.responseAsJson ? raw : JSON.stringify(raw);
  }
  const modified = lastChangeAt(job, at);
  const createdBy = spec.createdBy ?? 'operator@example.com';
  return {
    '@odata.etag': etag(job, state),
    categoryName: spec.category ?? 'Reports',
    subCategoryName: spec.subCategory ?? 'Production Forecasting Report',
    jobDescription: spec.description ?? `Create ${spec.subCategory ?? 'Production Forecasting Report'}`,
    clientRequestId: null,
    jobStatus: state.status,
    jobStatusText: statusText(job, state.status),
    publishLink: publishLinkOf(job, ctx),
    requestURL: `${ctx.base}/documentmanagement/v1.0/aimsdocument/${job.requestGuid}`,
    publishLinkAccessScope: spec.scopeSpelling ?? scope,
    percentCompleted: state.percent,
    [spec.idSpelling ?? 'jobID']: job.id,
    responseType,
    response,
    startDate: iso(state.startDate),
    completedDate: iso(state.completedDate),
    purgeDateTime: iso(job.createdAt + 30 * DAY_MS),
    clientID: '60619CAB-BA12-40BE-8902-843354325012',
    DatabaseName: 'AZSIMData1',
    accountCode: 'AZSIM1',
    canReRun: spec.canReRun ?? 'Yes',
    createdBy,
    createdDate: iso(job.createdAt),
    modifiedBy: createdBy,
    modifiedDate: iso(modified),
  };
}
