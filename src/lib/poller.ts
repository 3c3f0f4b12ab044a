import type { AimsClient } from './client';
import { AimsError, toAimsError } from './errors';
import { isFinished, Job, readJobId, readJobStatus, readPercent } from './job';
import { checkJobId } from './job-id';
import { jobNotFound, JOBS_PATH, noJobList } from './jobs-endpoint';
import { buildQueryString, jobIdFilter, odataString } from './odata';

/** How one wait polls: seconds are the node's business, milliseconds are ours. */
export interface WaitTiming {
  /** Delay before the first re-poll. */
  intervalMs: number;
  /** The delay grows toward this. */
  maxIntervalMs: number;
  /** Give up after this long; 0 = never. */
  timeoutMs: number;
}

export type WaitEnd =
  | { kind: 'finished'; job: Job }
  | { kind: 'timeout'; job?: Job }
  | { kind: 'error'; error: AimsError };

export interface WaitListener {
  /** Every answer the API gives for the job, the one that finishes it included (before end). */
  update(job: Job): void;
  /** Called once, when the wait ends for good (never after cancel()). */
  end(result: WaitEnd): void;
  /** A poll failed for a passing reason (an outage): the wait goes on, polled again later. */
  unreachable?(error: AimsError): void;
}

export interface WaitHandle {
  cancel(): void;
  /** When the job is polled next (ms since the epoch); undefined once the wait ended. */
  nextPollAt(): number | undefined;
  /** The interval the account's request budget stretched this job's polls to (ms); undefined when it does not. */
  budgetIntervalMs(): number | undefined;
}

export interface PollerOptions {
  /** Encoded $filter characters per request; IIS refuses query strings over 2048 by default. */
  maxFilterLength?: number;
  /** Ids per request, at most the API's page size. */
  maxIdsPerRequest?: number;
  /** Requests in flight at once for this account. */
  concurrency?: number;
}

interface Wait {
  listener: WaitListener;
  timing: WaitTiming;
  deadline: number;
}

/** One job id being polled, shared by every wait on it. */
interface Entry {
  id: string;
  waits: Set<Wait>;
  nextPollAt: number;
  delayMs: number;
  lastJob?: Job;
  inFlight: boolean;
  /** The next poll reads the whole job: a $select answer said it ended, or did not list it. */
  needsFull: boolean;
  /** Its share of a request's filter (encoded characters), counted once. */
  clauseLength: number;
  /** The first percentCompleted seen between 0 and 100, and when (our clock): the job's pace. */
  progress?: { at: number; percent: number };
  /** Its next poll is timed to the end its progress points to: no request fills up with it before. */
  timedToEnd?: boolean;
}

// What a poll asks for while a job runs; the whole job is read once, when it has ended.
const POLL_FIELDS = 'jobID,jobStatus,percentCompleted';
const GATHER_MS = 20;
const GROWTH = 1.5;
const JITTER = 0.2;
// Polls due this soon are sent with the current round, so schedules fall into step.
const EARLY_SHARE = 0.25;
const EARLY_MAX_MS = 1000;
// A running job fills a whole-job read's request at most half its interval early: one just polled is not asked again.
const FILL_SHARE = 0.5;
// Intervals stretch so that polls need this share of the request budget: the rest is room for
// one-off requests, and for the polls that jitter and part-filled requests bunch together.
const BUDGET_SHARE = 0.8;
const TRANSIENT: ReadonlySet<string> = new Set(['NETWORK', 'TIMEOUT', 'RATE_LIMITED']);

/** A failure that passes (an outage, a busy server): waits go on. Any other one lasts, and ends them. */
export function isTransient(err: AimsError): boolean {
  return TRANSIENT.has(err.code) || (err.code === 'API_ERROR' && (err.status ?? 0) >= 500);
}

function jitter(ms: number): number {
  return ms * (1 - JITTER + Math.random() * 2 * JITTER);
}

/**
 * The shared poll scheduler of one account (config node). Every round it sends
 * the due job ids together, as many per request as fit, and hands each answer to
 * the waits on that id. One timer, whatever the number of waits.
 */
