#!/usr/bin/env node
// The job events node against the plain Node-RED way of watching an account (an inject that
// reads every job each interval: http request, following @odata.nextLink with a function
// node), on an account of 10,000 jobs (a day's worth), in one run against the simulator:
// requests and bytes per poll, the heap each flow holds between polls (the simulator runs in
// this process: its own allocations while it answers are not told apart, so no peak is shown),
// and the size of the node's saved state. Usage:
//   node --expose-gc bench/job-events.js [jobs=10000] [polls=10] [new jobs per poll=4]
// New jobs per poll: 10,000 jobs a day are about 3.5 every 30 s (the node's default interval).
const path = require('node:path');
const { helper, allNodes } = require('../test/support/red');
const { startSim, TOKEN } = require('../test/support/sim');

const JOBS = Number(process.argv[2] || 10000);
const POLLS = Number(process.argv[3] || 10);
const NEW_PER_POLL = Number(process.argv[4] || 4);
const DAY_MS = 24 * 3600 * 1000;
const core = (file) => require(require.resolve(`@node-red/nodes/core/${file}`, { paths: [path.dirname(require.resolve('node-red'))] }));
const coreNodes = ['common/20-inject.js', 'network/21-httprequest.js', 'function/10-function.js', 'function/89-delay.js'].map(core);

const gc = () => global.gc && global.gc();
const heapMB = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1048576;
};

const tab = { id: 'tab', type: 'tab', label: 'bench' };
const server = (sim) => ({ id: 'server', type: 'aims360-config', baseUrl: sim.url, authType: 'token', timeout: 30000, maxRequestsPerSecond: 0 });

function nodeFlow(sim) {
  return [
    tab,
    server(sim),
    { id: 'events', type: 'aims360-job-events', z: 'tab', server: 'server', events: 'queued,started,completed,failed', interval: 1, wires: [['out']] },
    { id: 'out', type: 'helper', z: 'tab' },
  ];
}

/**
 * The plain way: read every job, page by page, hand on the whole list, and again an interval
 * after (as the node: a read that takes longer than the interval does not overlap the next).
 */
function plainFlow(sim) {
  const first = `${sim.url}/jobsmanagement/odata/v1.0/backgroundjob`;
  return [
    tab,
    { id: 'tick', type: 'inject', z: 'tab', repeat: '', once: true, onceDelay: 0.1, topic: '', payload: '', payloadType: 'date', props: [{ p: 'payload' }], wires: [['start']] },
    {
      id: 'start', type: 'function', z: 'tab', outputs: 1,
      func: `msg.url = ${JSON.stringify(first)}; msg.headers = { authorization: 'Bearer ${TOKEN}' }; msg.jobs = []; return msg;`,
      wires: [['get']],
    },
    { id: 'get', type: 'http request', z: 'tab', method: 'GET', ret: 'obj', paytoqs: 'ignore', url: '', wires: [['page']] },
    {
      id: 'page', type: 'function', z: 'tab', outputs: 2,
      // The http request node leaves the answer's headers in msg.headers: the token goes back in.
      func: `msg.jobs = msg.jobs.concat(msg.payload.value || []); const next = msg.payload['@odata.nextLink']; if (next) { msg.url = next; msg.headers = { authorization: 'Bearer ${TOKEN}' }; return [msg, null]; } msg.payload = msg.jobs; delete msg.jobs; return [null, msg];`,
      wires: [['get'], ['out', 'again']],
    },
    { id: 'again', type: 'delay', z: 'tab', pauseType: 'delay', timeout: '1', timeoutUnits: 'seconds', rate: '1', nbRateUnits: '1', rateUnits: 'second', wires: [['start']] },
    { id: 'out', type: 'helper', z: 'tab' },
  ];
}

