// Every file in examples/ runs against the demo simulator through the packed and
// installed package: deployed with the admin API, watched in the debug sidebar.
require('should');
const { usePackedNodeRed, examples } = require('../support/packed');
const { startSim, TOKEN } = require('../support/sim');
const { listen } = require('../support/comms');
const { expectations, checkShown } = require('../support/examples');

describe('example flows, packed and installed, against the simulator', function () {
  this.timeout(60000);
  let sim;
  let comms;
  before(async () => {
    sim = await startSim({ demo: true });
  });
  after(async () => {
    if (sim) await sim.close();
  });
  const red = usePackedNodeRed();

  before(async () => {
    comms = await listen(red().url);
    // Every example on its own tab, its config node pointed at the simulator.
    const flows = [];
    const seen = new Set();
    for (const { file, flow } of examples()) {
      const tab = `tab-${file}`;
      flows.push({ id: tab, type: 'tab', label: file });
      for (const node of flow) {
        if (seen.has(node.id)) continue;
        seen.add(node.id);
        if (node.type === 'aims360-config') flows.push({ ...node, baseUrl: sim.url, credentials: { token: TOKEN } });
        else flows.push(node.z ? { ...node, z: tab } : node);
      }
    }
    const res = await fetch(`${red().url}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'node-red-deployment-type': 'full' },
      body: JSON.stringify(flows),
    });
    res.status.should.equal(204, await res.text());
  });
  after(() => comms && comms.close());

  const shown = (id) => (event) => event.topic === 'debug' && event.data && event.data.id === id;

  for (const { file, flow } of examples()) {
    it(`${file}: every debug node shows what the example is for`, async () => {
      const expected = expectations(flow);
      expected.some((e) => e.kind === 'result').should.be.true(`${file} has no debug node on a normal path`);
      for (const e of expected.filter((x) => x.kind !== 'silent')) {
        const event = await comms.waitFor(shown(e.id), 50000);
        checkShown(e, event.data);
      }
      for (const e of expected.filter((x) => x.kind === 'silent')) {
        const event = comms.events.find(shown(e.id));
        if (event) checkShown(e, event.data);
      }
    });
  }
});