export class JobPoller {
  /** Set once the API refused a combined filter: one id per request from then on. */
  singleIdMode = false;
  /** Cleared once the API refused $select: whole jobs in every answer from then on. */
  selectFields = true;
  private readonly entries = new Map<string, Entry>();
  private readonly options: Required<PollerOptions>;
  // Its requests (at most `concurrency` at once) listen on the client's own signals, never on this one.
  private readonly closing = new AbortController();
  private timer?: NodeJS.Timeout;
  private wakeAt = Infinity;
  /** No wait times out before this (it may be earlier than any left: expireWaits() finds out). */
  private nextDeadline = Infinity;
  private roundRunning = false;
  private pausedUntil = 0;
  /** A combined filter without $select was refused: the API does not take 'or'. */
  private orRefused = false;
  /** How much the request budget stretches every interval (1: not at all), as of the last round. */
  private stretch = 1;

  constructor(
    private readonly client: AimsClient,
    options: PollerOptions = {},
  ) {
    this.options = { maxFilterLength: 1800, maxIdsPerRequest: 100, concurrency: 4, ...options };
    client.onRetryAfter = (until) => this.pauseUntil(until);
  }

  /** Number of distinct job ids being polled. */
  get size(): number {
    return this.entries.size;
  }

  wait(jobId: string, timing: WaitTiming, listener: WaitListener): WaitHandle {
    const id = checkJobId(jobId);
    const now = Date.now();
    const wait: Wait = { listener, timing, deadline: timing.timeoutMs > 0 ? now + timing.timeoutMs : Infinity };
    let entry = this.entries.get(id);
    if (!entry) {
      // First look soon (gathered with other new waits), re-polls every interval after.
      const clauseLength = encodeURIComponent(`jobId eq ${odataString(id)} or `).length;
      entry = { id, waits: new Set(), nextPollAt: now + GATHER_MS, delayMs: timing.intervalMs, inFlight: false, needsFull: false, clauseLength };
      this.entries.set(id, entry);
    } else {
      entry.delayMs = Math.min(entry.delayMs, timing.intervalMs);
    }
    entry.waits.add(wait);
    this.nextDeadline = Math.min(this.nextDeadline, wait.deadline);
    this.wakeBy(Math.min(entry.nextPollAt, wait.deadline));
    return new PollerWaitHandle(this, entry, wait);
  }

  /** Ends one wait without telling it (its handle's cancel); false when it had ended. */
  forget(entry: Entry, wait: Wait): boolean {
    if (!entry.waits.delete(wait)) return false;
    if (entry.waits.size === 0 && this.isLive(entry)) this.entries.delete(entry.id);
    return true;
  }

  /** When a wait's job is polled next, or undefined once the wait ended. */
  nextPollOf(entry: Entry, wait: Wait): number | undefined {
    return entry.waits.has(wait) ? Math.max(entry.nextPollAt, this.pausedUntil) : undefined;
  }

  /** The stretched interval of a wait's job while the request budget stretches polls. */
  budgetIntervalOf(entry: Entry, wait: Wait): number | undefined {
    return entry.waits.has(wait) && this.stretch > 1 ? entry.delayMs * this.stretch : undefined;
  }

