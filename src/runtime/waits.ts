/**
 * The waits of one node on the config node's shared poller: timing, status, cancel,
 * persistence across redeploys and restarts. Wait for job and export data share it;
 * each says what happens when a wait changes or ends.
 */
import type { Node, NodeAPI, NodeMessage, NodeStatus } from 'node-red';
import { AimsError, toAimsError } from '../lib/errors';
import { Job, readJobId, readJobStatus, readPercent } from '../lib/job';
import { checkJobId } from '../lib/job-id';
import type { JobPoller, WaitEnd, WaitHandle, WaitTiming } from '../lib/poller';
import { readBoolean, readSettingOf } from '../lib/read-setting';
import { toNumber } from '../lib/rules';
import { waitSettings } from '../lib/settings';
import { waitRegistry, WaitRecord } from '../lib/wait-registry';
import { nodeStore, NodeStore } from './node-store';
import { accountOf, messageSignal, Msg, Send, ServerDef } from './red';
import { failed, jobStatus, unreachable, waiting, working } from './status';

export interface WaitDef extends ServerDef {
  interval?: string | number;
  maxInterval?: string | number;
  timeout?: string | number;
  persist?: boolean | string;
}

/** A pending wait as kept in the context store. */
interface StoredWait {
  jobId: string;
  startedAt: number;
  /** 0 = never. */
  deadline: number;
  /** The job had ended and its answer was being made (export data's download): resumed without a deadline. */
  ended?: boolean;
  msg: Record<string, unknown>;
}

export interface PendingWait extends StoredWait {
  msg: Msg;
  handle?: WaitHandle;
  lastStatus?: string;
  lastPercent?: number;
  lastJob?: Job;
  /** Its entry in the runtime's list of waits (the sidebar). */
  record?: WaitRecord;
  /** Its last poll failed for a passing reason (an outage). */
  unreachable?: boolean;
  /** The interval (s) the request budget stretched its polls to when its status was last made. */
  budgetS?: number;
  /** Its message as stored, made once: every answer rewrites the whole list. */
  storedMsg?: Record<string, unknown>;
}

/** A wait's end other than a poll error (which the message gets as its error). */
export type WaitOutcome = Exclude<WaitEnd, { kind: 'error' }>;

export interface WaitHooks {
  /** The job's status or percent changed. */
  changed(wait: PendingWait, job: Job, send: Send): void;
  /**
   * The wait ended; a rejection is the message's error. Runs to its end even as the node closes (signal aborts).
   * Its last message goes out once the context store no longer holds the wait (at most once across a crash).
   */
  ended(wait: PendingWait, outcome: WaitOutcome, send: Send, signal: AbortSignal): Promise<void> | void;
}

export interface NodeWaits {
  /** Waits on a job; settles when the wait and its end have run (resolves on cancel). */
  wait(jobId: string, msg: Msg, poller: JobPoller, send: Send): Promise<void>;
  /** Ends matching waits without output; their messages complete. Answers how many ended. */
  cancel(matches: (wait: PendingWait) => boolean): number;
  /** Sets a node status now, unless waits are pending (they show theirs). */
  showStatus(final?: NodeStatus): void;
}

/** Messages up to this size (as JSON) are kept whole for a restart; larger ones by their essential fields. */
const MAX_STORED_MSG_BYTES = 64 * 1024;
const STATUS_EVERY_MS = 250;
const SAVE_EVERY_MS = 200;

function storable(msg: Msg): Record<string, unknown> {
  try {
    const json = JSON.stringify(msg);
    if (json !== undefined && Buffer.byteLength(json) <= MAX_STORED_MSG_BYTES) return JSON.parse(json) as Record<string, unknown>;
  } catch {
    // Circular or otherwise not JSON (e.g. an http-in request): keep the essentials.
  }
  return { _msgid: msg._msgid, topic: msg.topic, jobId: msg.jobId };
}

/** A message about a wait: the input (a copy when asked), with the latest job, msg.jobId, msg.jobStatus, msg.waitedMs. */
export function waitAnswer(RED: NodeAPI, wait: PendingWait, job: Job | undefined, copy: boolean): Msg {
  const msg = copy ? (RED.util.cloneMessage(wait.msg) as Msg) : wait.msg;
  if (job) {
    msg.payload = job;
    msg.jobId = readJobId(job) ?? wait.jobId;
    msg.jobStatus = readJobStatus(job) ?? job.jobStatus;
  } else {
    msg.jobId = wait.jobId;
  }
  msg.waitedMs = Date.now() - wait.startedAt;
  return msg;
}

