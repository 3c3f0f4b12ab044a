import type { Node, NodeAPI } from 'node-red';
import { AimsError } from '../../src/lib/errors';
import { exportRequest, postExport } from '../../src/lib/export';
import { valueOf } from '../../src/lib/rules';
import { readBoolean } from '../../src/lib/read-setting';
import { jobOutputSender, OutputDef } from '../../src/runtime/job-output-sender';
import { accountOf, evaluate, handleInput, Msg, readJobIdInput, readSpec } from '../../src/runtime/red';
import { handOnTogether, Overlap, runningExports } from '../../src/runtime/overlap';
import { done, jobStatus, jobStatusAt, skipped } from '../../src/runtime/status';
import { spec } from './spec';
import { nodeWaits, waitAnswer, WaitDef } from '../../src/runtime/waits';

interface ExportDef extends WaitDef, OutputDef {
  source?: string;
  sourceType?: string;
  viewName?: string;
  viewNameType?: string;
  outputFormat?: string;
  scope?: string;
  criteriaVersion?: string;
  path?: string;
  mode?: string;
  overlap?: string;
  progress?: boolean | string;
}

const TYPE = 'aims360-export';

export = (RED: NodeAPI) => {
  function ExportNode(this: Node, saved: ExportDef) {
    RED.nodes.createNode(this, saved);
    const node = this;
    // Every fixed setting (mode, overlap, a Source given as text…) is checked here, by the spec.
    const { def, problem } = readSpec(spec, saved);
    const t = (key: string, opts?: Record<string, string | number>) => RED._(`${TYPE}.${key}`, opts);
    const setting = (name: string) => valueOf(spec, name, (prop) => def[prop as keyof ExportDef]);
    const data = setting('mode') === 'data';
    const progress = data && readBoolean(def.progress, false);
    // An empty format is this node's default (rows), not fetch output's.
    const output = jobOutputSender(RED, node, { ...def, format: setting('format') as string }, t);
    // Saved without it (before it existed): share, the default.
    const overlap = setting('overlap') as Overlap;
    const running = runningExports();
    const handOn = handOnTogether(RED, (job, msg, send, signal) => output.send(job, msg, send, accountOf(RED, def.server).client, signal));

    const waits = nodeWaits(RED, node, { ...def, persist: data ? def.persist : false }, TYPE, {
      changed(wait, job, send) {
        if (progress) send([null, waitAnswer(RED, wait, job, true)]);
      },
      async ended(wait, outcome, send, signal) {
        const job = outcome.job ?? wait.lastJob;
        const msg = waitAnswer(RED, wait, job, false);
        delete msg.waitedMs;
        if (job) msg.job = job;
        if (outcome.kind === 'timeout') {
          throw AimsError.of('TIMEOUT', 'aims360.errors.export.timeout', { id: wait.jobId, status: String(msg.jobStatus ?? 'queued') });
        }
        // output.send refuses a failed job with JOB_FAILED before any download.
        // Every message ending on this job now (sharers, restored waits) shares one download.
        const handed = await handOn(outcome.job, msg, send, signal);
        const { rows, documents } = handed;
        const text = rows !== undefined ? t('status.rows', { count: rows }) : documents === 0 ? `${TYPE}.status.inline` : t('status.done', { count: documents });
        waits.showStatus(done(text));
      },
    });

    /** Source or View name from its typed input; its checks are startExport's. */
    function typed(msg: Msg, field: 'source' | 'viewName', what: string): Promise<unknown> {
      const value = def[field];
      const type = def[`${field}Type`] || 'str';
      if (type === 'str' || value === undefined || value === '') return Promise.resolve(value);
      return evaluate(RED, node, value, type, msg, what);
    }

    handleInput(RED, node, def, async ({ msg, send, client, poller, signal }) => {
      // Never an export: in start mode there is simply no wait to end.
      if (msg.reset === true) return void waits.cancel(() => true);
      if (msg.cancel === true) {
        const jobId = await readJobIdInput(RED, node, {}, msg);
        return void waits.cancel((w) => w.jobId === jobId);
      }
      const input = {
        source: await typed(msg, 'source', 'the Source'),
        viewName: await typed(msg, 'viewName', 'the View name'),
        outputFormat: def.outputFormat,
        scope: def.scope,
        criteriaVersion: def.criteriaVersion,
        path: def.path,
      };
      const request = exportRequest(input, msg.exportBody);
      const post = () => postExport(client, request, { signal, log: (text) => node.log(text) });
      if (!data) {
        const started = await post();
        msg.payload = started.answer;
        msg.jobId = started.jobId;
        msg.jobStatus = started.jobStatus;
        send(msg);
        node.status(jobStatusAt(started.answer));
        return;
      }
      const start = async () => {
        const started = await post();
        node.status(jobStatus(started.answer));
        return started;
      };
      // Returned, not awaited: a handler suspended for every held message costs memory.
      const follow = (started: { jobId: string }) => waits.wait(started.jobId, msg, poller, send);
      if (overlap === 'start') return start().then(follow);
      if (overlap === 'drop' && running.isRunning(request.key)) return void node.status(skipped(`${TYPE}.status.dropped`));
      return running.join(request.key, start, follow);
    }, problem);
  }

  RED.nodes.registerType(TYPE, ExportNode);
};
