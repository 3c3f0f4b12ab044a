/**
 * The runtime side of the editor's AIMS360 sidebar: an admin API under Node-RED's admin
 * root (docs/admin-api.md) and live waits and job events over the comms channel.
 */
import { pipeline } from 'node:stream/promises';
import type { NodeAPI } from 'node-red';
import type { Express, NextFunction, Request, Response } from 'express';
import { AimsError } from '../../src/lib/errors';
import { Refusal, refusalOf, refuse } from '../../src/runtime/admin';
import { checkBeforeRequest, readSettings, safeFileName } from '../../src/lib/formats';
import { checkCompleted, inlineOutput, isPublishlink, jobDocuments, needsToken } from '../../src/lib/job-output';
import type { BudgetUse } from '../../src/lib/budget';
import type { Job } from '../../src/lib/job';
import { jobEventLog } from '../../src/lib/job-event-log';
import { checkJobId } from '../../src/lib/job-id';
import { fetchJob } from '../../src/lib/jobs-endpoint';
import { readRecentQuery, recentJobs } from '../../src/lib/recent-jobs';
import { checkCanRerun, postRerun } from '../../src/lib/rerun';
import { perRuntime } from '../../src/lib/per-runtime';
import { waitRegistry } from '../../src/lib/wait-registry';
import type { ConfigNode } from '../../src/runtime/red';

const PLUGIN = 'aims360-sidebar';
const WAITS_TOPIC = 'aims360/waits';
const EVENTS_TOPIC = 'aims360/job-events';
/** At most one comms message per this many ms, whatever the number of changes. */
const PUBLISH_EVERY_MS = 500;
/** Waits carried by one comms message (longest waiting first); `total` says how many there are. */
const COMMS_CAP = 200;
const CONFIG_ID = /^[A-Za-z0-9_.-]{1,128}$/;
// The output is streamed, never held: as fetch output's file format, no size bound applies.
const STREAMED = readSettings({ format: 'file' });

type PluginAPI = NodeAPI & {
  plugins: { registerPlugin(id: string, definition: Record<string, unknown>): void };
  log: NodeAPI['log'] & { audit?: (event: Record<string, unknown>, req?: Request) => void };
};

/** What the plugin keeps per admin app: routes are added once and read the latest load. */
interface State {
  RED: PluginAPI;
  active: boolean;
  stopPublishing?: () => void;
  /** Server and job id of each rerun being posted: one POST, however many clicks or callers. */
  reruns: Set<string>;
}

// Per runtime, so that a second copy of this module (the palette manager reinstalling
// the package) finds the routes the first one added.
const states = () => perRuntime('sidebar', () => new WeakMap<object, State>());

/** A config node that exists, is an aims360-config and has a client. */
function configOf(RED: PluginAPI, id: unknown): ConfigNode {
  if (typeof id !== 'string' || !CONFIG_ID.test(id)) {
    throw new Refusal(AimsError.of('BAD_INPUT', 'aims360.errors.admin.serverId'));
  }
  const node = RED.nodes.getNode(id) as ConfigNode | null;
  if (!node || node.type !== 'aims360-config') throw new Refusal(AimsError.of('NOT_FOUND', 'aims360.errors.admin.noServer', { id }));
  if (!node.client) {
    // The runtime holds a config node it cannot use: a failing upstream, for the sidebar.
    throw new Refusal(node.clientError ?? AimsError.of('BAD_INPUT', 'aims360.errors.account.notStarted'), 502);
  }
  return node;
}

function nodeIdOf(value: unknown): string {
  if (typeof value !== 'string' || !CONFIG_ID.test(value)) throw new Refusal(AimsError.of('BAD_INPUT', 'aims360.errors.admin.nodeId'));
  return value;
}

/** A base URL without any user name or password written into it. */
function publicUrl(value: unknown): string {
  try {
    const url = new URL(String(value ?? ''));
    url.username = '';
    url.password = '';
    return url.href.replace(/\/$/, '');
  } catch {
    return '';
  }
}

/**
 * Whether the admin user may act (aims360.write), by Node-RED's scope rules: `*`, `write`,
 * `*.write` or the permission itself. The plugin API offers the check only as a middleware
 * that answers 401; without adminAuth there is no user, and everyone may.
 */
function mayWrite(req: Request): boolean {
  const { user, authInfo } = req as Request & { user?: unknown; authInfo?: { scope?: string | string[] } };
  if (!user) return true;
  const scopes = ([] as unknown[]).concat(authInfo?.scope);
  return scopes.some((scope) => scope === '*' || scope === 'write' || scope === '*.write' || scope === 'aims360.write');
}

