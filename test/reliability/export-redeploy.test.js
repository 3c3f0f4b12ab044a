// Export data redeployed while it downloads its job's output (persist on): the wait stays
// in the context store until its message has gone out, so the new node fetches the output
// again and sends it once. (A restart: ../e2e/restart.test.js.)
const should = require('should');
const { helper, setFlows, baseFlow, load, collect, next, wait, useSimAndNodeRed } = require('../support/red');
const { startSim, TOKEN } = require('../support/sim');

const DOCS = '/documentmanagement/';
const placed = (flow) => flow.map((n) => (n.z && n.x === undefined ? { x: 100, y: 100, ...n } : n));

describe('export data redeployed during its download (persist on)', function () {
  this.timeout(20000);
  const getSim = useSimAndNodeRed(startSim);

  for (const format of ['auto', 'stream-rows']) {
    it(`fetches the output again after the redeploy and sends it once (${format})`, async () => {
      const sim = getSim();
      sim.setConfig({ exportQueuedMs: 0, exportRunMs: 0 });
      // The first download never answers: it is still in flight when the redeploy comes.
      sim.addFault({ type: 'hang', match: { path: DOCS } });
      const flow = placed([
        ...baseFlow(sim),
        {
          id: 'node', type: 'aims360-export', z: 'tab', server: 'server', source: 'Orders', sourceType: 'str', viewName: 'All orders',
          viewNameType: 'str', outputFormat: 'CSV', format, rowsPerMessage: '10', interval: '0.05', maxInterval: '0.1', timeout: '0', persist: true, wires: [['out']],
        },
        { id: 'out', type: 'helper', z: 'tab' },
      ]);
      await load(flow, { server: { token: TOKEN } });
      helper.getNode('node').receive({ topic: 'before redeploy' });
      while (sim.listFaults()[0].hits === 0) await wait(10);

      await setFlows(flow, 'full', { server: { token: TOKEN } });
      const out = collect(helper.getNode('out'));
      const caught = collect(helper.getNode('caught'));
      // Bounded: the old code dropped the message, and nothing would ever come.
      const first = await Promise.race([next(helper.getNode('out'), helper.getNode('caught')), wait(8000)]);
      should.exist(first, 'nothing came after the redeploy');
      (first.error === undefined).should.be.true(first.error && `${first.error.code}: ${first.error.message}`);
      const blocks = format === 'stream-rows' ? 3 : 1;
      while (out.length < blocks) await wait(20);
      await wait(300);
      out.length.should.equal(blocks);
      caught.length.should.equal(0);
      out.every((m) => m.topic === 'before redeploy').should.be.true();
      const rows = format === 'stream-rows' ? out.reduce((n, m) => n + m.payload.length, 0) : out[0].payload.length;
      rows.should.equal(25);
      sim.log.filter((e) => e.method === 'POST').length.should.equal(1);
      sim.log.filter((e) => e.path.startsWith(DOCS)).length.should.equal(2);
      // Answered: nothing is kept any more.
      should(helper.getNode('node').context().get('aims360-waits')).be.undefined();
    });
  }
});
