// src/runtime/node-store.ts, where a node keeps its own state (persisted waits, changes only's
// fingerprints), in Node-RED with no context store configured (the helper's, and Node-RED's
// default): Node-RED deletes a node's context on every close there, a redeploy included.
const should = require('should');
const { helper, setFlows, baseFlow, load, next, wait, useSimAndNodeRed } = require('../support/red');
const { startSim, TOKEN } = require('../support/sim');
const { nodeStore } = require('../../dist/src/runtime/node-store.js');

const creds = { server: { token: TOKEN } };

function flow(sim, props = {}) {
  return [
    ...baseFlow(sim),
    {
      id: 'node', type: 'aims360-wait-for-job', z: 'tab', x: 100, y: 100, server: 'server', interval: '0.1', maxInterval: '0.3',
      wires: [['completed-out'], [], [], []], ...props,
    },
    { id: 'completed-out', type: 'helper', z: 'tab', x: 300, y: 100 },
  ];
}

/** A full deploy of the flow: every node closes and starts again (the editor gives every node on a tab a place). */
const redeploy = (f) => setFlows(f.map((n) => (n.x === undefined && n.z ? { x: 100, y: 100, ...n } : n)), 'full', creds);

describe('node store (src/runtime/node-store.ts)', function () {
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
  });

  it('keeps a value across a redeploy, in the node\'s own context, not the flow context', async () => {
    const f = flow(sim);
    await load(f, creds);
    await nodeStore(helper.getNode('node'), 'k').set({ a: 1 });
    helper.getNode('node').context().flow.keys().should.not.containEql('k');
    await redeploy(f);
    (await nodeStore(helper.getNode('node'), 'k').get()).should.eql({ a: 1 });
    helper.getNode('node').context().get('k').should.eql({ a: 1 });
  });

  it('forgets a value when its node is deleted, and one the user deleted from the node\'s context', async () => {
    const f = flow(sim);
    await load(f, creds);
    await nodeStore(helper.getNode('node'), 'gone').set('x');
    await nodeStore(helper.getNode('node'), 'cleared').set('y');
    helper.getNode('node').context().set('cleared', undefined);
    await redeploy(f.filter((n) => n.id !== 'node'));
    await redeploy(f);
    should(await nodeStore(helper.getNode('node'), 'gone').get()).be.undefined();
    should(await nodeStore(helper.getNode('node'), 'cleared').get()).be.undefined();
  });

  it('moves waits kept in the flow context by an older version into the node store, once', async () => {
    sim.addJob({ jobId: 'old-wait', runMs: 60000 });
    const f = flow(sim, { persist: true });
    await load(f, creds);
    // What the version before node-store.ts kept: `<type>-<id>` in the flow context.
    helper.getNode('node').context().flow.set('aims360-wait-for-job-node', [
      { jobId: 'old-wait', startedAt: Date.now(), deadline: 0, msg: { topic: 'kept by the old version' } },
    ]);
    await redeploy(f);
    const answer = next(helper.getNode('completed-out'));
    while (helper.getNode('node').context().get('aims360-waits') === undefined) await wait(10);
    should(helper.getNode('node').context().flow.get('aims360-wait-for-job-node')).be.undefined();
    sim.setJob('old-wait', { jobStatus: 'Completed' });
    (await answer).topic.should.equal('kept by the old version');
  });
});
