// One Node-RED test runtime for every node test. NODE_RED_PATH picks another
// Node-RED (CI runs the suite again with Node-RED 5 on Node 22).
const path = require('node:path');
const helper = require('node-red-node-test-helper');

const nodeRedPath = process.env.NODE_RED_PATH || require.resolve('node-red');
helper.init(nodeRedPath);

/** A core node of the Node-RED under test (catch, status, complete, split/join). */
function coreNode(file) {
  return require(require.resolve(`@node-red/nodes/core/${file}`, { paths: [path.dirname(nodeRedPath)] }));
}
const catchNode = coreNode('common/25-catch.js');
const statusNode = coreNode('common/25-status.js');
const completeNode = coreNode('common/24-complete.js');
const splitJoinNodes = coreNode('sequence/17-split.js');

/**
 * The i18n of the Node-RED under test, with each node's English catalogue, so that our
 * nodes' RED._ translates as in a real runtime (the test helper's answers the key): a
 * status sent as a key can then be told from one translated in the runtime.
 */
const { i18n } = require(require.resolve('@node-red/util', { paths: [path.dirname(nodeRedPath)] }));
i18n.init({ lang: 'en-US' });
const root = path.resolve(__dirname, '..', '..');
const PACKAGE = require(path.join(root, 'package.json'));
/** Node-RED's namespace of a node set: the module and the type, "@flowjobs/node-red-aims360/aims360-export". */
const namespace = (type) => `${PACKAGE.name}/${type}`;
const catalogues = Promise.all(Object.entries(PACKAGE['node-red'].nodes).map(([type, file]) =>
  i18n.registerMessageCatalog(namespace(type), path.join(root, path.dirname(file), 'locales'), `${path.basename(file, '.js')}.json`)));

/** The English text of one of our keys ("aims360-export.status.rows"), looked up in its node's catalogue; the key when missing. */
const english = (key, opts) => i18n._(`${namespace(key.split('.')[0])}:${key}`, opts);

/** A node module of ours, given a RED whose _ translates in its own catalogue, as Node-RED's does. */
function ourNode(type) {
  const register = require(path.join(root, PACKAGE['node-red'].nodes[type]));
  const _ = (key, opts) => i18n._(key.includes(':') ? key : `${namespace(type)}:${key}`, opts);
  return (RED) => register(Object.create(RED, { _: { value: _ } }));
}

const configNode = ourNode('aims360-config');
const jobStatusNode = ourNode('aims360-job-status');
const waitForJobNode = ourNode('aims360-wait-for-job');
const requestNode = ourNode('aims360-request');
const rerunJobNode = ourNode('aims360-rerun-job');
const fetchOutputNode = ourNode('aims360-fetch-output');
const exportNode = ourNode('aims360-export');
const jobEventsNode = ourNode('aims360-job-events');

/** Every node type of the pack, for helper.load. */
const allNodes = [
  configNode, jobStatusNode, waitForJobNode, requestNode, rerunJobNode, fetchOutputNode, exportNode, jobEventsNode,
  catchNode, statusNode, completeNode, splitJoinNodes,
];

/**
 * A tab, a config node pointing at the simulator, and catch, status and complete
 * nodes wired to helper nodes "caught", "statuses" and "completed" (for the node under
 * test, whose id is "node").
 */