/** Aborted when the admin client goes away before its answer is complete. */
function untilDisconnect(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** A file name for Content-Disposition: ASCII for old clients, UTF-8 beside it. */
function disposition(name: string): string {
  const safe = safeFileName(name);
  const ascii = safe.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(safe)}`;
}

/** The waits as one comms message: capped, sorted, with the total, so 1,000 waits stay one small message. */
function waitsSnapshot(cap = COMMS_CAP): { total: number; waits: ReturnType<typeof waitRegistry.list>; at: number } {
  return { total: waitRegistry.size, waits: waitRegistry.list(cap), at: Date.now() };
}

/** The job event log as one comms message (50 events at most). */
function eventsSnapshot(): { events: ReturnType<typeof jobEventLog.list>; at: number } {
  return { events: jobEventLog.list(), at: Date.now() };
}

/**
 * Publishes a topic on every change of its source, throttled: the first change goes out
 * on the next turn, later ones at most every PUBLISH_EVERY_MS, each a whole snapshot
 * (retained, so an editor that connects gets the latest at once).
 */
function publish(RED: PluginAPI, topic: string, onChange: (listener: () => void) => () => void, snapshot: () => object): () => void {
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  const flush = () => {
    timer = undefined;
    last = Date.now();
    RED.comms.publish(topic, snapshot(), true);
  };
  const stop = onChange(() => {
    timer ??= setTimeout(flush, Math.max(0, last + PUBLISH_EVERY_MS - Date.now()));
  });
  flush();
  return () => {
    stop();
    clearTimeout(timer);
  };
}

function startPublishing(RED: PluginAPI): () => void {
  const stops = [
    publish(RED, WAITS_TOPIC, (listener) => waitRegistry.onChange(listener), waitsSnapshot),
    publish(RED, EVENTS_TOPIC, (listener) => jobEventLog.onChange(listener), eventsSnapshot),
  ];
  return () => stops.forEach((stop) => stop());
}

/** A job as the admin API lists it: without its in-line output, and without links for those who may not download. */
function listed(job: Job, writer: boolean): Job {
  const copy = { ...job };
  // The in-line output can be large; the output route serves it.
  delete copy.response;
  // A Public job's link downloads without a token: only for those who may download.
  if (!writer) for (const key of Object.keys(copy)) if (/link$/i.test(key)) delete copy[key];
  return copy;
}

type Answer = Record<string, unknown> | undefined;
type Handler = (state: State, req: Request, res: Response, signal: AbortSignal) => Promise<Answer> | Answer;

function addRoutes(app: Express, RED: PluginAPI): void {
  const route = (method: 'get' | 'post', path: string, permission: string, handler: Handler) => {
    app[method](path, RED.auth.needsPermission(permission), (req: Request, res: Response, next: NextFunction) => {
      const state = states().get(app);
      // Removed: Express cannot drop routes, so they pass on to its 404, as after a restart without the package.
      if (!state?.active) {
        next();
        return;
      }
      const signal = untilDisconnect(res);
      const run = async (): Promise<Answer> => handler(state, req, res, signal);
      run().then(
        (answer) => {
          if (answer !== undefined) res.json(answer);
        },
        (err: unknown) => {
          const config = state.RED.nodes.getNode(String(req.params.id ?? '')) as ConfigNode | null;
          // Messages are built token-free; redacting again costs little.
          const client = config?.client;
          const refusal = refusalOf(err, client ? (message) => client.redact(message) : undefined);
          if (res.headersSent) {
            // A download broke off: end it, so the client sees an incomplete file, not a whole one.
            res.destroy();
            return;
          }
          refuse(res, refusal);
        },
      );
    });
  };

  route('get', '/aims360/waits', 'aims360.read', () => ({ waits: waitRegistry.list() }));

  route('get', '/aims360/job-events', 'aims360.read', () => ({ events: jobEventLog.list() }));

  route('post', '/aims360/waits/cancel', 'aims360.write', ({ RED: red }, req) => {
    const body = (req.body ?? {}) as { node?: unknown; jobId?: unknown };
    const node = nodeIdOf(body.node);
    const jobId = checkJobId(body.jobId);
    const cancelled = waitRegistry.cancel(node, jobId);
    if (cancelled === undefined) throw new Refusal(AimsError.of('NOT_FOUND', 'aims360.errors.admin.noWaits', { node }));
    if (cancelled === 0) throw new Refusal(AimsError.of('NOT_FOUND', 'aims360.errors.admin.notWaiting', { node, id: jobId }));
    red.log.audit?.({ event: 'aims360.wait.cancel', node, jobId }, req);
    return { cancelled };
  });

  route('get', '/aims360/servers', 'aims360.read', ({ RED: red }) => {
    const servers: { id: string; name: string; baseUrl: string; budget: BudgetUse | null }[] = [];
    red.nodes.eachNode((def: { id: string; type: string }) => {
      // Only what is deployed and running; never credentials.
      const node = def.type === 'aims360-config' ? (red.nodes.getNode(def.id) as ConfigNode | null) : null;
      if (!node) return;
      // The running node's name and URL, not the flow's: Node-RED has put in the ${ENV} they name.
      // The request budget's use ("3 of 10 requests/s"); null when the node's settings stopped its client.
      servers.push({ id: def.id, name: node.name ?? '', baseUrl: publicUrl(node.settings?.baseUrl), budget: node.client?.budget.use() ?? null });
    });
    return { servers };
  });

  route('get', '/aims360/servers/:id/jobs', 'aims360.read', async ({ RED: red }, req, _res, signal) => {
    const config = configOf(red, req.params.id);
    const query = readRecentQuery(req.query as Record<string, unknown>);
    const { jobs, truncated } = await recentJobs(config.client!, query, signal);
    const writer = mayWrite(req);
    return { jobs: jobs.map((job) => listed(job, writer)), truncated };
  });

  // One job, as the list gives it: the sidebar follows a rerun with it until the run ends.
  route('get', '/aims360/servers/:id/jobs/:jobId', 'aims360.read', async ({ RED: red }, req, _res, signal) => {
    const config = configOf(red, req.params.id);
    const jobId = checkJobId(req.params.jobId);
    return { job: listed(await fetchJob(config.client!, jobId, signal), mayWrite(req)) };
  });

  route('post', '/aims360/servers/:id/jobs/:jobId/rerun', 'aims360.write', async ({ RED: red, reruns }, req, _res, signal) => {
    const config = configOf(red, req.params.id);
    const jobId = checkJobId(req.params.jobId);
    // Claimed before the first await: a second call (a double click, a script) finds it.
    const key = `${config.id}\u0000${jobId}`;
    if (reruns.has(key)) throw new Refusal(AimsError.of('RERUN_IN_PROGRESS', 'aims360.errors.admin.rerunInProgress', { id: jobId }));
    reruns.add(key);
    try {
      await checkCanRerun(config.client!, jobId, signal);
      red.log.audit?.({ event: 'aims360.job.rerun', server: config.id, jobId }, req);
      return await postRerun(config.client!, jobId, signal);
    } finally {
      reruns.delete(key);
    }
  });

  route('get', '/aims360/servers/:id/jobs/:jobId/output', 'aims360.write', async ({ RED: red }, req, res, signal) => {
    const config = configOf(red, req.params.id);
    const client = config.client!;
    const jobId = checkJobId(req.params.jobId);
    const job = await fetchJob(client, jobId, signal);
    checkCompleted(job);
    if (!isPublishlink(job)) {
      res.json(inlineOutput(job) ?? null);
      return undefined;
    }
    const [doc] = jobDocuments(job);
    const auth = needsToken(job);
    checkBeforeRequest(client, [doc], auth, STREAMED);
    const download = await client.download(doc.link, { auth, signal });
    red.log.audit?.({ event: 'aims360.job.output', server: config.id, jobId }, req);
    const type = String(download.headers['content-type'] ?? '');
    res.status(200);
    res.setHeader('Content-Type', /^[\w.+-]+\/[\w.+-]+(;.*)?$/.test(type) ? type : 'application/octet-stream');
    res.setHeader('Content-Disposition', disposition(doc.info.name));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // got unzips a compressed answer, so its length is only right when it was not compressed.
    const length = download.headers['content-length'];
    if (length !== undefined && download.headers['content-encoding'] === undefined) res.setHeader('Content-Length', String(length));
    // Streamed through: a disconnecting admin client destroys res, which stops the download.
    await pipeline(download.body, res);
    return undefined;
  });
}

export = (RED: PluginAPI) => {
  const app = RED.httpAdmin as unknown as Express;
  const activate = () => {
    let state = states().get(app);
    if (!state) {
      state = { RED, active: false, reruns: new Set() };
      states().set(app, state);
      addRoutes(app, RED);
    }
    // A reload: the routes stay, and answer with this load's API.
    state.stopPublishing?.();
    state.RED = RED;
    state.active = true;
    state.stopPublishing = startPublishing(RED);
  };
  RED.plugins.registerPlugin(PLUGIN, {
    type: PLUGIN,
    onadd: activate,
    // Removed by the palette manager: the routes pass on to Express's 404 from now on.
    onremove: () => {
      const state = states().get(app);
      if (state?.RED !== RED) return;
      state.active = false;
      state.stopPublishing?.();
      state.stopPublishing = undefined;
      RED.comms.publish(WAITS_TOPIC, { total: 0, waits: [], at: Date.now() }, true);
      RED.comms.publish(EVENTS_TOPIC, { events: [], at: Date.now() }, true);
    },
  });
};
