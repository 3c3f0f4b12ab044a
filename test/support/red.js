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

const configNode = require('../../dist/nodes/aims360-config/aims360-config.js');
const jobStatusNode = require('../../dist/nodes/job-status/job-status.js');
const fetchOutputNode = require('../../dist/nodes/fetch-output/fetch-output.js');

/** Every node type of the pack, for helper.load. */
const allNodes = [configNode, jobStatusNode, fetchOutputNode, catchNode, statusNode, completeNode, splitJoinNodes];

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
function load(flow, credentials) {
  const placed = flow.map((n) => (n.z && n.x === undefined ? { x: 100, y: 100, ...n } : n));
  return helper.load(allNodes, placed, credentials);
}

/** Collects every message a helper node receives. */
function collect(node) {
  const seen = [];
  node.on('input', (msg) => seen.push(msg));
  return seen;
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

module.exports = { helper, allNodes, baseFlow, load, next, collect, wait, useSimAndNodeRed };
