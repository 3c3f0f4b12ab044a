/**
 * The account's job events, from polls of the jobs modified since the last one: what the job
 * events node sends. No Node-RED here. The cursor is the API's own newest modifiedDate (never
 * the local clock); each poll asks again from a little before it (the overlap window) and the
 * state remembers what was sent in that window, so equal timestamps and a modifiedDate written
 * late are neither missed nor sent twice. The state is a small plain object that a context
 * store can keep; it holds the jobs in flight and the ended ones of the window, not history.
 */
import type { AimsClient } from './client';
import { isAimsError } from './errors';
import { Job, JobStatus, readField, readJobId, readJobStatus } from './job';
import type { JobEventName } from './job-event-log';
import { queryJobs } from './jobs-endpoint';
import { JobQuery } from './odata';

/** A job's progress through a run: queued, started, ended. Progress alone is no step. */
type Step = 0 | 1 | 2;

/** What the state keeps of a job: enough to tell its next answer's news and a rerun apart. */
export interface SeenJob {
  step: Step;
  /** modifiedDate of the answer this comes from (ms): an older answer is old news. */
  modified: number;
  /** createdDate (ms): the fallback reads by it. */
  created?: number;
  /** startDate and completedDate (ms): a rerun writes new ones. */
  started?: number;
  ended?: number;
}

export interface WatchState {
  version: 1;
  /** What the jobs were read for (the server and filter): another scope starts over with a baseline. */
  scope: string;
  /** The newest modifiedDate read, as the API wrote it; none before an answer had one. */
  cursor?: string;
  /** False until the first poll has read what had happened before (which gives nothing). */
  baselined: boolean;
  jobs: Record<string, SeenJob>;
}

export interface JobEvent {
  event: JobEventName;
  jobId: string;
  jobStatus: JobStatus;
  job: Job;
}

