#!/usr/bin/env node
// Issue 24's goals for wait for job, each printed beside its figure, in one run against the
// simulator (in its own process, so its memory does not count):
// 1. requests: wait for job at the default request budget (10/s) against the plain Node-RED loop
//    (change → http request → switch → delay), both polling every job at the same pace;
// 2. memory: 10,000 waits being polled, peak RSS beyond a core delay node holding 10,000 messages;
// 3. latency: an http-in → http-response ping in the same Node-RED while they are polled.
// Usage:
//   nice -n -15 node --expose-gc bench/wait.js [jobs=1000] [waits=10000] [parts=requests,polled]
//   (part `flat`: the requests part again with every job's percentCompleted held at 50, so that
//   wait for job cannot time a poll to a job's end)
//   node --expose-gc bench/wait.js --snapshot [count=10000]: what each held message costs, by
//   kind of object (heap snapshots before and after, wait for job against the delay node)
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { helper, allNodes } = require('../test/support/red');

// `--held <kind> <count> <simulator url> <hold ms> [snapshot]`: one measurement in a fresh process, as JSON.
const HELD = process.argv[2] === '--held'
  ? { kind: process.argv[3], count: Number(process.argv[4]), url: process.argv[5], holdMs: Number(process.argv[6]), snapshot: process.argv[7] === 'snapshot' }
  : undefined;
const SNAPSHOT = process.argv[2] === '--snapshot' ? Number(process.argv[3] || 10000) : undefined;
const JOBS = Number(process.argv[2] || 1000);
const WAITS = Number(process.argv[3] || 10000);
const PARTS = (process.argv[4] || 'requests,polled').split(',');
// Both flows poll every job this often: at 1,000 jobs the pack's polls fit the default budget at this pace,
// so it is not stretched, and the plain loop's delay node waits as long.
const INTERVAL_S = 5;
// How long each job runs after a common start (ms), spread evenly.
const RUN_MS = [10000, 40000];
const TOKEN = 'simulator-token';
const GOALS = { requestRatio: 20, bytesPerWait: 5 * 1024, pingP99Ms: 20 };
const core = (file) => require(require.resolve(`@node-red/nodes/core/${file}`, { paths: [path.dirname(require.resolve('node-red'))] }));
const coreNodes = ['network/21-httprequest.js', 'function/10-switch.js', 'function/89-delay.js', 'function/15-change.js'].map(core);
// The http in node serves on RED.httpNode, which the test helper does not listen on: kept here to serve it.
let httpNodeApp;
const httpIn = (RED) => {
  httpNodeApp = RED.httpNode;
  return core('network/21-httpin.js')(RED);
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const gc = () => global.gc && global.gc();
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

function startSimulator() {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'dist', 'simulator', 'cli.js'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (url) resolve({ url: url[0], child });
    });
    child.once('exit', () => reject(new Error(`simulator exited: ${out}`)));
  });
}

