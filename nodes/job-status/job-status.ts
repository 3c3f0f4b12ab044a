import type { Node, NodeAPI } from 'node-red';
import { AimsError } from '../../src/lib/errors';
import { readJobId, readJobStatus } from '../../src/lib/job';
import { fetchJob, queryJobs } from '../../src/lib/jobs-endpoint';
import { readNumberSetting } from '../../src/lib/read-setting';
import { evaluate, handleInput, Msg, readJobIdInput, ServerDef, readSpec } from '../../src/runtime/red';
import { answered, jobStatusAt, working } from '../../src/runtime/status';
import { spec } from './spec';

interface JobStatusDef extends ServerDef {
  mode?: 'single' | 'query';
  jobId?: string;
  jobIdType?: string;
  filter?: string;
  filterType?: string;
  orderby?: string;
  orderbyType?: string;
  top?: string | number;
  topType?: string;
  select?: string;
  selectType?: string;
  maxPages?: string | number;
}


export = (RED: NodeAPI) => {
  function JobStatusNode(this: Node, saved: JobStatusDef) {
    RED.nodes.createNode(this, saved);
    const node = this;
    const { def, problem } = readSpec(spec, saved);

    /** An optional OData option from its typed input; empty means "not sent". */
    async function option(value: string | number | undefined, type: string | undefined, msg: Msg, what: string) {
      if (value === undefined || value === '') return undefined;
      const result = await evaluate(RED, node, String(value), type || 'str', msg, what);
      return result === undefined || result === null || result === '' ? undefined : result;
    }

    async function text(value: string | undefined, type: string | undefined, msg: Msg, what: string) {
      const result = await option(value, type, msg, what);
      if (result === undefined) return undefined;
      if (typeof result !== 'string') throw AimsError.of('BAD_INPUT', 'aims360.errors.input.notText', { what });
      return result;
    }

    handleInput(RED, node, def, async ({ msg, send, client, signal }) => {
      if (def.mode === 'query') {
        const maxPages = readNumberSetting(def.maxPages, spec.settings.maxPages);
        const query = {
          filter: await text(def.filter, def.filterType, msg, 'the filter'),
          orderby: await text(def.orderby, def.orderbyType, msg, 'the order by'),
          select: await text(def.select, def.selectType, msg, 'the select'),
        };
        const top = await option(def.top, def.topType, msg, 'top');
        node.status(working('aims360-job-status.status.querying'));
        const result = await queryJobs(
          client,
          { ...query, top: top === undefined ? undefined : readNumberSetting(top, spec.settings.top) },
          maxPages,
          signal,
        );
        msg.payload = result.jobs;
        msg.count = result.jobs.length;
        if (result.nextLink) msg.nextLink = result.nextLink;
        else delete msg.nextLink;
        node.status(answered(RED._('aims360-job-status.status.jobs', { count: result.jobs.length })));
      } else {
        const id = await readJobIdInput(RED, node, def, msg);
        node.status(working('aims360-job-status.status.fetching'));
        const job = await fetchJob(client, id, signal);
        msg.payload = job;
        msg.jobId = readJobId(job) ?? id;
        msg.jobStatus = readJobStatus(job) ?? job.jobStatus;
        node.status(jobStatusAt(job));
      }
      send(msg);
    }, problem);
  }

  RED.nodes.registerType('aims360-job-status', JobStatusNode);
};
