/**
 * The job events that job events nodes sent in this runtime, newest first, for the
 * editor's AIMS360 sidebar ("Recent job events"). No Node-RED in here: nodes add, the
 * sidebar reads. Only a few fields per event (never the whole job), at most LIMIT.
 */
import { perRuntime } from './per-runtime';

export type JobEventName = 'queued' | 'started' | 'completed' | 'failed';

/** One event as the sidebar shows it. */
export interface JobEventEntry {
  /** When the node sent it (ms since the epoch, this runtime's clock). */
  at: number;
  event: JobEventName;
  jobId: string;
  jobStatus: string;
  /** The job's own reason (jobStatusText), for a failed job. */
  jobStatusText?: string;
  categoryName?: string;
  subCategoryName?: string;
  /** The job's modifiedDate as the API wrote it: with server, job id and event, what makes an event one. */
  modifiedDate?: string;
  /** The aims360-config node's id. */
  server: string;
  node: string;
  nodeName: string;
}

/** Events kept: the sidebar shows the last 50. */
export const LIMIT = 50;

export class JobEventLog {
  private entries: JobEventEntry[] = [];
  private readonly listeners = new Set<() => void>();

  /**
   * Adds an event unless the same one is already listed: two job events nodes on one account
   * (one for alerts, one for downloads) both send it, the operator needs to see it once.
   */
  add(entry: JobEventEntry): void {
    const same = (e: JobEventEntry) =>
      e.server === entry.server && e.jobId === entry.jobId && e.event === entry.event && e.modifiedDate === entry.modifiedDate;
    if (this.entries.some(same)) return;
    this.entries = [entry, ...this.entries].slice(0, LIMIT);
    for (const listener of this.listeners) listener();
  }

  /** Newest first. */
  list(): JobEventEntry[] {
    return this.entries.slice();
  }

  /** Called (synchronously, so keep it cheap) on every change; answers an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The one log of this runtime, shared by the job events nodes and the sidebar plugin (of any module copy). */
export const jobEventLog: JobEventLog = perRuntime('job-event-log', () => new JobEventLog());