async function control(sim, method, route, body) {
  const res = await fetch(`${sim.url}/_sim/${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // A refused control call would leave the bench measuring something else (e.g. waits on jobs that do not exist).
  if (!res.ok) throw new Error(`simulator ${method} ${route}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

/**
 * Adds jobs that all start running at one moment a few seconds ahead, whatever
 * the time it takes to add them; resolves id → completion time (ms since epoch).
 */
async function addJobs(sim, prefix, count, runMs, forced) {
  const ends = new Map();
  const runningAt = Date.now() + 3000 + count;
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-6576767c-a264-4fc5-${String(i).padStart(12, '0')}`);
  for (let start = 0; start < count; start += 50) {
    await Promise.all(ids.slice(start, start + 50).map((jobId, k) => {
      const run = runMs(start + k);
      // Adding many jobs can outlast the lead time: those added late start at once.
      const queuedMs = Math.max(0, runningAt - Date.now());
      ends.set(jobId, Date.now() + queuedMs + run);
      // `forced`: what the simulator forces from the start (e.g. percentCompleted).
      return control(sim, 'POST', 'jobs', { jobId, queuedMs, runMs: run, ...forced });
    }));
  }
  return ends;
}

// Paced like the wait node: each job is asked about every `paceMs` (the wait node's measured pace)
// from one request's start to the next: msg.delay is the pace less the time the request took.
const plainFlow = (sim, paceMs) => [
  { id: 'tab', type: 'tab' },
  {
    id: 'url', type: 'change', z: 'tab', x: 1, y: 1, wires: [['get']],
    rules: [
      { t: 'set', p: 'url', pt: 'msg', to: `"${sim.url}/jobsmanagement/odata/v1.0/backgroundjob?$filter=jobId%20eq%20'" & jobId & "'"`, tot: 'jsonata' },
      { t: 'set', p: 'headers', pt: 'msg', to: `{"Authorization": "Bearer ${TOKEN}"}`, tot: 'json' },
      { t: 'set', p: 'polledAt', pt: 'msg', to: '$millis()', tot: 'jsonata' },
    ],
  },
  { id: 'get', type: 'http request', z: 'tab', x: 1, y: 1, method: 'GET', ret: 'obj', paytoqs: 'ignore', url: '', wires: [['switch']] },
  {
    id: 'switch', type: 'switch', z: 'tab', x: 1, y: 1, property: 'payload.value[0].jobStatus', propertyType: 'msg', checkall: 'false', outputs: 3,
    rules: [{ t: 'eq', v: 'Completed', vt: 'str' }, { t: 'eq', v: 'Failed', vt: 'str' }, { t: 'else' }],
    wires: [['out'], ['out'], ['pace']],
  },
  {
    id: 'pace', type: 'change', z: 'tab', x: 1, y: 1, wires: [['delay']],
    rules: [{ t: 'set', p: 'delay', pt: 'msg', to: `$max([0, ${Math.round(paceMs)} - ($millis() - polledAt)])`, tot: 'jsonata' }],
  },
  { id: 'delay', type: 'delay', z: 'tab', x: 1, y: 1, pauseType: 'delayv', timeout: String(INTERVAL_S), timeoutUnits: 'seconds', wires: [['url']] },
  { id: 'out', type: 'helper', z: 'tab', x: 1, y: 1 },
];

// The config node leaves maxRequestsPerSecond at its default (10) unless `budget` says otherwise.
const waitFlow = (sim, props = {}, budget = {}) => [
  { id: 'tab', type: 'tab' },
  { id: 'server', type: 'aims360-config', baseUrl: sim.url, authType: 'token', timeout: 30000, ...budget },
  {
    id: 'in', type: 'aims360-wait-for-job', z: 'tab', x: 1, y: 1, server: 'server', interval: String(INTERVAL_S), maxInterval: String(INTERVAL_S),
    timeout: '3600', wires: [['out'], ['out'], ['out']], ...props,
  },
  { id: 'out', type: 'helper', z: 'tab', x: 1, y: 1 },
];

/** Runs one flow over JOBS jobs; returns requests, delays after completion, and heap growth. */
async function measure(sim, name, flow, entry, spec) {
  await control(sim, 'POST', 'reset');
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 50);
  const ends = await addJobs(sim, name, JOBS, (i) => RUN_MS[0] + ((i * 7919) % (RUN_MS[1] - RUN_MS[0])), spec);
  await helper.load([...allNodes, ...coreNodes], flow, { server: { token: TOKEN } });
  const budget = helper.getNode('server')?.client.budget.perSecond;
  const delays = [];
  helper.getNode('out').on('input', (msg) => delays.push(Date.now() - ends.get(msg.jobId)));
  const input = helper.getNode(entry);
  for (const jobId of ends.keys()) input.receive({ jobId });
  while (delays.length < JOBS) await sleep(100);
  clearInterval(sampler);
  const { requests } = await control(sim, 'GET', 'info');
  const polls = await pollsOf(sim, requests);
  await helper.unload();
  return { requests, budget, ...polls, median: percentile(delays, 50), p95: percentile(delays, 95), heapMB: (heapPeak - heapBefore) / 1048576 };
}

/** Job ids asked for per job (each poll of a job, a whole-job read included) and how full the requests were, from the simulator's log. */
async function pollsOf(sim, requests) {
  const log = await control(sim, 'GET', 'log');
  if (log.length < requests) throw new Error(`the simulator's log kept ${log.length} of ${requests} requests`);
  const asked = log.filter((e) => e.path.endsWith('/backgroundjob')).map((e) => (decodeURIComponent(e.query).match(/jobId eq/g) || []).length);
  const ids = asked.reduce((sum, n) => sum + n, 0);
  // The pace: time between one poll of a job and the next; a whole-job read that ends a wait (after
  // the poll that saw the job end) is left out, running jobs read whole with it are not.
  const polls = log.filter((e) => e.path.endsWith('/backgroundjob'));
  const polledAt = new Map();
  for (const e of polls) {
    const whole = !new URLSearchParams(e.query).has('$select');
    for (const [, id] of decodeURIComponent(e.query).matchAll(/jobId eq '([^']+)'/g)) {
      if (!polledAt.has(id)) polledAt.set(id, []);
      polledAt.get(id).push({ at: Date.parse(e.time), whole });
    }
  }
  const selected = polls.filter((e) => new URLSearchParams(e.query).has('$select'));
  for (const [id, times] of polledAt) {
    if (selected.length > 0 && times.length > 1 && times.at(-1).whole) times.pop();
    polledAt.set(id, times.map((t) => t.at));
  }
  let gaps = 0;
  let gapMs = 0;
  for (const times of polledAt.values()) {
    gaps += times.length - 1;
    gapMs += times[times.length - 1] - times[0];
  }
  const whole = polls.filter((e) => !new URLSearchParams(e.query).has('$select'));
  const wholeIds = whole.reduce((sum, e) => sum + (decodeURIComponent(e.query).match(/jobId eq/g) || []).length, 0);
  return { pollsPerJob: ids / JOBS, wholePerJob: selected.length > 0 ? wholeIds / JOBS : 0, idsPerRequest: ids / asked.length, paceMs: gapMs / gaps };
}

const delayFlow = () => [
  { id: 'tab', type: 'tab' },
  { id: 'in', type: 'delay', z: 'tab', x: 1, y: 1, pauseType: 'delay', timeout: '3600', timeoutUnits: 'seconds', wires: [['out']] },
  { id: 'out', type: 'helper', z: 'tab', x: 1, y: 1 },
];

const pingFlow = [
  { id: 'ping', type: 'http in', z: 'tab', x: 1, y: 1, url: '/ping', method: 'get', wires: [['pong']] },
  { id: 'pong', type: 'http response', z: 'tab', x: 1, y: 1, statusCode: '200', headers: {}, wires: [] },
];

/** Pings the flow's http in node one request after the other for `ms`; resolves the round trips (ms). */
async function pings(url, ms) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const start = process.hrtime.bigint();
    await new Promise((resolve, reject) => {
      http.get(`${url}/ping`, { agent }, (res) => res.resume().once('end', resolve)).once('error', reject);
    });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    await sleep(20);
  }
  agent.destroy();
  return times;
}

