// 20 flows × 500 waits on one account while the simulator fails 5% of requests
// with 503: every wait answered once, and the polls of all flows share one poller and
// full requests.
require('should');
const { helper, baseFlow, load, wait, useSimAndNodeRed } = require('../support/red');
const { startSim, apiCalls } = require('../support/sim');
const { credentials } = require('../support/nodes');

const FLOWS = 20;
const WAITS = 500;

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
    const calls = apiCalls(sim, '/jobsmanagement/');
    const answered = calls.filter((c) => c.status === 200);
    const faults = sim.listFaults()[0].hits;
    const { maxFilterLength, maxIdsPerRequest } = helper.getNode('server').poller.options;
    const pollsPerJob = new Map();
    let filterChars = 0;
    let requestsOfSeveralFlows = 0;
    for (const call of answered) {
      const filter = new URLSearchParams(call.query).get('$filter');
      const ids = [...filter.matchAll(/'([^']+)'/g)].map((m) => m[1]);
      ids.length.should.be.belowOrEqual(maxIdsPerRequest);
      // Measured as the poller measures it.
      const chars = encodeURIComponent(filter).length;
      chars.should.be.belowOrEqual(maxFilterLength);
      filterChars += chars;
      for (const id of ids) pollsPerJob.set(id, (pollsPerJob.get(id) || 0) + 1);
      if (new Set(ids.map((id) => Math.floor(Number(id.slice('load-'.length)) / WAITS))).size > 1) requestsOfSeveralFlows += 1;
    }
    // Printed, not bounded: a round of 10,000 jobs takes about a second here, longer than the
    // interval, so the interval does not decide it (lib-poller's tests check intervals).
    const mostPolls = Math.max(...pollsPerJob.values());
    // How full the requests are: the filter characters sent over what the requests could hold.
    const fill = filterChars / (answered.length * maxFilterLength);
    console.log(`      ${answers.size} answered, ${caught.length} errors in ${seconds.toFixed(1)} s; ${calls.length} requests (${faults} got a 503), `
      + `${(fill * 100).toFixed(1)} % full, ${requestsOfSeveralFlows} with jobs of several flows; at most ${mostPolls} polls per job`);
    caught.should.eql([]);
    answers.size.should.equal(FLOWS * WAITS);
    [...answers.values()].every((n) => n === 1).should.be.true();
    (answered.length + faults).should.equal(calls.length);
    pollsPerJob.size.should.equal(FLOWS * WAITS);
    // One poller for the account: requests mix the flows' jobs, and only a round's last
    // request of each kind (polls, whole-job reads) is partly empty.
    requestsOfSeveralFlows.should.be.above(0);
    fill.should.be.above(0.9);
  });
});
