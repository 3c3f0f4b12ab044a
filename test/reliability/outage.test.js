// An AIMS360 outage longer than three polls (the 35 s outage of issue 20, scaled down):
// answers of 503, then a refused connection. Waits with timeout 0 and persist on go on
// through it, show that AIMS360 is unreachable, and complete normally once it is back.
require('should');
const net = require('node:net');
const { helper, baseFlow, collect, next, wait, useSimAndNodeRed } = require('../support/red');
const { startSim, TOKEN } = require('../support/sim');
const { loadFast, trackCrashes } = require('../support/nodes');

const JOBS = '/jobsmanagement/';
// Polls that fail in a row before AIMS360 comes back: the old code gave up after 3.
const FAILED_POLLS = 6;

/**
 * A TCP proxy on a loopback port in front of the simulator that can be taken down
 * (every connection refused, open ones cut) and brought up again on the same port.
 */
async function startProxy(targetPort) {
  const sockets = new Set();
  let server;
  let port = 0;
  const up = () => new Promise((resolve, reject) => {
    server = net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.once('close', () => sockets.delete(s));
      }
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      port = server.address().port;
      resolve();
    });
  });
  const down = () => new Promise((resolve) => {
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
  await up();
  return { url: () => `http://127.0.0.1:${port}`, up, down };
}

/** Counts the polls the account's poller sends, and those that failed. */
function countPolls(client) {
  const polls = { sent: 0, failed: 0 };
  const requestJson = client.requestJson.bind(client);
  client.requestJson = (target, options) => {
    const poll = String(target).startsWith(JOBS);
    if (poll) polls.sent += 1;
    return requestJson(target, options).catch((err) => {
      if (poll) polls.failed += 1;
      throw err;
    });
  };
  return polls;
}

const OUTAGES = {
  '503 answers': {
    start: (sim) => sim.addFault({ type: 'status', status: 503, times: -1, match: { path: JOBS } }),
    end: (sim) => sim.clearFaults(),
  },
  'a refused connection': {
    start: (_sim, proxy) => proxy.down(),
    end: (_sim, proxy) => proxy.up(),
  },
};

const NODES = {
  'wait for job': {
    props: { type: 'aims360-wait-for-job', wires: [['out'], ['out'], ['out']] },
    /** Sends the message; answers the job id waited on. */
    begin: async (sim, node) => {
      sim.addJob({ jobId: 'outage-job', runMs: 600000 });
      node.receive({ jobId: 'outage-job', topic: 'through the outage' });
      return 'outage-job';
    },
    check: (msg) => msg.jobStatus.should.equal('Completed'),
  },
  'export data': {
    props: { type: 'aims360-export', source: 'Orders', sourceType: 'str', viewName: 'All orders', viewNameType: 'str', wires: [['out']] },
    begin: async (sim, node) => {
      sim.setConfig({ exportQueuedMs: 0, exportRunMs: 600000 });
      const before = sim.listJobs().length;
      node.receive({ topic: 'through the outage' });
      while (sim.listJobs().length === before) await wait(5);
      const job = sim.listJobs().at(-1);
      return job.jobID ?? job.jobId;
    },
    // The export's rows, fetched after the outage.
    check: (msg) => msg.payload.should.have.length(25),
  },
};

describe('an AIMS360 outage longer than three polls (timeout 0, persist on)', function () {
  this.timeout(30000);
  const getSim = useSimAndNodeRed(startSim);
  let proxy;
  let crashes;
  beforeEach(async () => {
    proxy = await startProxy(getSim().port);
    crashes = trackCrashes();
  });
  afterEach(async () => {
    crashes.stop();
    await helper.unload();
    await proxy.down();
  });

  for (const [name, node] of Object.entries(NODES)) {
    for (const [outage, { start, end }] of Object.entries(OUTAGES)) {
      it(`${name} goes on through ${outage}, shows AIMS360 unreachable, and completes once it is back`, async () => {
        const sim = getSim();
        const flow = [
          ...baseFlow(sim, { baseUrl: proxy.url(), timeout: 1000 }),
          { id: 'node', z: 'tab', server: 'server', interval: '0.05', maxInterval: '0.2', timeout: '0', persist: true, ...node.props },
          { id: 'out', type: 'helper', z: 'tab' },
        ];
        await loadFast(flow, { server: { token: TOKEN } });
        const polls = countPolls(helper.getNode('server').client);
        const statuses = collect(helper.getNode('statuses'));
        const caught = collect(helper.getNode('caught'));
        const out = collect(helper.getNode('out'));
        const jobId = await node.begin(sim, helper.getNode('node'));
        while (polls.sent === 0) await wait(5);

        await start(sim, proxy);
        const failedBefore = polls.failed;
        const unreachable = `${node.props.type}.status.unreachable`;
        while ((polls.failed - failedBefore < FAILED_POLLS || !statuses.some((m) => m.status.text === unreachable)) && caught.length === 0) {
          await wait(20);
        }
        caught.map((m) => m.error.code).should.eql([]);
        statuses.at(-1).status.should.match({ fill: 'yellow', text: unreachable });

        await end(sim, proxy);
        const answer = next(helper.getNode('out'), helper.getNode('caught'));
        sim.setJob(jobId, { jobStatus: 'Completed' });
        const msg = await answer;
        (msg.error === undefined).should.be.true(msg.error && `${msg.error.code}: ${msg.error.message}`);
        msg.topic.should.equal('through the outage');
        msg.jobId.should.equal(jobId);
        node.check(msg);
        await wait(300);
        out.length.should.equal(1);
        caught.length.should.equal(0);
        statuses.at(-1).status.text.should.not.equal(unreachable);
        crashes.seen.should.eql([]);
      });
    }
  }
});