const TIMING = { settings: waitSettings() };

/** The node's interval, max interval and timeout, read when a wait starts (they may be bad: BAD_INPUT). */
export function waitTiming(def: WaitDef): WaitTiming {
  // By the spec's rules, as the deploy check: a max below the interval is refused here too.
  const read = (name: 'interval' | 'maxInterval' | 'timeout') => toNumber(readSettingOf(TIMING, name, (prop) => def[prop as keyof WaitDef]));
  const intervalS = read('interval');
  const maxIntervalS = read('maxInterval');
  const timeoutS = read('timeout');
  return { intervalMs: intervalS * 1000, maxIntervalMs: maxIntervalS * 1000, timeoutMs: timeoutS * 1000 };
}

/**
 * Sets up the waits of a node: call once in its constructor. `type` names the node type
 * (its status texts "<type>.status.waiting" and ".jobs", and its key in the context store).
 */
export function nodeWaits(RED: NodeAPI, node: Node, def: WaitDef, type: string, hooks: WaitHooks): NodeWaits {
  const persist = readBoolean(def.persist, false);
  /** Waits being polled. */
  const pending = new Set<PendingWait>();
  /** Pending waits per job id: the status counts jobs without going over every wait. */
  const jobCounts = new Map<string, number>();
  /** Waits whose job ended and whose answer is being made (a download): still kept in the store. */
  const delivering = new Set<PendingWait>();
  const cancelled = new WeakMap<PendingWait, () => void>();
  const ending = new Set<Promise<void>>();
  const closing = new AbortController();
  /** Answers held until the store has written that their waits are gone. */
  let releases: (() => void)[] = [];
  let releaseTimer: NodeJS.Immediate | undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  let saveTimer: NodeJS.Timeout | undefined;
  /** Pending waits whose last poll failed for a passing reason. */
  let offline = 0;
  let closed = false;
  // The node's own state (node-store.ts), no longer the user's flow context.
  const store = nodeStore<StoredWait[]>(node, 'aims360-waits');
  // The sidebar's cancel button acts as msg.cancel on this node.
  const owner = waitRegistry.addOwner({
    id: node.id,
    name: def.name ?? '',
    type,
    server: def.server ?? '',
    cancel: (jobId) => cancel((w) => w.jobId === jobId),
  });

  function showStatus(final?: NodeStatus): void {
    if (final) {
      clearTimeout(statusTimer);
      statusTimer = undefined;
      if (pending.size === 0) return node.status(final);
    }
    statusTimer ??= setTimeout(() => {
      statusTimer = undefined;
      if (pending.size === 0) return;
      const [only] = pending;
      // Messages that share one job (export data's overlap, a job waited on twice) count once.
      const jobs = jobCounts.size;
      if (offline > 0) {
        node.status(unreachable(`${type}.status.unreachable`));
      } else if (only.budgetS !== undefined) {
        node.status(waiting(RED._('aims360.status.budget', { seconds: only.budgetS })));
      } else if (jobs === 1) {
        node.status(only.lastJob ? jobStatus(only.lastJob) : waiting(`${type}.status.waiting`));
      } else {
        node.status(working(RED._(`${type}.status.jobs`, { count: jobs })));
      }
    }, STATUS_EVERY_MS);
  }

  function addPending(wait: PendingWait): void {
    pending.add(wait);
    jobCounts.set(wait.jobId, (jobCounts.get(wait.jobId) ?? 0) + 1);
  }

  function removePending(wait: PendingWait): void {
    if (!pending.delete(wait)) return;
    const left = (jobCounts.get(wait.jobId) ?? 1) - 1;
    if (left > 0) jobCounts.set(wait.jobId, left);
    else jobCounts.delete(wait.jobId);
  }

  /** Marks a wait reachable again; true when it had been unreachable. */
  function reached(wait: PendingWait): boolean {
    if (!wait.unreachable) return false;
    wait.unreachable = false;
    offline -= 1;
    return true;
  }

  /** What the store is to hold now: every wait not yet answered. */
  function kept(): StoredWait[] | undefined {
    const records: StoredWait[] = [...pending, ...delivering].map((p) => ({
      jobId: p.jobId,
      startedAt: p.startedAt,
      deadline: p.deadline,
      ...(p.ended ? { ended: true } : {}),
      msg: (p.storedMsg ??= storable(p.msg)),
    }));
    return records.length > 0 ? records : undefined;
  }

  /** Writes the waits to the store; `after` runs once the store took them (a store with a cache writes to disk later). */
  function write(records: StoredWait[] | undefined, after?: () => void): void {
    clearTimeout(saveTimer);
    saveTimer = undefined;
    store.set(records).then(
      () => after?.(),
      (err: unknown) => {
        node.warn(`The kept waits could not be written to the context store (${err instanceof Error ? err.message : String(err)}): after a restart, answered ones may be answered again.`);
        after?.();
      },
    );
  }

  function save(): void {
    if (!persist || closed) return;
    saveTimer ??= setTimeout(() => write(kept()), SAVE_EVERY_MS);
  }

  /**
   * Runs `emit` (a wait's answer) once the store no longer holds the wait, so that a
   * crash cannot bring back a wait that has answered: at most once, as far as the store
   * has written. Waits answered in one tick share one write.
   */
  function release(wait: PendingWait, emit: () => void): void {
    delivering.delete(wait);
    if (!persist || closed) return emit();
    releases.push(emit);
    releaseTimer ??= setImmediate(() => {
      releaseTimer = undefined;
      const emits = releases;
      releases = [];
      write(kept(), () => emits.forEach((e) => e()));
    });
  }

  /** Starts polling for one wait; settles `finish` once when it ends (not on cancel). */
  function start(wait: PendingWait, poller: JobPoller, send: Send, finish: (err?: AimsError) => void): void {
    const remaining = wait.deadline > 0 ? Math.max(1, wait.deadline - Date.now()) : 0;
    const end = (result: WaitEnd) => {
      removePending(wait);
      reached(wait);
      waitRegistry.remove(wait.record);
      if (result.kind === 'error') {
        return release(wait, () => {
          showStatus(failed(result.error));
          finish(result.error);
        });
      }
      // Kept in the store until its answer has gone out: a redeploy or restart meanwhile makes it again.
      wait.ended = result.kind === 'finished';
      delivering.add(wait);
      save();
      // The hook's messages go out one behind, so that its last one can wait for the store.
      let held: Parameters<Send>[0] | undefined;
      const answer: Send = (msg) => {
        if (held !== undefined) send(held);
        held = msg;
      };
      const sendHeld = () => {
        if (held !== undefined) send(held);
        held = undefined;
      };
      const task = (async () => hooks.ended(wait, result, answer, messageSignal(closing.signal)))().then(
        () => {
          // Done after the node closed, which kept the wait: its answer is made again after the restart.
          if (closing.signal.aborted) return finish();
          release(wait, () => {
            sendHeld();
            finish();
          });
        },
        (err: unknown) => {
          // Aborted by the node closing: the wait stays in the store, and its answer is made again after the restart.
          if (closing.signal.aborted) return finish();
          const error = toAimsError(err);
          release(wait, () => {
            sendHeld();
            showStatus(failed(error));
            finish(error);
          });
        },
      );
      ending.add(task);
      void task.finally(() => ending.delete(task));
    };
    const update = (job: Job) => {
      wait.lastJob = job;
      const status = String(readJobStatus(job) ?? job.jobStatus);
      const percent = readPercent(job);
      waitRegistry.update(wait.record, status, percent ?? null);
      const back = reached(wait);
      const stretched = wait.handle?.budgetIntervalMs();
      // Stretched below a second, the job's own status says more.
      const budgetS = stretched === undefined || stretched < 1000 ? undefined : Math.round(stretched / 1000);
      const budgetChanged = budgetS !== wait.budgetS;
      wait.budgetS = budgetS;
      if (status !== wait.lastStatus || percent !== wait.lastPercent) {
        wait.lastStatus = status;
        wait.lastPercent = percent;
        hooks.changed(wait, job, send);
        showStatus();
      } else if (back || budgetChanged) {
        showStatus();
      }
    };
    const lost = () => {
      if (wait.unreachable) return;
      wait.unreachable = true;
      offline += 1;
      showStatus();
    };
    wait.handle = poller.wait(wait.jobId, { ...waitTiming(def), timeoutMs: remaining }, { update, end, unreachable: lost });
    wait.record = waitRegistry.add(owner, wait.jobId, wait.startedAt, wait.handle);
    addPending(wait);
    save();
    showStatus();
  }

  function cancel(matches: (wait: PendingWait) => boolean): number {
    let count = 0;
    for (const wait of [...pending]) {
      if (!matches(wait)) continue;
      wait.handle?.cancel();
      removePending(wait);
      reached(wait);
      waitRegistry.remove(wait.record);
      cancelled.get(wait)?.();
      count++;
    }
    save();
    showStatus({});
    return count;
  }

  function wait(jobId: string, msg: Msg, poller: JobPoller, send: Send): Promise<void> {
    const { timeoutMs } = waitTiming(def);
    const entry: PendingWait = { jobId, msg, startedAt: Date.now(), deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0 };
    return new Promise<void>((resolve, reject) => {
      cancelled.set(entry, resolve);
      start(entry, poller, send, (err) => (err ? reject(err) : resolve()));
    });
  }

  // Waits kept by an earlier instance of this node (redeploy or restart) resume here.
  function restore(records: unknown): void {
    if (closed || !Array.isArray(records)) return;
    let poller: JobPoller;
    try {
      poller = accountOf(RED, def.server).poller;
    } catch (err) {
      node.error(toAimsError(err));
      return;
    }
    const send = (msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[]) => node.send(msg);
    for (const record of records as StoredWait[]) {
      const msg = (record?.msg ?? {}) as Msg;
      try {
        // A job that had ended is asked about once more for its answer, whatever its deadline.
        const ended = record.ended === true;
        const entry: PendingWait = {
          jobId: checkJobId(record.jobId),
          msg,
          startedAt: Number(record.startedAt) || Date.now(),
          deadline: ended ? 0 : Number(record.deadline) || 0,
          ended,
        };
        start(entry, poller, send, (err) => err && node.error(err, msg));
      } catch (err) {
        node.error(toAimsError(err), msg);
      }
    }
  }
  // Without persist it only clears what an earlier instance kept.
  keptWaits(node, type, store, persist).then(restore, (err: unknown) => {
    node.error(AimsError.of('BAD_INPUT', 'aims360.errors.waits.unreadable', { reason: err instanceof Error ? err.message : String(err) }));
  });

  node.on('close', (removed: boolean, done: () => void) => {
    closing.abort();
    clearTimeout(statusTimer);
    clearImmediate(releaseTimer);
    const emits = releases;
    releases = [];
    // Waits being answered (a download) are kept with the pending ones: the answer is made again after the restart.
    if (persist && !removed) write(kept(), () => emits.forEach((e) => e()));
    else write(undefined, () => emits.forEach((e) => e()));
    closed = true;
    waitRegistry.removeOwner(owner);
    for (const entry of pending) {
      entry.handle?.cancel();
      waitRegistry.remove(entry.record);
      cancelled.get(entry)?.();
    }
    pending.clear();
    jobCounts.clear();
    offline = 0;
    // An end still running (a download) is aborted; wait until its partial file is gone.
    Promise.allSettled([...ending]).then(() => done());
  });

  return { wait, cancel, showStatus };
}

/**
 * The waits an earlier instance of the node kept: in its node store, or (kept by a version
 * before node-store.ts) under `<type>-<id>` in the flow context, which is moved over once and
 * deleted there. Without persist both are cleared.
 */
async function keptWaits(node: Node, type: string, store: NodeStore<StoredWait[]>, persist: boolean): Promise<unknown> {
  const flow = node.context().flow as unknown as { get(key: string, cb: (err: Error | undefined, v: unknown) => void): void; set(key: string, v: unknown, cb: (err?: Error) => void): void };
  const oldKey = `${type}-${node.id}`;
  const old = await new Promise<unknown>((resolve, reject) => flow.get(oldKey, (err, v) => (err ? reject(err) : resolve(v))));
  let records = persist ? await store.get() : undefined;
  if (persist && records === undefined && Array.isArray(old)) {
    records = old as StoredWait[];
    await store.set(records as StoredWait[]);
  }
  if (!persist) await store.set(undefined);
  if (old !== undefined) await new Promise<void>((resolve, reject) => flow.set(oldKey, undefined, (err) => (err ? reject(err) : resolve())));
  return records;
}
