/**
 * Every wait in flight in this runtime (wait for job and export data nodes), for the
 * editor's AIMS360 sidebar. No Node-RED in here: nodes register, the sidebar reads.
 * A wait keeps only a few fields here (never the job or the message), so that
 * 10,000 waits cost little; node name, type and server are kept once per node.
 */
import { perRuntime } from './per-runtime';

/** A node that holds waits. */
export interface WaitOwner {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly server: string;
  /** Ends that node's waits on this job id, as msg.cancel does; answers how many ended. */
  cancel(jobId: string): number;
}

/** Anything that knows when its job is polled next (the poller's wait handle). */
export interface NextPoll {
  nextPollAt(): number | undefined;
}

export interface WaitRecord {
  readonly owner: WaitOwner;
  readonly jobId: string;
  readonly startedAt: number;
  /** null until the first poll answer. */
  status: string | null;
  percent: number | null;
  poll?: NextPoll;
}

/** A wait as the admin API and the comms channel show it. */
export interface WaitView {
  node: string;
  nodeName: string;
  nodeType: string;
  server: string;
  jobId: string;
  status: string | null;
  percent: number | null;
  startedAt: number;
  waitedMs: number;
  nextPollAt: number | null;
}

export class WaitRegistry {
  private readonly waits = new Set<WaitRecord>();
  private readonly owners = new Map<string, WaitOwner>();
  private readonly listeners = new Set<() => void>();

  get size(): number {
    return this.waits.size;
  }

  addOwner(owner: WaitOwner): WaitOwner {
    this.owners.set(owner.id, owner);
    return owner;
  }

  /** Only the owner registered under its id: a redeployed node may already have replaced it. */
  removeOwner(owner: WaitOwner): void {
    if (this.owners.get(owner.id) === owner) this.owners.delete(owner.id);
  }

  add(owner: WaitOwner, jobId: string, startedAt: number, poll?: NextPoll): WaitRecord {
    const record: WaitRecord = { owner, jobId, startedAt, status: null, percent: null, poll };
    this.waits.add(record);
    this.changed();
    return record;
  }

  /** A poll answer: a change even when status and percent stay, as the next poll time moved. */
  update(record: WaitRecord | undefined, status: string | null, percent: number | null): void {
    if (!record || !this.waits.has(record)) return;
    record.status = status;
    record.percent = percent;
    this.changed();
  }

  remove(record: WaitRecord | undefined): void {
    if (record && this.waits.delete(record)) this.changed();
  }

  /**
   * Ends a node's waits on a job id; undefined when no such node holds waits here.
   * Answers how many ended (0: the node exists but does not wait on that job).
   */
  cancel(nodeId: string, jobId: string): number | undefined {
    const owner = this.owners.get(nodeId);
    return owner ? owner.cancel(jobId) : undefined;
  }

  /** The waits, longest waiting first (a stable order, so rows do not jump), at most `limit`. */
  list(limit = Infinity, now = Date.now()): WaitView[] {
    const sorted = [...this.waits].sort((a, b) => a.startedAt - b.startedAt || (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
    return sorted.slice(0, limit).map((w) => ({
      node: w.owner.id,
      nodeName: w.owner.name,
      nodeType: w.owner.type,
      server: w.owner.server,
      jobId: w.jobId,
      status: w.status,
      percent: w.percent,
      startedAt: w.startedAt,
      waitedMs: Math.max(0, now - w.startedAt),
      nextPollAt: w.poll?.nextPollAt() ?? null,
    }));
  }

  /** Called (synchronously, so keep it cheap) on every change; answers an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/** The one registry of this runtime, shared by the nodes and the sidebar plugin (of any module copy). */
export const waitRegistry: WaitRegistry = perRuntime('wait-registry', () => new WaitRegistry());
