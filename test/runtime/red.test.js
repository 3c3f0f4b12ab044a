// src/runtime/red.ts, handleInput and messageSignal: many messages in flight add no abort
// listener to a shared signal (a node's), so Node's MaxListenersExceededWarning is left on and
// still speaks when one message adds more than Node's limit (10 on Node 20).
require('should');
const path = require('node:path');
const { getEventListeners, getMaxListeners } = require('node:events');
const { handleInput } = require('../../dist/src/runtime/red.js');
const { helper } = require('../support/red');
const { leakWarnings, warningsEmitted } = require('../support/warnings');

const root = path.resolve(__dirname, '..', '..');
const PACKAGE = require(path.join(root, 'package.json'));

describe('handleInput abort listeners (src/runtime/red.ts)', function () {
  let warnings;
  beforeEach(() => (warnings = leakWarnings()));
  afterEach(() => warnings.stop());

  /** Handlers started: each message's signal, and a promise that resolves when it aborts (the node closes). */
  let started;
  let onStart = () => undefined;

  /** A node on the pack's one input path whose handler adds msg.listeners abort listeners and waits for the abort. */
  function listeningNode(RED) {
    RED.nodes.registerType('test-listening', function (config) {
      RED.nodes.createNode(this, config);
      handleInput(RED, this, config, ({ msg, signal }) => {
        for (let i = 0; i < msg.listeners; i++) signal.addEventListener('abort', () => undefined);
        const ended = new Promise((resolve) => signal.addEventListener('abort', resolve));
        started.push({ signal, ended });
        onStart();
        return ended;
      });
    });
  }
  const configNode = require(path.join(root, PACKAGE['node-red'].nodes['aims360-config']));
  const flow = [
    { id: 'tab', type: 'tab', label: 'test' },
    { id: 'server', type: 'aims360-config', baseUrl: 'http://127.0.0.1:9', authType: 'token' },
    { id: 'node', type: 'test-listening', z: 'tab', x: 100, y: 100, server: 'server', wires: [] },
  ];
  /** Node's own limit for an AbortSignal: 10 on Node 20, none (0) on Node 22, which never warns for them. */
  const NODE_LIMIT = getMaxListeners(new AbortController().signal);

  beforeEach(() => {
    started = [];
    return helper.load([configNode, listeningNode], flow, { server: { token: 'tok' } });
  });
  afterEach(() => helper.unload());

  /** Sends the messages and resolves when every handler has started. */
  function inFlight(count, listeners) {
    const all = new Promise((resolve) => (onStart = () => started.length === count && resolve()));
    for (let i = 0; i < count; i++) helper.getNode('node').receive({ payload: i, listeners });
    return all;
  }

  it('gives each message its own signal: 30 messages in flight, two listeners each, warn of nothing, and all end on close', async () => {
    await inFlight(30, 1);
    await warningsEmitted();
    warnings.seen.should.be.empty();
    new Set(started.map((s) => s.signal)).size.should.equal(30);
    for (const { signal } of started) getEventListeners(signal, 'abort').should.have.length(2);
    await helper.unload();
    await Promise.all(started.map((s) => s.ended));
  });

  it("keeps Node's own limit on a message's signal, so Node still warns when one message adds more", async () => {
    await inFlight(1, Math.max(NODE_LIMIT, 10));
    await warningsEmitted();
    getMaxListeners(started[0].signal).should.equal(NODE_LIMIT);
    warnings.seen.should.have.length(NODE_LIMIT > 0 ? 1 : 0);
    await helper.unload();
    await started[0].ended;
  });
});
