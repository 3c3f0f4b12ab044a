/**
 * Every node status, named for what it means. A text with nothing interpolated goes as its
 * i18n key ("aims360-rerun-job.status.checking"), as core nodes send
 * "node-red:common.status.connected": the editor translates it in the node's catalogue, in
 * each browser's language. A text with a count, a name or a time comes translated by the
 * caller, with RED._ and its parameters. AIMS360's own words (Completed, Queued…) stay as
 * the API says them.
 */
import type { NodeStatus } from 'node-red';
import { type AimsError, shortReason } from '../lib/errors';
import { Job, readJobStatus, readPercent } from '../lib/job';

/** A request or download under way. */
export const working = (text: string): NodeStatus => ({ fill: 'blue', shape: 'dot', text });

/** Waiting on a job that has not answered yet. */
export const waiting = (text: string): NodeStatus => ({ fill: 'blue', shape: 'ring', text });

/** The message is handled: its output went out. */
export const done = (text: string): NodeStatus => ({ fill: 'green', shape: 'dot', text });

/** AIMS360 does not answer for now (an outage): the node goes on trying. */
export const unreachable = (text: string): NodeStatus => ({ fill: 'yellow', shape: 'dot', text });

/** A message let go without output, by a setting (export data's overlap drop). */
export const skipped = (text: string): NodeStatus => ({ fill: 'grey', shape: 'ring', text });

/** A wait that gave up while the job went on. */
export const timedOut = (text: string): NodeStatus => ({ fill: 'yellow', shape: 'ring', text });

/**
 * A failure, by its code and a few words on why: the API's own words, else the first clause
 * of the error's message, already in the runtime's language (the message went to Catch whole).
 */
export function failed(err: AimsError): NodeStatus {
  const reason = shortReason(err);
  return { fill: 'red', shape: 'ring', text: reason ? `${err.code}: ${reason}` : err.code };
}

/** A job's status as a node status: colour by state, percent while it runs. */
export function jobStatus(job: Job): NodeStatus {
  const status = readJobStatus(job);
  const percent = readPercent(job);
  switch (status) {
    case 'Completed':
      return { fill: 'green', shape: 'dot', text: 'Completed' };
    case 'Failed':
      return { fill: 'red', shape: 'dot', text: 'Failed' };
    case 'Inprogress':
      return { fill: 'blue', shape: 'dot', text: percent === undefined ? 'Inprogress' : `Inprogress ${percent}%` };
    case 'Queued':
      return { fill: 'yellow', shape: 'ring', text: 'Queued' };
    default:
      return { fill: 'grey', shape: 'ring', text: String(job.jobStatus ?? job.JobStatus ?? '?') };
  }
}

/** The time of day in the runtime's local time, as HH:MM. */
function clockTime(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getHours())}:${two(at.getMinutes())}`;
}

/**
 * A one-off answer: what it said and when ("200 queued 10:03"), as a ring, so that hours
 * later it does not read as the job's live state. The caller gives the text translated:
 * with a time in it, it cannot go as a key.
 */
export function answered(text: string, fill: NodeStatus['fill'] = 'green', at: Date = new Date()): NodeStatus {
  return { fill, shape: 'ring', text: `${text} ${clockTime(at)}` };
}

/** A job as an answer showed it, coloured by state: "queued 10:03". */
export function jobStatusAt(job: Job, at: Date = new Date()): NodeStatus {
  const live = jobStatus(job);
  return answered(String(live.text).toLowerCase(), live.fill, at);
}
