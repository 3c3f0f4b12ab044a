/**
 * Export data's overlapping runs: a message that asks for an export its node already runs
 * joins it (overlap share) instead of posting another, and messages whose waits end on one
 * job at once (the sharers, or waits restored after a restart) get its output from one download.
 */
import { randomUUID } from 'node:crypto';
import type { NodeAPI } from 'node-red';
import { AimsError, toAimsError } from '../lib/errors';
import type { StartedExport } from '../lib/export';
import { Job, readJobId } from '../lib/job';
import { OVERLAP_CHOICES } from '../lib/settings';
import type { Handed } from './job-output-sender';
import type { Msg, Send } from './red';

export type Overlap = (typeof OVERLAP_CHOICES)[number];

/** One error per message: Node-RED hands the error's fields (cause) to Catch as they are. */
function ownError(err: unknown): AimsError {
  return toAimsError(err).copy();
}

interface Run {
  started: Promise<StartedExport>;
  /** Messages that belong to it and have not settled. */
  members: number;
}

/** The exports of one node that are under way, by ExportRequest.key. */
export function runningExports() {
  const runs = new Map<string, Run>();
  return {
    isRunning: (key: string) => runs.has(key),
    /**
     * Runs `follow` (the wait) for a message once the export of `key` started: the one under
     * way, or a new one from `start`. The export stays listed until its last message settled.
     */
    join(key: string, start: () => Promise<StartedExport>, follow: (started: StartedExport) => Promise<void>): Promise<void> {
      let run = runs.get(key);
      const first = !run;
      if (!run) {
        run = { started: start(), members: 0 };
        runs.set(key, run);
      }
      const joined = run;
      joined.members++;
      const leave = () => {
        if (--joined.members === 0 && runs.get(key) === joined) runs.delete(key);
      };
      // Chained, not awaited: a suspended handler per held message costs memory.
      return joined.started.then(follow, (err: unknown) => {
        throw first ? err : ownError(err);
      }).finally(leave);
    },
  };
}

type SendOutput = (job: Job, msg: Msg, send: Send, signal: AbortSignal) => Promise<Handed>;

interface Member {
  msg: Msg;
  send: Send;
}

/**
 * handOn(job, msg, send, signal) as `sendOutput` does it, but the messages handed on for one job in
 * the same turn (the poller ends every wait on a job at once) share one download: each gets
 * its own copy of the data, on a copy of its own message.
 */
export function handOnTogether(RED: NodeAPI, sendOutput: SendOutput) {
  const gathering = new Map<string, { members: Member[]; result: Promise<Handed> }>();

  async function fanOut(job: Job, members: Member[], signal: AbortSignal): Promise<Handed> {
    // A bare message: what output.send adds to it is the output (payload, document, jobId, parts).
    const bare = { _msgid: members[0].msg._msgid } as Msg;
    // Each message's blocks are a sequence of their own: a Join must not merge two messages' rows.
    const sequences = members.map(() => new Map<string, string>());
    return sendOutput(job, bare, (out) => {
      const added: Record<string, unknown> = { ...(out as Msg) };
      delete added._msgid;
      members.forEach(({ msg, send }, i) => {
        const own = RED.util.cloneMessage({ ...msg, payload: undefined }) as Msg;
        const fields = i === 0 ? added : (RED.util.cloneMessage(added as Msg) as Record<string, unknown>);
        if (!('document' in fields)) delete own.document;
        let parts = fields.parts as { id: string } | undefined;
        if (parts && i > 0) {
          const id = sequences[i].get(parts.id) ?? randomUUID();
          sequences[i].set(parts.id, id);
          parts = { ...parts, id };
        }
        // A block's parts keep the message's own sequence underneath, as for one message.
        if (parts && own.parts) parts = { ...parts, parts: own.parts } as typeof parts;
        send({ ...own, ...fields, ...(parts ? { parts } : {}) });
      });
    }, signal);
  }

  return function handOn(job: Job, msg: Msg, send: Send, signal: AbortSignal): Promise<Handed> {
    const key = readJobId(job) ?? '';
    let group = gathering.get(key);
    const first = !group;
    if (!group) {
      const members: Member[] = [];
      // The rest of this turn's ends on the job join before the download starts.
      const result = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        gathering.delete(key);
        return members.length === 1 ? sendOutput(job, members[0].msg, members[0].send, signal) : fanOut(job, members, signal);
      });
      group = { members, result };
      gathering.set(key, group);
    }
    group.members.push({ msg, send });
    return first ? group.result : group.result.catch((err: unknown) => {
      throw ownError(err);
    });
  };
}
