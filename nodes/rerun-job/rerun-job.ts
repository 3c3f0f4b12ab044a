import type { Node, NodeAPI } from 'node-red';
import { checkCanRerun, postRerun } from '../../src/lib/rerun';
import { readBoolean } from '../../src/lib/read-setting';
import { handleInput, readJobIdInput, ServerDef, setJobFields, readSpec } from '../../src/runtime/red';
import { answered, jobStatusAt, working } from '../../src/runtime/status';
import { spec } from './spec';

interface RerunJobDef extends ServerDef {
  jobId?: string;
  jobIdType?: string;
  checkFirst?: boolean | string;
}

export = (RED: NodeAPI) => {
  function RerunJobNode(this: Node, saved: RerunJobDef) {
    RED.nodes.createNode(this, saved);
    const node = this;
    const { def, problem } = readSpec(spec, saved);
    const checkFirst = readBoolean(def.checkFirst, true);

    handleInput(RED, node, def, async ({ msg, send, client, signal }) => {
      const id = await readJobIdInput(RED, node, def, msg);
      if (checkFirst) {
        node.status(working('aims360-rerun-job.status.checking'));
        await checkCanRerun(client, id, signal);
      }
      node.status(working('aims360-rerun-job.status.rerunning'));
      const answer = await postRerun(client, id, signal);
      msg.payload = answer;
      if (!setJobFields(msg, answer)) {
        msg.jobId = id;
        delete msg.jobStatus;
      }
      // The answer is a moment's state: say when, so a later look does not take it as live.
      node.status(msg.jobStatus !== undefined ? jobStatusAt(answer) : answered(RED._('aims360-rerun-job.status.rerun')));
      send(msg);
    }, problem);
  }

  RED.nodes.registerType('aims360-rerun-job', RerunJobNode);
};
