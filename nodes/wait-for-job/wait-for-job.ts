import type { Node, NodeAPI, NodeMessage, NodeStatus } from 'node-red';
import { AimsError, toAimsError } from '../lib/errors';
import { Job, readJobId, readJobStatus, readPercent } from '../lib/job';
import { checkJobId } from '../lib/odata';
import type { JobPoller, WaitEnd, WaitHandle, WaitTiming } from '../lib/poller';
import { readBoolean, readNumber } from '../lib/settings';
import { accountOf, failed, handleInput, jobStatus, Msg, readJobIdInput, Send, ServerDef } from '../shared/red';

interface WaitDef extends ServerDef {
  jobId?: string;
  jobIdType?: string;
  interval?: string | number;
  maxInterval?: string | number;
  timeout?: string | number;
  progress?: boolean | string;
  persist?: boolean | string;
}

/** A pending wait as kept in the context store. */
interface StoredWait {
  jobId: string;
  startedAt: number;
  /** 0 = never. */
  deadline: number;
  msg: Record<string, unknown>;
}

interface PendingWait extends StoredWait {
  msg: Msg;
  handle?: WaitHandle;
  lastStatus?: string;
  lastPercent?: number;
  lastJob?: Job;
}

/**
 * Kept in the flow context, not the node's: Node-RED deletes a node's context
 * whenever the node closes unless a context store is configured.
 */
const STORE_PREFIX = 'aims360-wait-for-job-';
/** Messages up to this size (as JSON) are kept whole for a restart; larger ones by their essential fields. */
const MAX_STORED_MSG_BYTES = 64 * 1024;
const STATUS_EVERY_MS = 250;
const SAVE_EVERY_MS = 200;
const OUTPUT: Record<'Completed' | 'Failed' | 'timeout', number> = { Completed: 0, Failed: 1, timeout: 2 };

function storable(msg: Msg): Record<string, unknown> {
  try {
    const json = JSON.stringify(msg);
    if (json !== undefined && Buffer.byteLength(json) <= MAX_STORED_MSG_BYTES) return JSON.parse(json) as Record<string, unknown>;
  } catch {
    // Circular or otherwise not JSON (e.g. an http-in request): keep the essentials.
  }
  return { _msgid: msg._msgid, topic: msg.topic, jobId: msg.jobId };
}

