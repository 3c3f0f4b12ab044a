import type { Node, NodeAPI, NodeMessage } from 'node-red';
import { readJobStatus } from '../../src/lib/job';
import { readBoolean } from '../../src/lib/read-setting';
import { handleInput, Msg, readJobIdInput, Send, readSpec } from '../../src/runtime/red';
import { jobStatus, timedOut } from '../../src/runtime/status';
import { spec } from './spec';
import { nodeWaits, waitAnswer, WaitDef } from '../../src/runtime/waits';

interface WaitForJobDef extends WaitDef {
  jobId?: string;
  jobIdType?: string;
  progress?: boolean | string;
}

const TYPE = 'aims360-wait-for-job';
const OUTPUT: Record<'Completed' | 'Failed' | 'timeout', number> = { Completed: 0, Failed: 1, timeout: 2 };

export = (RED: NodeAPI) => {
  function WaitForJobNode(this: Node, saved: WaitForJobDef) {
    RED.nodes.createNode(this, saved);
    const node = this;
    const { def, problem } = readSpec(spec, saved);
    const progress = readBoolean(def.progress, false);

    function sendTo(send: Send, output: number, msg: Msg): void {
      const outputs: (NodeMessage | null)[] = [null, null, null];
      if (progress) outputs.push(null);
      outputs[output] = msg;
      send(outputs);
    }

    const waits = nodeWaits(RED, node, def, TYPE, {
      changed(wait, job, send) {
        if (progress) sendTo(send, 3, waitAnswer(RED, wait, job, true));
      },
      ended(wait, result, send) {
        const status = result.kind === 'finished' ? readJobStatus(result.job) : undefined;
        const output = status === 'Completed' || status === 'Failed' ? OUTPUT[status] : OUTPUT.timeout;
        sendTo(send, output, waitAnswer(RED, wait, result.job ?? wait.lastJob, false));
        waits.showStatus(result.kind === 'finished' ? jobStatus(result.job) : timedOut(`${TYPE}.status.timedOut`));
      },
    });

    handleInput(RED, node, def, async ({ msg, send, poller }) => {
      if (msg.reset === true) return void waits.cancel(() => true);
      const jobId = await readJobIdInput(RED, node, def, msg);
      if (msg.cancel === true) return void waits.cancel((w) => w.jobId === jobId);
      // Returned, not awaited: a handler suspended for every held message costs memory.
      return waits.wait(jobId, msg, poller, send);
    }, problem);
  }

  RED.nodes.registerType(TYPE, WaitForJobNode);
};
