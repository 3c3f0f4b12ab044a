#!/usr/bin/env node
// Changes only, against the AIMS360 simulator over loopback: a CSV of 1,000,000 rows of 10
// columns handed on as stream-rows twice (the same document: the second run has no change),
// with changes off and on. Prints per run the time, the rows handed on, and the heap growth
// (live heap and array buffers after a full collection, over the warmed-up baseline): kept between runs (what
// the context store keeps), and with changes on, live once every row was read (the diff's
// index and the previous fingerprints) and at the peak (plus the new stored form).
// Each mode runs in a fresh child process (with --expose-gc), the simulator in this one.
//
//   node bench/changes.js [--rows 1000000] [--block 1000]
// Needs a build (npm run build).
const { spawn } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const MB = 1024 * 1024;
const TOKEN = 'bench-token';
const COLUMNS = ['Order No', 'Customer', 'Style', 'Color', 'Size', 'Qty', 'Price', 'Warehouse', 'Status', 'Order Date'];

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** What is live after a full collection: the JS heap, and typed arrays and Buffers (held outside it). */
function liveHeap() {
  global.gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Child: two runs of one document in one mode ('off' or 'on'); their figures as JSON on stdout. */
async function child([mode, link, warmLink, block]) {
  const { AimsClient } = require(path.join(root, 'dist/src/lib/client.js'));
  const out = require(path.join(root, 'dist/src/lib/formats.js'));
  const { ChangeRun } = require(path.join(root, 'dist/src/lib/changes.js'));
  const client = new AimsClient({ baseUrl: new URL(link).origin, auth: { type: 'token', token: TOKEN }, timeout: 120000 });
  const doc = { info: { name: 'orders.csv', type: 'csv' }, link };
  // What the node's context store holds between runs (the memory store keeps this very object).
  let stored;
  /** One run; its diff is gone once it returns, so that what stays is what the store holds. */
  async function oneRun() {
    let handed = 0;
    let figures = {};
    const diff = mode === 'on' ? new ChangeRun(['Order No'], stored) : undefined;
    const started = process.hrtime.bigint();
    await out.fetchDocument(client, doc, {
      ...out.readSettings({ format: 'stream-rows', maxSizeMB: 4096, rowsPerMessage: block }),
      auth: true,
      typedValues: true,
      keep: diff && ((row, number) => diff.check(row, number, doc.info.name)),
      onRows: (payload, parts) => {
        handed += Array.isArray(payload) ? payload.length : 1;
        if (!diff || parts.count === undefined) return;
        // Near the peak: every row read, the diff's index whole, the previous fingerprints still stored;
        // finish adds the new stored form (its strings, one byte a character) and then drops the index.
        const live = liveHeap() - baseline;
        const finished = diff.finish();
        const storedBytes = finished.stored.keys.length + finished.stored.hashes.length;
        figures = { live, peak: live + storedBytes, counts: finished.counts, storedJson: JSON.stringify(finished.stored).length };
        stored = finished.stored;
      },
    });
    return { ...figures, ms: Number(process.hrtime.bigint() - started) / 1e6, handed };
  }
  // Warm up: modules loaded and a socket open, so the baseline holds them.
  await out.fetchDocument(client, { ...doc, link: warmLink }, { ...out.readSettings({ format: 'stream-rows' }), auth: true, onRows: () => undefined });
  const baseline = liveHeap();
  const runs = [];
  for (let n = 0; n < 2; n++) {
    const run = await oneRun();
    runs.push({ ...run, retained: liveHeap() - baseline });
  }
  client.close();
  process.stdout.write(JSON.stringify(runs));
}

function runChild(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', __filename, '--child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`child exited ${code}`))));
  });
}

/** Row n of the export: 10 columns, each order once. */
function row(n) {
  return [`ORD-${String(n + 1).padStart(7, '0')}`, `CUST-${n % 4000}`, `ST${10000 + (n % 90000)}`, ['BLACK', 'NAVY', 'RED'][n % 3], ['S', 'M', 'L', 'XL'][n % 4],
    n % 250, `${(n % 90) + 5}.99`, `WH${n % 7}`, ['Open', 'Hold', 'Completed'][n % 3], `2026-12-${String((n % 28) + 1).padStart(2, '0')}`].join(',');
}

async function main() {
  const rowCount = arg('rows', 1000000);
  const block = arg('block', 1000);
  const { start } = require(path.join(root, 'dist/simulator/index.js'));
  const sim = await start({ port: 0, token: TOKEN });
  try {
    // Held by the simulator, so that the time is the pack's, not the row generator's.
    const parts = [COLUMNS.join(',')];
    for (let n = 0; n < rowCount; n++) parts.push(row(n));
    const content = Buffer.from(`${parts.join('\n')}\n`);
    parts.length = 0;
    const link = (spec) => JSON.parse(sim.addJob({ scope: 'Private', documents: [spec] }).response)[0].DownloadLink;
    const many = link({ name: 'orders.csv', content });
    const warm = link({ name: 'warm.csv', content: `${COLUMNS.join(',')}\n${row(0)}\n` });
    console.log(`Changes only benchmark (node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}): ` +
      `${rowCount.toLocaleString('en')} rows of ${COLUMNS.length} columns (${(content.length / MB).toFixed(0)} MB CSV), stream-rows, ${block} rows a block, key Order No`);
    const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;
    for (const mode of ['off', 'on']) {
      const runs = await runChild([mode, many, warm, String(block)]);
      runs.forEach((r, n) => {
        const what = mode === 'on'
          ? `, changes ${JSON.stringify(r.counts)}; heap growth ${mb(r.retained)} kept between runs, ${mb(r.live)} live with every row read, ${mb(r.peak)} at the peak (with the new stored form); stored form ${mb(r.storedJson)} of JSON`
          : `; heap growth ${mb(r.retained)} kept between runs`;
        console.log(`   changes ${mode.padEnd(3)} run ${n + 1}: ${(r.ms / 1000).toFixed(1).padStart(5)} s, ${r.handed.toLocaleString('en').padStart(9)} rows handed on${what}`);
      });
    }
  } finally {
    await sim.close();
  }
}

require('./run').run({ main, child });
