// 100 full redeploys in a row, each with waits and a large download in flight:
// afterwards timers, sockets, heap and partial files are back to where they began.
// (Waits are not persisted here: kept waits are meant to stay.)
require('should');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');
const { helper, setFlows, baseFlow, wait, useSimAndNodeRed } = require('../support/red');
const { startSim } = require('../support/sim');
const { credentials } = require('../support/nodes');

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc');

const REDEPLOYS = 100;
const WAITS = 50;
const count = (type) => process.getActiveResourcesInfo().filter((r) => r === type).length;
const placed = (flow) => flow.map((n) => (n.z && n.x === undefined ? { x: 100, y: 100, ...n } : n));

/**
 * Counts after garbage collection. The in-process simulator's request log and the
 * test helper's log spy (it keeps every log call, ~16,000 here) are emptied first.
 */
async function settle(sim) {
  await wait(300);
  sim.clearLog();
  helper.log().resetHistory();
  gc();
  await wait(50);
  gc();
  return { timers: count('Timeout'), sockets: count('TCPSocketWrap'), heap: process.memoryUsage().heapUsed };
}

describe('100 redeploys with waits and downloads in flight', function () {
  this.timeout(180000);
  const getSim = useSimAndNodeRed(startSim);
  let dir;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-redeploy-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('leaves no timer, socket, heap growth or partial file behind', async () => {
    const sim = getSim();
    for (let i = 0; i < WAITS; i++) sim.addJob({ jobId: `long-${i}`, runMs: 3600000 });
    sim.addJob({ jobId: 'big', responseType: 'Publishlink', scope: 'Private', documents: [{ name: 'big.csv', format: 'csv', sizeBytes: 2 * 1024 ** 3 }] });
    const flow = placed([
      ...baseFlow(sim),
      { id: 'wait', type: 'aims360-wait-for-job', z: 'tab', server: 'server', interval: '0.1', maxInterval: '0.2', timeout: '600', wires: [[], [], []] },
      { id: 'fetch', type: 'aims360-fetch-output', z: 'tab', server: 'server', format: 'file', directory: dir, directoryType: 'str', wires: [[]] },
    ]);
    const start = async () => {
      for (let i = 0; i < WAITS; i++) helper.getNode('wait').receive({ jobId: `long-${i}` });
      helper.getNode('fetch').receive({ jobId: 'big' });
    };

    await helper.load(require('../support/red').allNodes, flow, credentials());
    await helper.unload();
    const before = await settle(sim);

    await helper.load(require('../support/red').allNodes, flow, credentials());
    await start();
    for (let i = 0; i < REDEPLOYS; i++) {
      await wait(20);
      await setFlows(flow, 'full', credentials());
      await start();
    }
    await wait(200);
    // Each deploy dropped the waits of the one before: one poll entry per job of the last.
    helper.getNode('server').poller.size.should.equal(WAITS);
    await helper.unload();
    const after = await settle(sim);

    after.timers.should.be.belowOrEqual(before.timers);
    after.sockets.should.be.belowOrEqual(before.sockets);
    // 4.4 MB remains in our runs whatever is in flight (Node-RED's own); 50 waits or one download kept per deploy would add 15–25 MB.
    ((after.heap - before.heap) / 1048576).should.be.below(8);
    fs.readdirSync(dir).should.eql([]);
    console.log(`      ${REDEPLOYS} redeploys: timers ${before.timers}→${after.timers}, sockets ${before.sockets}→${after.sockets}, ` +
      `heap ${(before.heap / 1048576).toFixed(1)}→${(after.heap / 1048576).toFixed(1)} MB`);
  });
});