/** Runs a flow for POLLS polls while new jobs arrive; answers requests, bytes per poll, heap. */
async function measure(sim, flow, { pollsOf, polls: count = POLLS }) {
  sim.clearLog();
  await helper.load([...allNodes, ...coreNodes], flow.map((n) => (n.z ? { x: 100, y: 100, ...n } : n)), { server: { token: TOKEN } });
  const out = helper.getNode('out');
  let ends = 0;
  out.on('input', () => (ends += 1));
  // The first poll (the node's baseline, the plain flow's first read) is not counted.
  const settle = async (n) => {
    const from = pollsOf(sim, ends);
    while (pollsOf(sim, ends) < from + n) await new Promise((r) => setTimeout(r, 20));
  };
  await settle(1);
  const counted = sim.log.length;
  const start = pollsOf(sim, ends);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < NEW_PER_POLL; j++) sim.addJob({});
    await settle(1);
  }
  const polls = pollsOf(sim, ends) - start;
  const state = helper.getNode('events')?.context().get('aims360-job-events');
  const calls = sim.log.slice(counted).filter((e) => e.path.includes('/jobsmanagement/'));
  // What the running flow holds: the heap now, less the heap once it is gone (modules stay loaded).
  const running = heapMB();
  await helper.unload();
  const heap = running - heapMB();
  if (process.env.BENCH_DEBUG) console.log(calls.slice(0, 5).map((c) => `${c.status} ${c.query.slice(0, 80)} ${c.bytes}`));
  return {
    requests: calls.length / polls,
    bytes: calls.reduce((n, e) => n + (e.bytes ?? 0), 0) / polls,
    heap,
    events: ends,
    state: state && { jobs: Object.keys(state.jobs).length, bytes: JSON.stringify(state).length },
  };
}

async function main() {
  const sim = await startSim();
  const now = Date.now();
  // A day's worth of ended jobs, oldest first.
  for (let i = 0; i < JOBS; i++) sim.addJob({ createdDate: new Date(now - DAY_MS + (i * DAY_MS) / JOBS).toISOString() });
  await helper.startServer();
  try {
    // The node polls once per interval: its polls are its statuses; the plain flow's are its outputs.
    let nodePolls = 0;
    const node = await measure(sim, nodeFlow(sim), {
      pollsOf: () => {
        const events = helper.getNode('events');
        if (events && !events.benchCounted) {
          events.benchCounted = true;
          const status = events.status.bind(events);
          events.status = (s) => {
            if (s.text !== 'aims360-job-events.status.starting') nodePolls += 1;
            return status(s);
          };
        }
        return nodePolls;
      },
    });
    // Each of its polls reads every page (the simulator renders the whole account for each): two are enough.
    const plain = await measure(sim, plainFlow(sim), { pollsOf: (_sim, ends) => ends, polls: 2 });
    const row = (name, r) => `${name.padEnd(34)} ${r.requests.toFixed(1).padStart(9)} ${(r.bytes / 1024).toFixed(1).padStart(10)} ${r.heap.toFixed(2).padStart(13)}`;
    console.log(`${JOBS} jobs in the account, ${NEW_PER_POLL} new per poll; polls counted after the first: node ${POLLS}, plain 2`);
    console.log(`${'flow'.padEnd(34)} ${'req/poll'.padStart(9)} ${'KiB/poll'.padStart(10)} ${'held heap MB'.padStart(13)}`);
    console.log(row('job events node', node));
    console.log(row('inject → http request (all jobs)', plain));
    console.log(`ratio (plain / node): requests ${(plain.requests / node.requests).toFixed(0)}×, bytes ${(plain.bytes / node.bytes).toFixed(0)}×`);
    console.log(`the node's saved state: ${node.state.jobs} jobs remembered, ${node.state.bytes} bytes of JSON`);
    console.log(`events sent by the node: ${node.events} (${POLLS * NEW_PER_POLL} new jobs, each queued, started, completed)`);
  } finally {
    await helper.stopServer();
    await sim.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