/** Waits whose job has not been answered yet (the runtime's list of waits keeps each one's last status). */
function unpolled() {
  const { waitRegistry } = require('../dist/src/lib/wait-registry');
  let count = 0;
  for (const record of waitRegistry.waits) if (record.status === null) count += 1;
  return count;
}

/**
 * `count` messages held by wait for job (jobs that never end, polled until each has been answered
 * at least once, and `holdMs` at least) or by a core delay node (an hour's delay, held `holdMs`),
 * with an http-in ping in the same Node-RED: heap growth after GC, peak RSS growth (sampled every
 * 50 ms), ping round trips idle and while held, the event loop's delay, the time held.
 */
async function heldMessages(sim, count, kind, holdMs, snapshot = false) {
  await control(sim, 'POST', 'reset');
  const ids = kind === 'delay' ? Array.from({ length: count }, (_, i) => `held-${i}`) : [...(await addJobs(sim, 'held', count, () => 3600000)).keys()];
  const budget = kind === 'wait-nocap' ? { maxRequestsPerSecond: 0 } : {};
  const persist = kind === 'wait-persist' ? { persist: true } : {};
  const flow = kind === 'delay' ? delayFlow() : waitFlow(sim, { interval: String(INTERVAL_S), maxInterval: '60', ...persist }, budget);
  await helper.load([...allNodes, ...coreNodes, httpIn], [...flow, ...pingFlow], { server: { token: TOKEN } });
  const server = http.createServer(httpNodeApp).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const idle = await pings(url, 3000);
  // The snapshot's own parsing is garbage by the time of the gc() below.
  const shapesBefore = snapshot ? heapByKind() : undefined;
  gc();
  const before = process.memoryUsage();
  let rssPeak = before.rss;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const input = helper.getNode('in');
  let ended = 0;
  helper.getNode('out').on('input', () => (ended += 1));
  const started = Date.now();
  for (const jobId of ids) input.receive({ jobId });
  // Measured once every message is in: the bench's own loop of receive() calls is not the pack's.
  await sleep(1000);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const polled = [];
  const pinging = (async () => {
    while (Date.now() - started < holdMs || (kind !== 'delay' && unpolled() > 0)) polled.push(...(await pings(url, 1000)));
  })();
  await pinging;
  loop.disable();
  clearInterval(sampler);
  const heldMs = Date.now() - started;
  const waiting = kind === 'delay' ? count - ended : helper.getNode('server').poller.size;
  if (waiting !== count) throw new Error(`${count - waiting} of ${count} held messages ended early: the figures would not be per held message`);
  const requests = kind === 'delay' ? 0 : (await control(sim, 'GET', 'info')).requests;
  gc();
  const heap = process.memoryUsage().heapUsed - before.heapUsed;
  const shapes = snapshot ? growthByKind(shapesBefore, heapByKind()) : undefined;
  server.close();
  await helper.unload();
  return {
    heap, rss: rssPeak - before.rss, shapes, heldMs, requests,
    // The kernel's own peak (since the process started, loading included): a check on the sampled one.
    maxRss: process.resourceUsage().maxRSS * 1024 - before.rss,
    idleP99: percentile(idle, 99), pingP50: percentile(polled, 50), pingP99: percentile(polled, 99), pingMax: Math.max(...polled),
    loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6,
  };
}

