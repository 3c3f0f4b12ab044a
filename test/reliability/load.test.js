// 20 flows × 500 waits on one account while the simulator fails 5% of requests
// with 503: every wait answered once, and the requests stay batched.
require('should');
const { helper, baseFlow, load, wait, useSimAndNodeRed } = require('../support/red');
const { startSim, apiCalls } = require('../support/sim');
const { credentials } = require('../support/nodes');

const FLOWS = 20;
const WAITS = 500;
const IDS_PER_REQUEST = 100;

describe('load: 20 flows × 500 waits with 5% 503s', function () {
  this.timeout(120000);
  const getSim = useSimAndNodeRed(startSim);

  it('answers all 10,000 waits exactly once with batched polls', async () => {
    const sim = getSim();
    const flow = baseFlow(sim);
    for (let f = 0; f < FLOWS; f++) {
      flow.push({ id: `tab${f}`, type: 'tab', label: `flow ${f}` });
      flow.push({ id: `wait${f}`, type: 'aims360-wait-for-job', z: `tab${f}`, server: 'server', interval: '0.5', maxInterval: '1', timeout: '60', wires: [['out'], ['out'], ['out']] });
    }
    flow.push({ id: 'out', type: 'helper', z: 'tab' });
    for (let i = 0; i < FLOWS * WAITS; i++) sim.addJob({ jobId: `load-${i}`, runMs: 1000 + (i % 2000) });
    await load(flow, credentials());
    helper.getNode('server').client.retryPolicy.baseDelayMs = 5;
    sim.addFault({ type: 'status', status: 503, probability: 0.05, times: -1, match: { path: '/jobsmanagement/' } });
    const answers = new Map();
    helper.getNode('out').on('input', (msg) => answers.set(msg.seq, (answers.get(msg.seq) || 0) + 1));
    const caught = [];
    helper.getNode('caught').on('input', (msg) => caught.push(msg.error));
    const started = Date.now();
    for (let f = 0; f < FLOWS; f++) {
      for (let w = 0; w < WAITS; w++) {
        const seq = f * WAITS + w;
        helper.getNode(`wait${f}`).receive({ jobId: `load-${seq}`, seq });
      }
    }
    while (answers.size + caught.length < FLOWS * WAITS && Date.now() - started < 90000) await wait(100);
    await wait(500);
    const seconds = (Date.now() - started) / 1000;
    const requests = sim.requestCount;
    const faults = sim.listFaults()[0].hits;
    // A job runs at most 3 s and is polled at most every 0.5 s: at most 8 polls per id,
    // IDS_PER_REQUEST ids per request, plus one retry per injected 503.
    const bound = 8 * Math.ceil((FLOWS * WAITS) / IDS_PER_REQUEST) + faults;
    console.log(`      ${answers.size} answered, ${caught.length} errors, ${requests} requests (${faults} got a 503; bound ${bound}), ${seconds.toFixed(1)} s`);
    caught.should.eql([]);
    answers.size.should.equal(FLOWS * WAITS);
    [...answers.values()].every((n) => n === 1).should.be.true();
    requests.should.be.belowOrEqual(bound);
    apiCalls(sim, '/jobsmanagement/').length.should.be.above(0);
  });
});
