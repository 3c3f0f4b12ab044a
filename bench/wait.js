#!/usr/bin/env node
// Wait for job against the plain Node-RED polling loop (http request + switch +
// delay), in one run against the simulator (in its own process, so its memory
// does not count), and the memory a wait costs against a core delay node holding
// the same messages. Usage:
//   node --expose-gc bench/wait.js [jobs=1000] [concurrent=10000] [memory counts=1000,10000,50000]
//   node --expose-gc bench/wait.js --snapshot [count=10000]: what each held message costs, by
//   kind of object (heap snapshots before and after, wait for job against the delay node)
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { helper, allNodes } = require('../test/support/red');

// `--held <wait|delay> <count> <simulator url>`: one memory measurement in a fresh process, as JSON.
const HELD = process.argv[2] === '--held' ? { kind: process.argv[3], count: Number(process.argv[4]), url: process.argv[5], snapshot: process.argv[6] === 'snapshot' } : undefined;
const SNAPSHOT = process.argv[2] === '--snapshot' ? Number(process.argv[3] || 10000) : undefined;
const JOBS = Number(process.argv[2] || 1000);
const CONCURRENT = Number(process.argv[3] || 10000);
const MEMORY_COUNTS = (process.argv[4] || '1000,10000,50000').split(',').map(Number);
const INTERVAL_S = 1;
const TOKEN = 'simulator-token';
const core = (file) => require(require.resolve(`@node-red/nodes/core/${file}`, { paths: [path.dirname(require.resolve('node-red'))] }));
const coreNodes = ['network/21-httprequest.js', 'function/10-switch.js', 'function/89-delay.js', 'function/15-change.js'].map(core);

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
async function addJobs(sim, prefix, count, runMs) {
  const ends = new Map();
  const runningAt = Date.now() + 3000 + count;
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-6576767c-a264-4fc5-${String(i).padStart(12, '0')}`);
  for (let start = 0; start < count; start += 50) {
    await Promise.all(ids.slice(start, start + 50).map((jobId, k) => {
      const run = runMs(start + k);
      // Adding many jobs can outlast the lead time: those added late start at once.
      const queuedMs = Math.max(0, runningAt - Date.now());
      ends.set(jobId, Date.now() + queuedMs + run);
      return control(sim, 'POST', 'jobs', { jobId, queuedMs, runMs: run });
    }));
  }
  return ends;
}

const plainFlow = (sim) => [
  { id: 'tab', type: 'tab' },
  {
    id: 'url', type: 'change', z: 'tab', x: 1, y: 1, wires: [['get']],
    rules: [
      { t: 'set', p: 'url', pt: 'msg', to: `"${sim.url}/jobsmanagement/odata/v1.0/backgroundjob?$filter=jobId%20eq%20'" & jobId & "'"`, tot: 'jsonata' },
      { t: 'set', p: 'headers', pt: 'msg', to: `{"Authorization": "Bearer ${TOKEN}"}`, tot: 'json' },
    ],
  },
  { id: 'get', type: 'http request', z: 'tab', x: 1, y: 1, method: 'GET', ret: 'obj', paytoqs: 'ignore', url: '', wires: [['switch']] },
  {
    id: 'switch', type: 'switch', z: 'tab', x: 1, y: 1, property: 'payload.value[0].jobStatus', propertyType: 'msg', checkall: 'false', outputs: 3,
    rules: [{ t: 'eq', v: 'Completed', vt: 'str' }, { t: 'eq', v: 'Failed', vt: 'str' }, { t: 'else' }],
    wires: [['out'], ['out'], ['delay']],
  },
  { id: 'delay', type: 'delay', z: 'tab', x: 1, y: 1, pauseType: 'delay', timeout: String(INTERVAL_S), timeoutUnits: 'seconds', wires: [['url']] },
  { id: 'out', type: 'helper', z: 'tab', x: 1, y: 1 },
];

const waitFlow = (sim, props = {}) => [
  { id: 'tab', type: 'tab' },
  { id: 'server', type: 'aims360-config', baseUrl: sim.url, authType: 'token', timeout: 30000 },
  {
    id: 'in', type: 'aims360-wait-for-job', z: 'tab', x: 1, y: 1, server: 'server', interval: String(INTERVAL_S), maxInterval: String(INTERVAL_S),
    timeout: '3600', wires: [['out'], ['out'], ['out']], ...props,
  },
  { id: 'out', type: 'helper', z: 'tab', x: 1, y: 1 },
];

/** Runs one flow over JOBS jobs; returns requests, delays after completion, and heap growth. */
async function measure(sim, name, flow, entry) {
  await control(sim, 'POST', 'reset');
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 50);
  const ends = await addJobs(sim, name, JOBS, (i) => 2000 + ((i * 7919) % 8000));
  await helper.load([...allNodes, ...coreNodes], flow, { server: { token: TOKEN } });
  const delays = [];
  helper.getNode('out').on('input', (msg) => delays.push(Date.now() - ends.get(msg.jobId)));
  const input = helper.getNode(entry);
  for (const jobId of ends.keys()) input.receive({ jobId });
  while (delays.length < JOBS) await sleep(100);
  clearInterval(sampler);
  const { requests } = await control(sim, 'GET', 'info');
  await helper.unload();
  return { requests, median: percentile(delays, 50), p95: percentile(delays, 95), heapMB: (heapPeak - heapBefore) / 1048576 };
}

/** Bytes the simulator answered per job query and per job id asked for, as its log records them. */
async function pollBytes(sim) {
  const polls = (await control(sim, 'GET', 'log')).filter((e) => e.path.endsWith('/backgroundjob') && e.bytes !== undefined);
  const bytes = polls.reduce((sum, e) => sum + e.bytes, 0);
  const ids = polls.reduce((sum, e) => sum + (decodeURIComponent(e.query).match(/jobId eq/g) || []).length, 0);
  return { perRequest: bytes / polls.length, perJob: bytes / ids };
}

/** 10,000 waits on jobs that never end; `select` false polls for whole jobs, as before $select. */
async function concurrentWaits(sim, select = true) {
  await control(sim, 'POST', 'reset');
  await addJobs(sim, 'many', CONCURRENT, () => 3600000);
  await helper.load(allNodes, waitFlow(sim, { interval: '5', maxInterval: '60' }), { server: { token: TOKEN } });
  helper.getNode('server').poller.selectFields = select;
  await control(sim, 'DELETE', 'log');
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const input = helper.getNode('in');
  for (let i = 0; i < CONCURRENT; i++) input.receive({ jobId: `many-6576767c-a264-4fc5-${String(i).padStart(12, '0')}` });
  await sleep(15000);
  loop.disable();
  const waiting = helper.getNode('server').poller.size;
  if (waiting !== CONCURRENT) throw new Error(`${CONCURRENT - waiting} of ${CONCURRENT} waits ended early`);
  gc();
  const heapMB = (process.memoryUsage().heapUsed - heapBefore) / 1048576;
  const { requests } = await control(sim, 'GET', 'info');
  const bytes = await pollBytes(sim);
  await helper.unload();
  return { heapMB, requests, bytes, loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6 };
}

const delayFlow = () => [
  { id: 'tab', type: 'tab' },
  { id: 'in', type: 'delay', z: 'tab', x: 1, y: 1, pauseType: 'delay', timeout: '3600', timeoutUnits: 'seconds', wires: [['out']] },
  { id: 'out', type: 'helper', z: 'tab', x: 1, y: 1 },
];

/**
 * Heap growth after GC and peak RSS growth while `count` messages are held: by wait for
 * job (jobs that never end, polled for 15 s) or by a core delay node (an hour's delay).
 */
async function heldMessages(sim, count, kind, snapshot = false) {
  await control(sim, 'POST', 'reset');
  const ids = kind === 'wait' ? [...(await addJobs(sim, 'held', count, () => 3600000)).keys()] : Array.from({ length: count }, (_, i) => `held-${i}`);
  await helper.load([...allNodes, ...coreNodes], kind === 'wait' ? waitFlow(sim, { interval: '5', maxInterval: '60' }) : delayFlow(), { server: { token: TOKEN } });
  await sleep(1000);
  // The snapshot's own parsing is garbage by the time of the gc() below.
  const shapesBefore = snapshot ? heapByKind() : undefined;
  gc();
  const before = process.memoryUsage();
  let rssPeak = before.rss;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const input = helper.getNode('in');
  let ended = 0;
  helper.getNode('out').on('input', () => (ended += 1));
  for (const jobId of ids) input.receive({ jobId });
  await sleep(15000);
  clearInterval(sampler);
  const waiting = kind === 'wait' ? helper.getNode('server').poller.size : count - ended;
  if (waiting !== count) throw new Error(`${count - waiting} of ${count} held messages ended early: the figures would not be per held message`);
  gc();
  const heap = process.memoryUsage().heapUsed - before.heapUsed;
  const shapes = snapshot ? growthByKind(shapesBefore, heapByKind()) : undefined;
  await helper.unload();
  return { heap, rss: rssPeak - before.rss, shapes };
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
  const wait = await heldInChild(sim, count, 'wait', true);
  const delay = await heldInChild(sim, count, 'delay', true);
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
function heldInChild(sim, count, kind, snapshot = false) {
  const child = spawn(process.execPath, ['--expose-gc', __filename, '--held', kind, String(count), sim.url, ...(snapshot ? ['snapshot'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`--held ${kind} ${count} exited ${code}`)))));
}

async function memoryPerWait(sim) {
  const mb = (bytes) => (bytes / 1048576).toFixed(1);
  console.log(`\nmessages held for 15 s: heap growth after GC and peak RSS growth (MB)\n` +
    `| messages | wait for job heap | delay node heap | wait for job RSS | delay node RSS | extra heap per wait (bytes) |\n|---|---|---|---|---|---|`);
  for (const count of MEMORY_COUNTS) {
    const wait = await heldInChild(sim, count, 'wait');
    const delay = await heldInChild(sim, count, 'delay');
    console.log(`| ${count} | ${mb(wait.heap)} | ${mb(delay.heap)} | ${mb(wait.rss)} | ${mb(delay.rss)} | ${((wait.heap - delay.heap) / count).toFixed(0)} |`);
  }
}

async function main() {
  const sim = await startSimulator();
  await helper.startServer();
  try {
    console.log(`${JOBS} jobs running 2–10 s, polled every ${INTERVAL_S} s by both flows`);
    const plain = await measure(sim, 'plain', plainFlow(sim), 'url');
    const ours = await measure(sim, 'ours', waitFlow(sim), 'in');
    const rows = [
      ['requests sent', plain.requests, ours.requests, (v) => v.toFixed(0)],
      ['median delay after completion (ms)', plain.median, ours.median, (v) => v.toFixed(0)],
      ['p95 delay after completion (ms)', plain.p95, ours.p95, (v) => v.toFixed(0)],
      ['heap growth (MB)', plain.heapMB, ours.heapMB, (v) => v.toFixed(1)],
    ];
    console.log(`| measure | plain loop | wait for job | plain / wait |\n|---|---|---|---|`);
    for (const [what, a, b, fmt] of rows) console.log(`| ${what} | ${fmt(a)} | ${fmt(b)} | ${(a / b).toFixed(1)} |`);
    const many = await concurrentWaits(sim);
    console.log(`\n${CONCURRENT} concurrent waits on one node for 15 s: heap growth ${many.heapMB.toFixed(1)} MB, ` +
      `${many.requests} requests, event-loop delay p99 ${many.loopP99.toFixed(1)} ms, max ${many.loopMax.toFixed(1)} ms`);
    const whole = await concurrentWaits(sim, false);
    const [a, b] = [whole.bytes, many.bytes];
    console.log(`bytes received per poll request: whole jobs ${a.perRequest.toFixed(0)}, $select ${b.perRequest.toFixed(0)} ` +
      `(${(a.perRequest / b.perRequest).toFixed(1)}×); per job polled: ${a.perJob.toFixed(0)} and ${b.perJob.toFixed(0)} (${(a.perJob / b.perJob).toFixed(1)}×)`);
    await memoryPerWait(sim);
  } finally {
    await helper.stopServer();
    sim.child.kill('SIGTERM');
  }
}

async function held() {
  await helper.startServer();
  try {
    console.log(JSON.stringify(await heldMessages({ url: HELD.url }, HELD.count, HELD.kind, HELD.snapshot)));
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