export = (RED: NodeAPI) => {
  function WaitForJobNode(this: Node, def: WaitDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const progress = readBoolean(def.progress, false);
    const persist = readBoolean(def.persist, false);
    const pending = new Set<PendingWait>();
    let statusTimer: NodeJS.Timeout | undefined;
    let saveTimer: NodeJS.Timeout | undefined;
    let closed = false;
    const store = node.context().flow;
    const storeKey = STORE_PREFIX + node.id;

    function timing(): WaitTiming {
      const intervalS = readNumber(def.interval, 5, 'Interval (s)', { min: 0.05 });
      const maxIntervalS = Math.max(intervalS, readNumber(def.maxInterval, 60, 'Max interval (s)', { min: 0.05 }));
      const timeoutS = readNumber(def.timeout, 3600, 'Timeout (s)', { min: 0 });
      return { intervalMs: intervalS * 1000, maxIntervalMs: maxIntervalS * 1000, timeoutMs: timeoutS * 1000 };
    }

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
        if (pending.size === 1) {
          node.status(only.lastJob ? jobStatus(only.lastJob) : { fill: 'blue', shape: 'ring', text: RED._('aims360-wait-for-job.status.waiting') });
        } else {
          node.status({ fill: 'blue', shape: 'dot', text: RED._('aims360-wait-for-job.status.jobs', { count: pending.size }) });
        }
      }, STATUS_EVERY_MS);
    }

    function save(now = false): void {
      if (!persist) return;
      const write = () => {
        saveTimer = undefined;
        const records: StoredWait[] = [...pending].map((p) => ({
          jobId: p.jobId,
          startedAt: p.startedAt,
          deadline: p.deadline,
          msg: storable(p.msg),
        }));
        store.set(storeKey, records.length > 0 ? records : undefined);
      };
      if (now) {
        clearTimeout(saveTimer);
        write();
      } else {
        saveTimer ??= setTimeout(write, SAVE_EVERY_MS);
      }
    }

    /** The output message: the input kept whole, with the latest job. */
    function answer(wait: PendingWait, job: Job | undefined, copy: boolean): Msg {
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

    function sendTo(send: Send, output: number, msg: Msg): void {
      const outputs: (NodeMessage | null)[] = [null, null, null];
      if (progress) outputs.push(null);
      outputs[output] = msg;
      send(outputs);
    }

    /** Starts polling for one wait; settles `finish` once when it ends (not on cancel). */
    function start(wait: PendingWait, poller: JobPoller, send: Send, finish: (err?: AimsError) => void): void {
      const remaining = wait.deadline > 0 ? Math.max(1, wait.deadline - Date.now()) : 0;
      const end = (result: WaitEnd) => {
        pending.delete(wait);
        save();
        if (result.kind === 'error') {
          showStatus(failed(result.error));
          return finish(result.error);
        }
        const status = result.kind === 'finished' ? readJobStatus(result.job) : undefined;
        const output = status === 'Completed' || status === 'Failed' ? OUTPUT[status] : OUTPUT.timeout;
        sendTo(send, output, answer(wait, result.job ?? wait.lastJob, false));
        showStatus(
          result.kind === 'finished'
            ? jobStatus(result.job)
            : { fill: 'yellow', shape: 'ring', text: RED._('aims360-wait-for-job.status.timedOut') },
        );
        finish();
      };
      const update = (job: Job) => {
        wait.lastJob = job;
        const status = String(readJobStatus(job) ?? job.jobStatus);
        const percent = readPercent(job);
        if (status !== wait.lastStatus || percent !== wait.lastPercent) {
          wait.lastStatus = status;
          wait.lastPercent = percent;
          if (progress) sendTo(send, 3, answer(wait, job, true));
          showStatus();
        }
      };
      wait.handle = poller.wait(wait.jobId, { ...timing(), timeoutMs: remaining }, { update, end });
      pending.add(wait);
      save();
      showStatus();
    }

    /** Ends waits without output; their messages complete. */
    function cancel(matches: (wait: PendingWait) => boolean): void {
      for (const wait of [...pending]) {
        if (!matches(wait)) continue;
        wait.handle?.cancel();
        pending.delete(wait);
        cancelled.get(wait)?.();
      }
      save();
      showStatus({});
    }
    const cancelled = new WeakMap<PendingWait, () => void>();

    handleInput(RED, node, def, async ({ msg, send, poller }) => {
      if (msg.reset === true) return cancel(() => true);
      const jobId = await readJobIdInput(RED, node, def, msg);
      if (msg.cancel === true) return cancel((w) => w.jobId === jobId);
      const { timeoutMs } = timing();
      const wait: PendingWait = { jobId, msg, startedAt: Date.now(), deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0 };
      await new Promise<void>((resolve, reject) => {
        cancelled.set(wait, resolve);
        start(wait, poller, send, (err) => (err ? reject(err) : resolve()));
      });
    });

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
          const wait: PendingWait = { jobId: checkJobId(record.jobId), msg, startedAt: Number(record.startedAt) || Date.now(), deadline: Number(record.deadline) || 0 };
          start(wait, poller, send, (err) => err && node.error(err, msg));
        } catch (err) {
          node.error(toAimsError(err), msg);
        }
      }
    }
    if (persist) {
      store.get(storeKey, (err: Error | undefined, records: unknown) => {
        if (err) node.error(new AimsError('BAD_INPUT', `Could not read the kept waits from the context store: ${err.message}`));
        else restore(records);
      });
    } else {
      store.set(storeKey, undefined);
    }

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      clearTimeout(statusTimer);
      if (persist && !removed) save(true);
      else store.set(storeKey, undefined);
      clearTimeout(saveTimer);
      for (const wait of pending) {
        wait.handle?.cancel();
        cancelled.get(wait)?.();
      }
      pending.clear();
      done();
    });
  }

  RED.nodes.registerType('aims360-wait-for-job', WaitForJobNode);
};
