import type { Node, NodeAPI, NodeDef } from 'node-red';
import { toAimsError } from '../../src/lib/errors';
import { readText } from '../../src/lib/job';
import { jobEventLog } from '../../src/lib/job-event-log';
import { JobEvent, JobWatcher, restoreState, WatchState } from '../../src/lib/job-events';
import { text } from '../../src/lib/messages';
import { readNumberSetting } from '../../src/lib/read-setting';
import { valueOf } from '../../src/lib/rules';
import { jobEventList } from '../../src/lib/settings';
import { nodeStore } from '../../src/runtime/node-store';
import { accountOf, readSpec } from '../../src/runtime/red';
import { done, failed, working } from '../../src/runtime/status';
import { spec } from './spec';

interface JobEventsDef extends NodeDef {
  server?: string;
  events?: string;
  filter?: string;
  interval?: string | number;
}

const STATE_KEY = 'aims360-job-events';

export = (RED: NodeAPI) => {
  function JobEventsNode(this: Node, saved: JobEventsDef) {
    RED.nodes.createNode(this, saved);
    const node = this;
    if (!node.name) node.name = RED._('aims360-job-events.paletteLabel');
    const { def, problem } = readSpec(spec, saved);
    if (problem) {
      // Nothing would ever come in to be refused: say it once, as soon as the flow has started.
      const said = setImmediate(() => {
        node.status(failed(problem));
        node.error(problem, {});
      });
      node.on('close', () => clearImmediate(said));
      return;
    }
    const get = (name: string) => def[name as keyof JobEventsDef];
    const intervalMs = readNumberSetting(def.interval, spec.settings.interval) * 1000;
    const events = jobEventList(String(valueOf(spec, 'events', get)));
    const filter = String(valueOf(spec, 'filter', get)).trim() || undefined;
    // Another server or filter is another watch: it starts with a baseline.
    const scope = `${def.server ?? ''}|${filter ?? ''}`;
    const store = nodeStore<WatchState>(node, STATE_KEY);
    const closing = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let watcher: JobWatcher | undefined;
    let failing = false;
    let shown = done('aims360-job-events.status.watching');

    function send(e: JobEvent): void {
      node.send({ topic: `aims360/jobs/${e.event}`, event: e.event, jobId: e.jobId, jobStatus: e.jobStatus, payload: e.job });
      jobEventLog.add({
        at: Date.now(),
        event: e.event,
        jobId: e.jobId,
        jobStatus: e.jobStatus,
        jobStatusText: e.event === 'failed' ? readText(e.job, 'jobStatusText', 'JobStatusText') : undefined,
        categoryName: readText(e.job, 'categoryName', 'CategoryName'),
        subCategoryName: readText(e.job, 'subCategoryName', 'SubCategoryName'),
        modifiedDate: readText(e.job, 'modifiedDate', 'ModifiedDate'),
        server: def.server ?? '',
        node: node.id,
        nodeName: node.name ?? '',
      });
    }

    async function poll(): Promise<void> {
      if (!watcher) {
        let savedState: unknown;
        try {
          savedState = await store.get();
        } catch (err) {
          // An unreadable store: start over (a baseline sends nothing twice).
          node.error(RED._('aims360-job-events.errors.store', { reason: toAimsError(err).message }), {});
        }
        // A copy: the watcher changes its state in place, the store keeps what was sent.
        watcher = new JobWatcher(restoreState(structuredClone(savedState), scope), { filter, events });
      }
      const result = await watcher.poll(accountOf(RED, def.server).client, closing.signal);
      if (closing.signal.aborted) return;
      if (result.fellBack) node.warn(text('aims360.jobEvents.fallback'));
      // Kept before sending: a restart after this sends none of these again.
      await store.set(structuredClone(watcher.state));
      if (closing.signal.aborted) return;
      for (const e of result.events) send(e);
      const last = result.events[result.events.length - 1];
      if (last) shown = done(RED._('aims360-job-events.status.event', { event: last.event, jobId: last.jobId }));
    }

    async function tick(): Promise<void> {
      try {
        await poll();
        failing = false;
        node.status(shown);
      } catch (err) {
        if (closing.signal.aborted) return;
        // A poll that failed is dropped whole: the next one asks again from the same cursor.
        watcher = undefined;
        const error = toAimsError(err);
        node.status(failed(error));
        // Once per failure streak, not once per interval.
        if (!failing) node.error(error, {});
        failing = true;
      }
      if (!closing.signal.aborted) timer = setTimeout(() => void tick(), intervalMs);
    }

    node.status(working('aims360-job-events.status.starting'));
    void tick();

    node.on('close', (closed: () => void) => {
      closing.abort();
      clearTimeout(timer);
      closed();
    });
  }

  RED.nodes.registerType('aims360-job-events', JobEventsNode);
};