function baseFlow(sim, config = {}) {
  return [
    { id: 'tab', type: 'tab', label: 'test' },
    { id: 'server', type: 'aims360-config', baseUrl: sim.url, authType: 'token', timeout: 5000, ...config },
    { id: 'catch', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
    { id: 'status', type: 'status', z: 'tab', scope: null, wires: [['statuses']] },
    { id: 'statuses', type: 'helper', z: 'tab' },
    { id: 'complete', type: 'complete', z: 'tab', scope: ['node'], wires: [['completed']] },
    { id: 'completed', type: 'helper', z: 'tab' },
  ];
}

/**
 * helper.load with every node of a tab placed: Node-RED treats a node without x/y
 * as a config node, and then sees its wires as circular config dependencies.
 */
async function load(flow, credentials) {
  await catalogues;
  const placed = flow.map((n) => (n.z && n.x === undefined ? { x: 100, y: 100, ...n } : n));
  return helper.load(allNodes, placed, credentials);
}

/** Collects every message a helper node receives. */
function collect(node) {
  const seen = [];
  node.on('input', (msg) => seen.push(msg));
  return seen;
}

const { wait, until } = require('./wait');

/**
 * For a node (id "node", in baseFlow) deployed with a setting its check refuses: a message
 * in gets BAD_INPUT at the Catch node with `message`, a red status `status`, and no request.
 */
async function expectRefusedSetting(sim, message, status) {
  const caught = collect(helper.getNode('caught'));
  const statuses = collect(helper.getNode('statuses'));
  helper.getNode('node').receive({});
  while (caught.length === 0) await wait(10);
  caught[0].error.code.should.equal('BAD_INPUT');
  caught[0].error.message.should.equal(message);
  statuses.pop().status.should.match({ fill: 'red', text: status });
  sim.log.length.should.equal(0);
}

/**
 * Runs fn with the process in another time zone (Node reads TZ afresh when it changes)
 * and answers fn's result with every HH:MM that zone's clock showed meanwhile.
 */
async function inTimeZone(zone, fn) {
  const saved = process.env.TZ;
  process.env.TZ = zone;
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const from = new Date();
  try {
    const result = await fn();
    return { result, times: [...new Set([clock.format(from), clock.format(new Date())])] };
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

const waiting = new WeakMap();

function queueOf(node) {
  if (!waiting.has(node)) {
    const queue = [];
    waiting.set(node, queue);
    node.on('input', (msg) => {
      const waiter = queue.shift();
      if (waiter) waiter(msg);
    });
  }
  return waiting.get(node);
}

/**
 * Resolves with the next message any of these helper nodes receives. One lasting
 * listener per node: Node-RED's input loop breaks when a listener removes itself
 * mid-emit (as once() does).
 */
function next(...nodes) {
  return new Promise((resolve) => {
    const queues = nodes.map(queueOf);
    const waiter = (msg) => {
      queues.forEach((q) => q.includes(waiter) && q.splice(q.indexOf(waiter), 1));
      resolve(msg);
    };
    queues.forEach((q) => q.push(waiter));
  });
}

/**
 * Loads a flow, sets context values on the node under test ("node"), e.g.
 * { flow: { key: value } }, sends it one message and resolves with the first message
 * that reaches "out" or "caught". Retries wait 5 ms instead of 500.
 */
async function sendOne(flow, credentials, input = {}, context = {}) {
  await load(flow, credentials);
  helper.getNode('server').client.retryPolicy.baseDelayMs = 5;
  const node = helper.getNode('node');
  for (const [scope, values] of Object.entries(context)) {
    for (const [key, value] of Object.entries(values)) node.context()[scope].set(key, value);
  }
  const answer = next(helper.getNode('out'), helper.getNode('caught'));
  node.receive(input);
  return answer;
}

/** The default job id lookup (README, "Nodes"), in order: [where, message carrying this id]. */
const jobIdLookups = [
  ['msg.jobId', (id) => ({ jobId: id, payload: 'ignored' })],
  ['msg.payload.jobId', (id) => ({ payload: { jobId: id } })],
  ['msg.payload.jobID', (id) => ({ payload: { jobID: id } })],
  ['msg.payload as a string', (id) => ({ payload: id })],
];

/** The job id "job-t" through every typed input type: [node properties, message, context]. */
function typedJobIdCases() {
  process.env.AIMS360_TEST_JOB = 'job-t';
  return [
    [{ jobId: 'ids.main', jobIdType: 'msg' }, { ids: { main: 'job-t' } }],
    [{ jobId: 'job-t', jobIdType: 'str' }, {}],
    [{ jobId: 'AIMS360_TEST_JOB', jobIdType: 'env' }, {}],
    [{ jobId: '"job-" & letter', jobIdType: 'jsonata' }, { letter: 't' }],
    [{ jobId: 'which', jobIdType: 'flow' }, {}, { flow: { which: 'job-t' } }],
    [{ jobId: 'which', jobIdType: 'global' }, {}, { global: { which: 'job-t' } }],
  ];
}

const BAD_JOB_IDS = [undefined, 42, '', "x' or jobStatus eq 'Failed", 'a/b', '../x', 'x'.repeat(129)];

/**
 * One test per malformed job id (or none at all) sent to the node loaded by loadFlow:
 * BAD_INPUT to Catch exactly once, nothing to Complete, a red status, no request.
 */
function itRefusesBadJobIds(getSim, loadFlow) {
  for (const bad of BAD_JOB_IDS) {
    it(`refuses the job id ${JSON.stringify(bad)?.slice(0, 30)} with BAD_INPUT and sends nothing`, async () => {
      await loadFlow();
      const caught = collect(helper.getNode('caught'));
      const statuses = collect(helper.getNode('statuses'));
      const completed = collect(helper.getNode('completed'));
      helper.getNode('node').receive(bad === undefined ? { payload: { other: 1 } } : { jobId: bad });
      await wait(50);
      // done(err): exactly one message to Catch, none to Complete (it fires on success only).
      caught.length.should.equal(1);
      caught[0].error.code.should.equal('BAD_INPUT');
      caught[0].error.message.should.match(/job id/);
      completed.length.should.equal(0);
      getSim().log.length.should.equal(0);
      statuses.pop().status.should.match({ fill: 'red', shape: 'ring', text: /^BAD_INPUT: / });
    });
  }
}

/**
 * Mocha hooks for a node test file: one simulator and one Node-RED test server for
 * the file, a clean simulator before each test, flows unloaded after each.
 * Returns a getter for the simulator.
 */
function useSimAndNodeRed(startSim) {
  let sim;
  before(async () => {
    sim = await startSim();
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await sim.close();
  });
  beforeEach(() => sim.reset());
  afterEach(() => helper.unload());
  return () => sim;
}

/**
 * A redeploy, as helper.setFlows does it but without its race: the helper listens for the
 * flows starting only after Node-RED's setFlows returned, and gives up after 300 ms, which a
 * loaded machine misses ("timeout waiting event").
 */
async function setFlows(flow, type, credentials) {
  let started;
  const flowsStarted = new Promise((resolve) => {
    started = resolve;
    helper._events.on('flows:started', started);
  });
  try {
    await helper._redNodes.setFlows(flow, credentials ?? {}, type);
    await flowsStarted;
  } finally {
    helper._events.off('flows:started', started);
  }
}

module.exports = {
  helper, setFlows, allNodes, english, baseFlow, load, next, collect, wait, until, expectRefusedSetting, inTimeZone, useSimAndNodeRed, sendOne, jobIdLookups, typedJobIdCases,
  itRefusesBadJobIds,
};
