import type { Node, NodeAPI } from 'node-red';
import type { AimsClient } from '../../src/lib/client';
import { Job } from '../../src/lib/job';
import { fetchJob } from '../../src/lib/jobs-endpoint';
import { looksLikeJob } from '../../src/lib/job-output';
import { jobOutputSender, OutputDef } from '../../src/runtime/job-output-sender';
import { handleInput, Msg, readJobIdInput, ServerDef, readSpec } from '../../src/runtime/red';
import { done, working } from '../../src/runtime/status';
import { spec } from './spec';

interface FetchOutputDef extends ServerDef, OutputDef {
  jobId?: string;
  jobIdType?: string;
}

export = (RED: NodeAPI) => {
  function FetchOutputNode(this: Node, saved: FetchOutputDef) {
    RED.nodes.createNode(this, saved);
    const node = this;
    const { def, problem } = readSpec(spec, saved);
    const running = new Set<Promise<unknown>>();
    const t = (key: string, opts?: Record<string, string | number>) => RED._(`aims360-fetch-output.${key}`, opts);
    const output = jobOutputSender(RED, node, def, t);

    /** The job from msg.payload, or fetched by id when the payload is not one (or the Job ID property is set). */
    async function jobOf(msg: Msg, client: AimsClient, signal: AbortSignal): Promise<Job> {
      if ((def.jobId === undefined || def.jobId === '') && looksLikeJob(msg.payload)) return msg.payload;
      const id = await readJobIdInput(RED, node, def, msg);
      node.status(working('aims360-fetch-output.status.fetchingJob'));
      return fetchJob(client, id, signal);
    }

    handleInput(RED, node, def, async ({ msg, send, client, signal }) => {
      if (output.problem) throw output.problem;
      const job = await jobOf(msg, client, signal);
      const task = output.send(job, msg, send, client, signal);
      running.add(task);
      try {
        const { documents } = await task;
        node.status(done(documents === 0 ? 'aims360-fetch-output.status.inline' : t('status.done', { count: documents })));
      } finally {
        running.delete(task);
      }
    }, problem);

    // handleInput aborts the downloads on close; wait until their partial files are gone.
    node.on('close', (_removed: boolean, done: () => void) => {
      Promise.allSettled([...running]).then(() => done());
    });
  }

  RED.nodes.registerType('aims360-fetch-output', FetchOutputNode);
};