/** Re-asked before the cursor on each poll: a change may show this late in the API's answers. */
export const OVERLAP_MS = 2 * 60 * 1000;
/** A job in flight this long before the cursor is forgotten (purged, or stuck for good). */
export const IN_FLIGHT_MS = 7 * 24 * 60 * 60 * 1000;
/** Without a modifiedDate filter: the jobs created this long before the newest date known. */
export const FALLBACK_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Pages read per poll (the API's pages seem to hold 100 jobs); what is left, the next poll reads. */
export const MAX_PAGES = 50;
export const FALLBACK_PAGES = 10;

export function emptyState(scope: string): WatchState {
  return { version: 1, scope, baselined: false, jobs: {} };
}

/** A saved state when it is one of this scope, else a new one (a changed filter starts over). */
export function restoreState(saved: unknown, scope: string): WatchState {
  const s = saved as Partial<WatchState> | undefined;
  const ok = !!s && s.version === 1 && s.scope === scope && typeof s.jobs === 'object' && s.jobs !== null && typeof s.baselined === 'boolean';
  return ok ? (s as WatchState) : emptyState(scope);
}

/** A date field as ms, or undefined. */
function dateOf(job: Job, ...names: string[]): number | undefined {
  const value = readField(job, ...names);
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

const modifiedOf = (job: Job) => dateOf(job, 'modifiedDate', 'ModifiedDate');

function stepOf(status: JobStatus): Step {
  if (status === 'Queued') return 0;
  return status === 'Inprogress' ? 1 : 2;
}

function eventOf(step: Step, status: JobStatus): JobEventName {
  if (step === 0) return 'queued';
  if (step === 1) return 'started';
  return status === 'Failed' ? 'failed' : 'completed';
}

/**
 * Whether an answer is of another run than the one remembered: the API keeps a rerun's job id
 * and createdDate, and writes new start and end dates (a rerun queued has none yet, so it
 * shows as a step back).
 */
export function isRerun(seen: SeenJob, step: Step, started: number | undefined, ended: number | undefined): boolean {
  if (step < seen.step) return true;
  if (started !== undefined && seen.started !== undefined && started !== seen.started) return true;
  return step === 2 && seen.step === 2 && ended !== undefined && seen.ended !== undefined && ended !== seen.ended;
}

/**
 * The events these answers bring, in order, and the state updated. A job first seen in a
 * later step gives every step it passed through; a rerun gives them again. With `quiet` (the
 * baseline) the state learns the jobs and nothing is sent.
 */
export function derive(state: WatchState, jobs: readonly Job[], quiet = false): JobEvent[] {
  const events: JobEvent[] = [];
  const ordered = [...jobs].sort((a, b) => (modifiedOf(a) ?? 0) - (modifiedOf(b) ?? 0));
  for (const job of ordered) {
    const jobId = readJobId(job);
    const jobStatus = readJobStatus(job);
    if (!jobId || !jobStatus) continue;
    const modified = modifiedOf(job) ?? 0;
    const seen = Object.prototype.hasOwnProperty.call(state.jobs, jobId) ? state.jobs[jobId] : undefined;
    if (seen && modified < seen.modified) continue;
    const step = stepOf(jobStatus);
    const started = dateOf(job, 'startDate', 'StartDate');
    const ended = dateOf(job, 'completedDate', 'CompletedDate');
    const from = seen && !isRerun(seen, step, started, ended) ? seen.step + 1 : 0;
    if (!quiet) for (let s = from; s <= step; s++) events.push({ event: eventOf(s as Step, jobStatus), jobId, jobStatus, job });
    // Defined, not assigned: a job id "__proto__" is a key like any other.
    Object.defineProperty(state.jobs, jobId, {
      value: { step, modified, created: dateOf(job, 'createdDate', 'CreatedDate'), started, ended },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return events;
}

/** The cursor moved to the newest modifiedDate among these answers, kept as the API wrote it. */
export function advance(state: WatchState, jobs: readonly Job[]): void {
  for (const job of jobs) {
    const ms = modifiedOf(job);
    if (ms === undefined) continue;
    if (state.cursor === undefined || ms > Date.parse(state.cursor)) state.cursor = String(readField(job, 'modifiedDate', 'ModifiedDate'));
  }
}

/**
 * Forgets what no poll can read again: ended jobs modified before the overlap window (a
 * later change of theirs is a rerun, which starts from queued anyway), jobs in flight for
 * IN_FLIGHT_MS. In the fallback the window is one of createdDate.
 */
export function prune(state: WatchState, fallback: boolean, oldestRead?: number): void {
  if (state.cursor === undefined) return;
  const cursor = Date.parse(state.cursor);
  const endedBefore = fallback ? Math.max(cursor - FALLBACK_WINDOW_MS, oldestRead ?? -Infinity) : cursor - OVERLAP_MS;
  for (const [id, seen] of Object.entries(state.jobs)) {
    const when = fallback ? (seen.created ?? seen.modified) : seen.modified;
    if ((seen.step === 2 && when < endedBefore) || seen.modified < cursor - IN_FLIGHT_MS) delete state.jobs[id];
  }
}

const and = (...clauses: (string | undefined)[]) => clauses.filter((c) => c).map((c) => `(${c})`).join(' and ') || undefined;
const iso = (ms: number) => new Date(ms).toISOString();

/** The query of a poll: what changed from the overlap window before the cursor on, oldest first. */
export function pollQuery(state: WatchState, filter?: string): JobQuery {
  const since = state.cursor === undefined ? undefined : `modifiedDate ge ${iso(Date.parse(state.cursor) - OVERLAP_MS)}`;
  return { filter: and(filter, since), orderby: 'modifiedDate' };
}

/** The fallback's query: the newest jobs by createdDate within FALLBACK_WINDOW_MS of the newest date known. */
export function fallbackQuery(state: WatchState, filter?: string): JobQuery {
  const since = state.cursor === undefined ? undefined : `createdDate ge ${iso(Date.parse(state.cursor) - FALLBACK_WINDOW_MS)}`;
  return { filter: and(filter, since), orderby: 'createdDate desc' };
}

/** A 400: the API refused the query (here: its modifiedDate filter or order). */
function refused(err: unknown): boolean {
  return isAimsError(err) && err.code === 'API_ERROR' && err.status === 400;
}

export interface WatchOptions {
  /** An OData clause ANDed to every query. */
  filter?: string;
  /** The events to send; the state follows every job whatever is subscribed. */
  events: readonly JobEventName[];
}

export interface PollResult {
  events: JobEvent[];
  /** This poll found the modifiedDate filter refused and read by createdDate instead (say so once). */
  fellBack: boolean;
}

/** One watch of an account's jobs: poll() now and then; `state` is what to save. */
export class JobWatcher {
  /** The API refused the modifiedDate filter: read the newest jobs by createdDate. */
  fallback = false;

  constructor(
    public state: WatchState,
    private readonly options: WatchOptions,
  ) {}

  async poll(client: AimsClient, signal?: AbortSignal): Promise<PollResult> {
    const wasFallback = this.fallback;
    if (!this.fallback) {
      try {
        return { events: await this.pollChanges(client, signal), fellBack: false };
      } catch (err) {
        if (!refused(err)) throw err;
      }
    }
    // A 400 here too: the user's own clause is what the API refuses, not our filter.
    const events = await this.pollFallback(client, signal);
    this.fallback = true;
    return { events, fellBack: !wasFallback };
  }

  private send(events: JobEvent[]): JobEvent[] {
    return events.filter((e) => this.options.events.includes(e.event));
  }

  private async pollChanges(client: AimsClient, signal?: AbortSignal): Promise<JobEvent[]> {
    const state = this.state;
    const filter = this.options.filter;
    if (!state.baselined) {
      // The API's newest date, then what is in flight and the window before it: all known, none sent.
      const newest = await queryJobs(client, { filter, orderby: 'modifiedDate desc', top: 1 }, 1, signal);
      advance(state, newest.jobs);
      const inFlight = await queryJobs(client, { filter: and(filter, "jobStatus ne 'Completed' and jobStatus ne 'Failed'") }, MAX_PAGES, signal);
      const recent = state.cursor === undefined ? [] : (await queryJobs(client, pollQuery(state, filter), MAX_PAGES, signal)).jobs;
      derive(state, [...inFlight.jobs, ...recent], true);
      state.baselined = true;
      prune(state, false);
      return [];
    }
    const read = await queryJobs(client, pollQuery(state, filter), MAX_PAGES, signal);
    const events = derive(state, read.jobs);
    advance(state, read.jobs);
    prune(state, false);
    return this.send(events);
  }

  private async pollFallback(client: AimsClient, signal?: AbortSignal): Promise<JobEvent[]> {
    const state = this.state;
    const read = await queryJobs(client, fallbackQuery(state, this.options.filter), FALLBACK_PAGES, signal);
    const events = derive(state, read.jobs, !state.baselined);
    state.baselined = true;
    advance(state, read.jobs);
    if (state.cursor === undefined) {
      // No modifiedDate at all: the newest createdDate is the API's date to go by.
      const created = read.jobs.map((j) => readField(j, 'createdDate', 'CreatedDate')).filter((d): d is string => typeof d === 'string' && !Number.isNaN(Date.parse(d)));
      created.sort((a, b) => Date.parse(b) - Date.parse(a));
      if (created[0]) state.cursor = created[0];
    }
    const oldest = read.nextLink ? Math.min(...read.jobs.map((j) => dateOf(j, 'createdDate', 'CreatedDate') ?? Infinity)) : undefined;
    prune(state, true, oldest);
    return this.send(events);
  }
}
