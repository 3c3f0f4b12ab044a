// The config node's request budget (maxRequestsPerSecond) seen from a wait node in Node-RED: when
// the budget stretches the polls, the wait's status says to what interval.
require('should');
const { helper, baseFlow, load, useSimAndNodeRed } = require('../support/red');
const { startSim, TOKEN } = require('../support/sim');

function flow(sim, maxRequestsPerSecond) {
  return [
    ...baseFlow(sim, { maxRequestsPerSecond }),
    { id: 'node', type: 'aims360-wait-for-job', z: 'tab', server: 'server', interval: '0.5', maxInterval: '0.5', timeout: '0', wires: [[], [], [], []] },
  ];
}

/** Resolves with the first status of `node` that `match` accepts. */
function statusOf(id, match) {
  return new Promise((resolve) => {
    helper.getNode('statuses').on('input', (msg) => {
      if (msg.status.source.id === id && match(msg.status)) resolve(msg.status);
    });
  });
}

describe('aims360-config: the request budget in a wait\'s status', function () {
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
    sim.addJob({ jobId: 'job-long', runMs: 600000 });
  });

  it('says "polling every … s: budget" when the budget stretches the wait\'s polls', async () => {
    // One request every 20 s, of which polls plan for 80 %: a 0.5 s interval stretches to 25 s.
    await load(flow(sim, '0.05'), { server: { token: TOKEN } });
    const said = statusOf('node', (s) => /budget/.test(s.text));
    helper.getNode('node').receive({ jobId: 'job-long' });
    const status = await said;
    status.should.match({ text: 'polling every 25 s: budget', fill: 'blue', shape: 'ring' });
  });

  it('shows the job\'s own status when the polls fit the budget', async () => {
    await load(flow(sim, '10'), { server: { token: TOKEN } });
    const said = statusOf('node', (s) => /^Inprogress|budget/.test(s.text));
    helper.getNode('node').receive({ jobId: 'job-long' });
    (await said).text.should.match(/^Inprogress/);
  });
});