  /** Pushes the whole account's next round back, e.g. after a 429 with Retry-After. */
  pauseUntil(time: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, time);
  }

  close(): void {
    this.closing.abort();
    this.nextDeadline = Infinity;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.entries.clear();
  }

  /**
   * A new wait can only bring the next round forward: when the timer already wakes by
   * `time`, there is nothing to do (a full schedule() per wait made adding n waits O(n²)).
   */
  private wakeBy(time: number): void {
    if (this.timer && this.wakeAt <= Math.max(time, this.pausedUntil)) return;
    this.schedule();
  }

  private schedule(): void {
    if (this.closing.signal.aborted || this.roundRunning) return;
    let next = this.nextDeadline;
    for (const entry of this.entries.values()) next = Math.min(next, entry.nextPollAt);
    if (next === Infinity) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.wakeAt = Infinity;
      return;
    }
    next = Math.max(next, this.pausedUntil);
    if (this.timer && this.wakeAt <= next) return;
    clearTimeout(this.timer);
    this.wakeAt = next;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wakeAt = Infinity;
      void this.round();
    }, Math.max(0, next - Date.now()));
  }

  private async round(): Promise<void> {
    this.roundRunning = true;
    try {
      this.expireWaits();
      const now = Date.now();
      if (now >= this.pausedUntil) {
        this.stretch = this.budgetStretch();
        const due: Entry[] = [];
        for (const e of this.entries.values()) if (!e.inFlight && e.nextPollAt <= now + this.earlyMs(e)) due.push(e);
        await this.pollAll(due);
      }
    } finally {
      this.roundRunning = false;
      this.schedule();
    }
  }

  /**
   * How early a poll may go to join a round: a quarter of its (stretched) interval, at most a second.
   */
  private earlyMs(entry: Entry): number {
    return Math.min(EARLY_MAX_MS, entry.delayMs * this.stretch * EARLY_SHARE);
  }

  /** Ends the waits whose timeout has come; a round without one goes over none (10,000 waits, one round a second). */
  private expireWaits(): void {
    const now = Date.now();
    if (now < this.nextDeadline) return;
    const expired: [Entry, Wait][] = [];
    let nextDeadline = Infinity;
    for (const entry of this.entries.values()) {
      for (const wait of entry.waits) {
        if (wait.deadline <= now) expired.push([entry, wait]);
        else nextDeadline = Math.min(nextDeadline, wait.deadline);
      }
    }
    this.nextDeadline = nextDeadline;
    for (const [entry, wait] of expired) this.endWait(entry, wait, { kind: 'timeout', job: entry.lastJob });
  }

  /**
   * How much every interval must stretch for the polls to fit in their share of the request
   * budget: the requests per second all jobs need at their own intervals, over that share.
   */
  private budgetStretch(): number {
    const allowed = this.client.budget.rate * BUDGET_SHARE;
    if (!Number.isFinite(allowed) || this.entries.size === 0) return 1;
    let pollsPerSecond = 0;
    let clauses = 0;
    for (const entry of this.entries.values()) {
      pollsPerSecond += 1000 / entry.delayMs;
      clauses += entry.clauseLength;
    }
    const n = this.entries.size;
    const idsPerRequest = Math.max(1, Math.min(this.maxIdsPerRequest, Math.floor(this.options.maxFilterLength / (clauses / n))));
    // A few jobs fill no request: one request per job, when each has a request of its own.
    const requestsPerPoll = Math.ceil(n / idsPerRequest) / n;
    return Math.max(1, (pollsPerSecond * requestsPerPoll) / allowed);
  }

  /**
   * The due batches, at most one second of the budget per round: the others stay due for the
   * next round (polls wait here, not in the budget's queue, where one-off requests pass them).
   */
  private async pollAll(due: Entry[]): Promise<void> {
    const perRound = Math.max(1, Math.floor(this.client.budget.rate));
    if (due.length > perRound) {
      // Whole-job reads, then the longest due: a job left for the next round does not wait behind the ones polled since.
      due.sort((a, b) => Number(b.needsFull) - Number(a.needsFull) || a.nextPollAt - b.nextPollAt);
      // No more than the round's requests can hold is grouped (10,000 due jobs, 10 requests a round).
      const most = perRound * this.maxIdsPerRequest;
      if (due.length > most) due.length = most;
    }
    const batches = this.batches(due).slice(0, perRound);
    this.fillWholeReads(batches);
    let nextBatch = 0;
    const worker = async () => {
      while (nextBatch < batches.length && !this.closing.signal.aborted) {
        await this.poll(batches[nextBatch++]);
        // A turn of the event loop after each answer: answers arriving together are handled one
        // per turn, with the flows' own work (an http-in request) in between.
        await this.nextTurn();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, batches.length) }, worker));
  }

  /** A turn of the event loop: a timer, which a fake clock keeps in step; close() ends it at once. */
  private nextTurn(): Promise<void> {
    const signal = this.closing.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, 0);
      signal.addEventListener('abort', done);
    });
  }

  /**
   * Groups ids so that each request's filter stays under the URL bound. Whole-job reads come
   * first: the one request where they end fills up with $select polls, read whole too, rather
   * than going out part-empty.
   */
  private batches(due: Entry[]): Entry[][] {
    const ordered = [...due.filter((e) => e.needsFull), ...due.filter((e) => !e.needsFull)];
    const batches: Entry[][] = [];
    let batch: Entry[] = [];
    let length = 0;
    for (const entry of ordered) {
      if (batch.length > 0 && !this.fits(batch, length, entry)) {
        batches.push(batch);
        batch = [];
        length = 0;
      }
      batch.push(entry);
      length += entry.clauseLength;
    }
    if (batch.length > 0) batches.push(batch);
    return batches;
  }

  /**
   * A whole-job read goes out at once, in a request of its own when no poll is due: that request
   * fills up with the running jobs due soonest (within half their interval), read whole too,
   * whose next polls then go out later. The ended job costs a request's room, not a request.
   */
  private fillWholeReads(batches: Entry[][]): void {
    const last = batches.at(-1);
    if (!last?.[0].needsFull || last.length >= this.maxIdsPerRequest) return;
    let length = last.reduce((sum, e) => sum + e.clauseLength, 0);
    const sent = new Set(batches.flat());
    const now = Date.now();
    const soonest = [...this.entries.values()]
      .filter((e) => !e.inFlight && !sent.has(e) && !e.timedToEnd && e.nextPollAt - now <= e.delayMs * this.stretch * FILL_SHARE)
      .sort((a, b) => a.nextPollAt - b.nextPollAt);
    for (const entry of soonest) {
      if (!this.fits(last, length, entry)) break;
      last.push(entry);
      length += entry.clauseLength;
    }
  }

  /** The ids a request may hold: one each once AIMS360 refused a filter with `or`. */
  private get maxIdsPerRequest(): number {
    return this.singleIdMode ? 1 : this.options.maxIdsPerRequest;
  }

  /** Whether `entry` fits in a request that holds `batch`, whose filter clauses are `length` long. */
  private fits(batch: Entry[], length: number, entry: Entry): boolean {
    return batch.length < this.maxIdsPerRequest && length + entry.clauseLength <= this.options.maxFilterLength;
  }

  private async poll(batch: Entry[]): Promise<void> {
    batch.forEach((e) => (e.inFlight = true));
    const filter = jobIdFilter(batch.map((e) => e.id));
    // Whole-job reads come first in a batch (batches()).
    const select = this.selectFields && !batch[0].needsFull;
    try {
      const response = await this.client.requestJson(JOBS_PATH, {
        query: buildQueryString({ filter, select: select ? POLL_FIELDS : undefined }),
        signal: this.closing.signal,
        background: true,
      });
      const value = (response.body as { value?: unknown } | null)?.value;
      if (!Array.isArray(value)) throw noJobList();
      const byId = new Map<string, Job>();
      for (const job of value as Job[]) {
        const id = job && typeof job === 'object' ? readJobId(job) : undefined;
        if (id) byId.set(id.toLowerCase(), job);
      }
      for (const entry of batch) this.answer(entry, byId.get(entry.id.toLowerCase()), select);
    } catch (err) {
      if (this.closing.signal.aborted) return;
      this.failed(batch, toAimsError(err), select);
    } finally {
      batch.forEach((e) => (e.inFlight = false));
    }
  }

  private answer(entry: Entry, job: Job | undefined, selected: boolean): void {
    if (!this.isLive(entry)) return;
    if (selected && (!job || isFinished(readJobStatus(job)))) {
      // Waits end with the whole job, and only a whole answer proves a job missing: read it again
      // with the round that follows this one at once.
      entry.needsFull = true;
      this.pollNow(entry);
      return;
    }
    entry.needsFull = false;
    if (!job) {
      const error = jobNotFound(entry.id);
      for (const wait of [...entry.waits]) this.endWait(entry, wait, { kind: 'error', error });
      return;
    }
    entry.lastJob = job;
    for (const wait of [...entry.waits]) wait.listener.update(job);
    if (isFinished(readJobStatus(job))) {
      for (const wait of [...entry.waits]) this.endWait(entry, wait, { kind: 'finished', job });
      return;
    }
    this.reschedule(entry, job);
  }

  private failed(batch: Entry[], error: AimsError, selected: boolean): void {
    // Judged by what this request sent: another batch of the same round may have changed the mode already.
    if (error.code === 'API_ERROR' && error.status === 400 && (selected || batch.length > 1)) {
      if (batch.length > 1) {
        // The API refused the combined filter (or $select: a one-id request tells): one id per request.
        this.singleIdMode = true;
        this.orRefused ||= !selected;
      } else {
        // $select refused on its own: whole jobs from now on, and the combined filter gets another chance.
        this.selectFields = false;
        this.singleIdMode = this.orRefused;
      }
      batch.forEach((e) => this.pollNow(e));
      return;
    }
    if (error.code === 'RATE_LIMITED') this.pauseUntil(Date.now() + this.client.retryPolicy.maxDelayMs);
    for (const entry of batch) {
      if (!this.isLive(entry)) continue;
      if (!isTransient(error)) {
        for (const wait of [...entry.waits]) this.endWait(entry, wait, { kind: 'error', error });
        continue;
      }
      // An outage ends no wait, however long: each is polled again with backoff until its own timeout.
      for (const wait of [...entry.waits]) wait.listener.unreachable?.(error);
      this.reschedule(entry);
    }
  }

  private isLive(entry: Entry): boolean {
    return this.entries.get(entry.id) === entry;
  }

  private pollNow(entry: Entry): void {
    entry.nextPollAt = Date.now();
    entry.timedToEnd = false;
  }

  /**
   * The next poll: after the job's interval, or just after the end its progress points to when
   * that comes first. Timed a quarter interval (at most a second) after that end, the poll joins
   * the first round from the end on, as any poll joins a round up to that much early.
   */
  private reschedule(entry: Entry, job?: Job): void {
    const now = Date.now();
    const early = this.earlyMs(entry);
    let max = 0;
    for (const wait of entry.waits) max = Math.max(max, wait.timing.maxIntervalMs);
    entry.nextPollAt = now + jitter(entry.delayMs * this.stretch);
    entry.timedToEnd = false;
    const end = job && this.expectedEnd(entry, job, now);
    // Never sooner than a quarter interval: a job stuck at 99 % is not asked about in a loop.
    const atEnd = end === undefined ? Infinity : Math.max(end, now + early) + early;
    if (atEnd < entry.nextPollAt) {
      entry.nextPollAt = atEnd;
      entry.timedToEnd = true;
    }
    entry.delayMs = Math.min(Math.max(max, entry.delayMs), entry.delayMs * GROWTH);
  }

  /**
   * When the job should end at the pace its percentCompleted has moved since it was first seen
   * between 0 and 100 (our clock, so AIMS360's own clock does not matter). None while the
   * request budget stretches polls: an early poll would add to what the budget holds back.
   */
  private expectedEnd(entry: Entry, job: Job, now: number): number | undefined {
    const percent = readPercent(job);
    if (percent === undefined || percent <= 0 || percent >= 100 || this.stretch > 1) return undefined;
    const first = entry.progress;
    // A percent that went back (a rerun) starts the pace again.
    if (!first || percent < first.percent) {
      entry.progress = { at: now, percent };
      return undefined;
    }
    if (percent === first.percent || now <= first.at) return undefined;
    const perMs = (percent - first.percent) / (now - first.at);
    return now + (100 - percent) / perMs;
  }

  private endWait(entry: Entry, wait: Wait, result: WaitEnd): void {
    if (this.forget(entry, wait)) wait.listener.end(result);
  }
}

/** A class, not two closures: ten thousand held waits each keep one. */
class PollerWaitHandle implements WaitHandle {
  constructor(
    private readonly poller: JobPoller,
    private readonly entry: Entry,
    private readonly wait: Wait,
  ) {}

  cancel(): void {
    this.poller.forget(this.entry, this.wait);
  }

  nextPollAt(): number | undefined {
    return this.poller.nextPollOf(this.entry, this.wait);
  }

  budgetIntervalMs(): number | undefined {
    return this.poller.budgetIntervalOf(this.entry, this.wait);
  }
}