/** Self size and count of every kind of object on the heap (V8 snapshot type and constructor or closure name). */
function heapByKind() {
  const file = v8.writeHeapSnapshot(path.join(os.tmpdir(), `aims360-wait-${process.pid}.heapsnapshot`));
  try {
    const { snapshot, nodes, strings } = JSON.parse(fs.readFileSync(file, 'utf8'));
    const fields = snapshot.meta.node_fields;
    const types = snapshot.meta.node_types[0];
    const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
    const kinds = new Map();
    for (let i = 0; i < nodes.length; i += fields.length) {
      const type = types[nodes[i + typeAt]];
      // Strings and code are grouped by type; their "names" are their contents.
      const name = ['object', 'closure', 'native'].includes(type) ? strings[nodes[i + nameAt]] : '';
      const key = `${type} ${name}`.trim();
      const kind = kinds.get(key) ?? { bytes: 0, count: 0 };
      kind.bytes += nodes[i + sizeAt];
      kind.count += 1;
      kinds.set(key, kind);
    }
    return kinds;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function growthByKind(before, after) {
  const growth = [];
  for (const [key, { bytes, count }] of after) {
    const was = before.get(key) ?? { bytes: 0, count: 0 };
    if (bytes !== was.bytes) growth.push({ key, bytes: bytes - was.bytes, count: count - was.count });
  }
  return growth.sort((a, b) => b.bytes - a.bytes);
}

/** What each held message costs, by kind of object: wait for job, the delay node, and the difference. */
async function snapshotPerWait(sim, count) {
  const wait = await heldInChild(sim, count, 'wait', 15000, true);
  const delay = await heldInChild(sim, count, 'delay', wait.heldMs, true);
  const delayBytes = new Map(delay.shapes.map((s) => [s.key, s.bytes]));
  const per = (bytes) => (bytes / count).toFixed(0).padStart(6);
  console.log(`${count} messages held: heap growth after GC ${per(wait.heap)} bytes per wait, ${per(delay.heap)} per delayed message
`);
  console.log('| kind of object (V8 heap snapshot) | objects per wait | bytes per wait | bytes per delayed message |\n|---|---|---|---|');
  for (const s of wait.shapes.slice(0, 25)) {
    console.log(`| ${s.key.replace(/\|/g, '/').slice(0, 70)} | ${(s.count / count).toFixed(2)} | ${per(s.bytes)} | ${per(delayBytes.get(s.key) ?? 0)} |`);
  }
}

/** heldMessages in a process of its own, so that its peak RSS is its own. */
function heldInChild(sim, count, kind, holdMs, snapshot = false) {
  const child = spawn(process.execPath, ['--expose-gc', __filename, '--held', kind, String(count), sim.url, String(holdMs), ...(snapshot ? ['snapshot'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`--held ${kind} ${count} exited ${code}`)))));
}

const met = (ok) => (ok ? 'met' : 'NOT met');

async function requestsAgainstPlainLoop(sim, spec) {
  if (spec) console.log(`\nThe same, every job's percentCompleted held at ${spec.percentCompleted} (wait for job cannot time a poll to its end):`);
  console.log(`${JOBS} jobs running ${RUN_MS[0] / 1000}–${RUN_MS[1] / 1000} s after a common start, each polled every ${INTERVAL_S} s by both flows ` +
    `(wait for job: interval and max interval ${INTERVAL_S} s, run first; ` +
    `plain loop: a delay node that waits out, from the start of each poll, the time wait for job measured between two polls of a job)`);
  const ours = await measure(sim, 'ours', waitFlow(sim), 'in', spec);
  const plain = await measure(sim, 'plain', plainFlow(sim, ours.paceMs), 'url', spec);
  console.log(`wait for job ran with the config node's default request budget: ${ours.budget} requests per second; the plain loop has none. ` +
    `Time between two polls of a job: wait for job ${(ours.paceMs / 1000).toFixed(2)} s, plain loop ${(plain.paceMs / 1000).toFixed(2)} s\n`);
  const rows = [
    ['requests sent', plain.requests, ours.requests, (v) => v.toFixed(0)],
    ['polls per job (ids asked)', plain.pollsPerJob, ours.pollsPerJob, (v) => v.toFixed(2)],
    ['of which whole-job reads', plain.wholePerJob, ours.wholePerJob, (v) => v.toFixed(2)],
    ['job ids per request', plain.idsPerRequest, ours.idsPerRequest, (v) => v.toFixed(1)],
    ['median delay after completion (ms)', plain.median, ours.median, (v) => v.toFixed(0)],
    ['p95 delay after completion (ms)', plain.p95, ours.p95, (v) => v.toFixed(0)],
    ['heap growth (MB)', plain.heapMB, ours.heapMB, (v) => v.toFixed(1)],
  ];
  console.log(`| measure | plain loop | wait for job | plain / wait |\n|---|---|---|---|`);
  for (const [what, a, b, fmt] of rows) console.log(`| ${what} | ${fmt(a)} | ${fmt(b)} | ${(a / b).toFixed(2)} |`);
  const ratio = plain.requests / ours.requests;
  console.log(`goal: requests ≤ 1/${GOALS.requestRatio} of the plain loop's: 1/${ratio.toFixed(1)}, ${met(ratio >= GOALS.requestRatio)}; ` +
    `median delay no worse: ${ours.median} against ${plain.median} ms, ${met(ours.median <= plain.median)}`);
}

async function polledWaits(sim) {
  const mb = (bytes) => (bytes / 1048576).toFixed(1);
  console.log(`\n${WAITS} waits being polled (interval ${INTERVAL_S} s, max 60 s, jobs that never end), each process held them until every one ` +
    `had been answered at least once; a core delay node held ${WAITS} messages as long; each in a process of its own, with an http in → http response ping ` +
    `(one request every 20 ms) in the same Node-RED\n`);
  const wait = await heldInChild(sim, WAITS, 'wait', 20000);
  const nocap = await heldInChild(sim, WAITS, 'wait-nocap', 20000);
  const delay = await heldInChild(sim, WAITS, 'delay', Math.max(wait.heldMs, nocap.heldMs));
  console.log('| held by | held (s) | requests | heap after GC (MB) | peak RSS growth (MB): sampled (kernel peak) | ping p50 / p99 / max (ms) | idle ping p99 (ms) | event loop p99 / max (ms) |\n|---|---|---|---|---|---|---|---|');
  for (const [name, r] of [['wait for job, budget 10/s (default)', wait], ['wait for job, no budget (0)', nocap], ['core delay node', delay]]) {
    console.log(`| ${name} | ${(r.heldMs / 1000).toFixed(0)} | ${r.requests} | ${mb(r.heap)} | ${mb(r.rss)} (kernel ${mb(r.maxRss)}) | ${r.pingP50.toFixed(1)} / ${r.pingP99.toFixed(1)} / ${r.pingMax.toFixed(1)} | ${r.idleP99.toFixed(1)} | ${r.loopP99.toFixed(1)} / ${r.loopMax.toFixed(1)} |`);
  }
  for (const [name, r] of [['budget 10/s', wait], ['no budget', nocap]]) {
    const perWait = (r.rss - delay.rss) / WAITS;
    console.log(`goal (${name}): peak RSS ≤ ${GOALS.bytesPerWait / 1024} KB per wait beyond the delay node's: ${(perWait / 1024).toFixed(2)} KB ` +
      `(${mb(r.rss - delay.rss)} MB for ${WAITS}), ${met(perWait <= GOALS.bytesPerWait)}; ping p99 ≤ ${GOALS.pingP99Ms} ms: ${r.pingP99.toFixed(1)} ms, ${met(r.pingP99 <= GOALS.pingP99Ms)}; ` +
      `event loop max ${r.loopMax.toFixed(1)} ms`);
  }
}

async function main() {
  const sim = await startSimulator();
  await helper.startServer();
  try {
    console.log(`Node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    if (PARTS.includes('requests')) await requestsAgainstPlainLoop(sim);
    if (PARTS.includes('flat')) await requestsAgainstPlainLoop(sim, { percentCompleted: 50 });
    if (PARTS.includes('polled')) await polledWaits(sim);
    console.log(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await helper.stopServer();
    sim.child.kill('SIGTERM');
  }
}

async function held() {
  await helper.startServer();
  try {
    console.log(JSON.stringify(await heldMessages({ url: HELD.url }, HELD.count, HELD.kind, HELD.holdMs, HELD.snapshot)));
  } finally {
    await helper.stopServer();
  }
}

async function snapshots() {
  const sim = await startSimulator();
  try {
    await snapshotPerWait(sim, SNAPSHOT);
  } finally {
    sim.child.kill('SIGTERM');
  }
}

(HELD ? held().then(() => process.exit(0)) : SNAPSHOT ? snapshots() : main()).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
