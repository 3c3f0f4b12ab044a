/** The Node-RED glue every working node shares: one input path, typed inputs. */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { AimsClient } from '../lib/client';
import type { JobPoller } from '../lib/poller';
import { AimsError, toAimsError } from '../lib/errors';
import { namedJob } from '../lib/job';
import { checkJobId, findJobId, jobIdSource } from '../lib/job-id';
import { problemText } from '../lib/read-setting';
import { migrate, NodeSpec, savedProblems, typeOf } from '../lib/rules';
import { jobIdSetting } from '../lib/settings';
import { failed } from './status';
import { text } from '../lib/messages';

/** What the config node offers the nodes that use it: one client and one poller per account. */
export interface ConfigNode extends Node {
  /** Its settings as deployed: Node-RED has put in the environment variables they name. */
  settings?: { baseUrl?: string };
  client?: AimsClient;
  poller?: JobPoller;
  clientError?: AimsError;
}

export interface Account {
  client: AimsClient;
  poller: JobPoller;
}

export interface ServerDef extends NodeDef {
  server?: string;
}

/** A message in flight: Node-RED's message plus our own fields. */
export type Msg = NodeMessageInFlow & Record<string, unknown>;
export type Send = (msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[]) => void;

export interface InputContext extends Account {
  msg: Msg;
  send: Send;
  /** Aborted when the node closes. */
  signal: AbortSignal;
}

/**
 * msg.jobId and msg.jobStatus from an answer that names a job, so the next node
 * (wait for job) finds them; false, and msg untouched, when it names none.
 */
export function setJobFields(msg: Msg, answer: unknown): boolean {
  const job = namedJob(answer);
  if (!job) return false;
  msg.jobId = job.jobId;
  if (job.jobStatus === undefined) delete msg.jobStatus;
  else msg.jobStatus = job.jobStatus;
  return true;
}

export function accountOf(RED: NodeAPI, serverId: string | undefined): Account {
  const config = serverId ? (RED.nodes.getNode(serverId) as ConfigNode | null) : null;
  if (!config) {
    throw AimsError.of('BAD_INPUT', 'aims360.errors.account.noServer');
  }
  if (!config.client || !config.poller) {
    throw config.clientError ?? AimsError.of('BAD_INPUT', 'aims360.errors.account.notStarted');
  }
  return { client: config.client, poller: config.poller };
}

/** Evaluates a typed input (msg, flow, global, env, str, num, json, jsonata…). */
export function evaluate(RED: NodeAPI, node: Node, value: string, type: string, msg: Msg, what: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) =>
      reject(AimsError.of('BAD_INPUT', 'aims360.errors.input.unreadable', { what, reason: err instanceof Error ? err.message : String(err) }));
    try {
      RED.util.evaluateNodeProperty(value, type, node, msg, (err, result) => (err ? fail(err) : resolve(result)));
    } catch (err) {
      fail(err);
    }
  });
}

export interface JobIdDef {
  jobId?: string;
  jobIdType?: string;
}

const JOB_ID_SETTING = jobIdSetting();

/** The job id from the node's typed input, or the default lookup when it is empty; checked. */
export async function readJobIdInput(RED: NodeAPI, node: Node, def: JobIdDef, msg: Msg): Promise<string> {
  const empty = def.jobId === undefined || def.jobId === '';
  const type = typeOf(JOB_ID_SETTING, 'jobId', (name) => def[name as keyof JobIdDef]) as string;
  const id = empty ? findJobId(msg) : await evaluate(RED, node, def.jobId as string, type, msg, text('aims360.errors.jobId.label'));
  return checkJobId(id, jobIdSource(type, def.jobId));
}

/**
 * A node's settings as its spec has them, read once in the constructor: migrated from the
 * version they were saved by, and every setting that cannot change per message checked now,
 * so a wrong one shows the red status at deploy. `problem` is the first wrong one; the
 * input path refuses every message with it.
 */
export function readSpec<T extends object>(spec: NodeSpec, saved: T): { def: T; problem?: AimsError } {
  const def = migrate(spec, saved);
  const found = savedProblems(spec, def)[0];
  if (!found) return { def };
  return { def, problem: AimsError.of('BAD_INPUT', 'aims360.errors.setting', { problem: problemText(found) }) };
}

/**
 * One message's own signal, aborted when the node's `closing` is. AbortSignal.any adds no
 * listener to `closing`, so what listens for one message counts against that message alone
 * (a few at most), not against every message in flight, and Node's leak warning stays on.
 */
export function messageSignal(closing: AbortSignal): AbortSignal {
  return AbortSignal.any([closing]);
}

/**
 * The single input path: finds the client, runs the handler, and turns any failure
 * into a red status and done(err) so a Catch node gets msg.error.code. A message
 * still in flight when the node closes is dropped quietly.
 */
export function handleInput(
  RED: NodeAPI,
  node: Node,
  def: ServerDef,
  handler: (ctx: InputContext) => Promise<void>,
  /** A wrong fixed setting (readSpec): shown at once, and every message is refused with it. */
  problem?: AimsError,
): void {
  // Unnamed, a node shows in the debug sidebar and in msg.error.source by its id: give it its palette label.
  if (!node.name) node.name = RED._(`${node.type}.paletteLabel`);
  if (problem) node.status(failed(problem));
  const closing = new AbortController();
  node.on('input', (msg: NodeMessageInFlow, send: Send, done: (err?: Error) => void) => {
    const run = async () => {
      if (problem) throw problem;
      return handler({ msg: msg as Msg, send, ...accountOf(RED, def.server), signal: messageSignal(closing.signal) });
    };
    run().then(
      () => done(),
      (err: unknown) => {
        if (closing.signal.aborted) return done();
        const error = toAimsError(err);
        node.status(failed(error));
        done(error);
      },
    );
  });
  node.on('close', () => closing.abort());
}
