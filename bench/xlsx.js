#!/usr/bin/env node
// XLSX rows benchmark: how long Node-RED's event loop is held while a large workbook is
// read as rows, the plain way (read-excel-file on the event loop, as fetch output did
// before 0.2) against fetch output's way (a worker thread, rows back in blocks).
// Each read runs in a fresh child process that also serves an http "ping" route (as an
// http-in node would); this process pings it every 5 ms over a kept-alive socket during
// the read and reports the ping latencies and the child's own event-loop delay.
//
// `idle` reads nothing for 2 s: the machine's own noise, for scale.
//
//   node bench/xlsx.js [--rows 200000] [--runs 2] [--block 1000]
// Needs a build (npm install or npm run build).
const { fork } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { Readable } = require('node:stream');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const root = path.resolve(__dirname, '..');
const MB = 1024 * 1024;
const PING_EVERY_MS = 5;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** A workbook of `rows` rows: text, whole and decimal numbers, a date, a boolean and an empty cell. */
async function makeWorkbook(rows) {
  const { default: write } = await import('write-excel-file/node');
  const header = ['style', 'qty', 'price', 'shipped', 'active', 'note'].map((value) => ({ value }));
  const data = [header];
  for (let n = 0; n < rows; n++) {
    data.push([
      { value: `ST${10000 + (n % 90000)}` }, { value: n % 250 }, { value: (n % 90) + 0.99 },
      { value: new Date(Date.UTC(2026, n % 12, 1 + (n % 28))), format: 'yyyy-mm-dd' }, { value: n % 3 === 0 }, null,
    ]);
  }
  return write(data).toBuffer();
}

/** Child: serves /ping, reads the workbook when told, reports timing and event-loop delay. */
async function child([mode, file, block]) {
  const workbook = fs.readFileSync(file);
  const server = http.createServer((req, res) => res.end('pong'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const out = require(path.join(root, 'dist/src/lib/formats.js'));
  const read = {
    // Nothing read: the machine's own noise, for scale.
    async idle() {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      return 0;
    },
    // The code fetch output ran before: read-excel-file on the event loop, rows keyed by the header.
    async plain() {
      const { readSheet } = await import('read-excel-file/node');
      const [header, ...rows] = await readSheet(workbook);
      return rows.map((row) => Object.fromEntries(header.map((key, i) => [key, row[i] ?? null]))).length;
    },
    async rows() {
      return (await out.fetchDocument(client(), doc, settings('rows'))).payload.length;
    },
    async 'stream-rows'() {
      return (await out.fetchDocument(client(), doc, { ...settings('stream-rows'), onRows: () => {} })).payload;
    },
  };
  const doc = { info: { name: 'bench.xlsx', type: 'xlsx' }, link: 'https://docs.example.com/bench.xlsx' };
  const settings = (format) => ({ ...out.readSettings({ maxSizeMB: 1024, rowsPerMessage: Number(block) }), format, auth: false });
  const client = () => ({ download: async () => ({ statusCode: 200, headers: {}, body: Readable.from([workbook]) }) });
  process.send({ port: server.address().port });
  process.once('message', async () => {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const started = process.hrtime.bigint();
    let rows = 0;
    let error;
    try {
      rows = await read[mode]();
    } catch (err) {
      error = err.message;
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // One more turn, so that a block just ended is in the histogram.
    await new Promise((resolve) => setTimeout(resolve, 5));
    delay.disable();
    process.send({ ms, rows, error, loopMax: delay.max / 1e6, loopP99: delay.percentile(99) / 1e6 });
    server.close();
    process.disconnect();
  });
}

const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

/** One read in a child while this process pings it; its figures and the ping latencies. */
function measure(mode, file, block) {
  return new Promise((resolve, reject) => {
    const p = fork(__filename, ['--child', mode, file, String(block)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const pings = [];
    let pinging = false;
    let inFlight;
    const ms = (since) => Number(process.hrtime.bigint() - since) / 1e6;
    // A ping that took L ms stood for the pings due every 5 ms meanwhile (L-5, L-10, …),
    // so that a long stall weighs in the percentiles as it would for a steady client.
    const record = (latency) => {
      for (let l = latency; l > 0; l -= PING_EVERY_MS) pings.push(l);
    };
    const ping = (port) => {
      if (!pinging) return;
      const sent = process.hrtime.bigint();
      inFlight = sent;
      http.get({ host: '127.0.0.1', port, path: '/ping', agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (inFlight !== sent) return;
          inFlight = undefined;
          record(ms(sent));
          setTimeout(() => ping(port), PING_EVERY_MS);
        });
      }).on('error', () => undefined);
    };
    p.on('message', (m) => {
      if (m.port) {
        pinging = true;
        ping(m.port);
        // Pings flowing before the read starts.
        setTimeout(() => p.send('go'), 200);
        return;
      }
      pinging = false;
      // A ping still unanswered when the read ended waited at least this long.
      if (inFlight) record(ms(inFlight));
      inFlight = undefined;
      agent.destroy();
      resolve({ ...m, pings });
    });
    p.on('error', reject);
    p.on('exit', (code) => code && reject(new Error(`child exited ${code}`)));
  });
}

async function main() {
  const rowCount = arg('rows', 200000);
  const runs = arg('runs', 2);
  const block = arg('block', 1000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-bench-xlsx-'));
  try {
    const file = path.join(work, 'bench.xlsx');
    const made = Date.now();
    fs.writeFileSync(file, await makeWorkbook(rowCount));
    console.log(`XLSX rows benchmark (node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}), ${runs} runs each`);
    console.log(`workbook: ${rowCount.toLocaleString('en')} rows x 6 columns, ${(fs.statSync(file).size / MB).toFixed(1)} MB (made in ${((Date.now() - made) / 1000).toFixed(1)} s)`);
    console.log('ping: GET /ping to the reading process every 5 ms, latency while the workbook is read\n');
    const results = {};
    for (const mode of ['idle', 'plain', 'rows', 'stream-rows']) {
      results[mode] = [];
      for (let n = 0; n < runs; n++) {
        const r = await measure(mode, file, block);
        results[mode].push(r);
        const what = r.error ? `FAILED (${r.error})` : mode === 'idle' ? 'nothing read' : `${r.rows.toLocaleString('en')} rows`;
        console.log(`  ${mode.padEnd(11)} run ${n + 1}: ${(r.ms / 1000).toFixed(1).padStart(6)} s, ${what}; ping p50 ${percentile(r.pings, 50).toFixed(1)} ms, p99 ${percentile(r.pings, 99).toFixed(1)} ms, max ${Math.max(...r.pings).toFixed(0)} ms (${r.pings.length} pings due); event loop delay p99 ${r.loopP99.toFixed(0)} ms, max ${r.loopMax.toFixed(0)} ms`);
      }
    }
    const worst = (mode, pick) => Math.max(...results[mode].map(pick));
    const p99 = (r) => percentile(r.pings, 99);
    console.log('\nworst of the runs        ping p99    loop max   time');
    for (const mode of Object.keys(results)) {
      console.log(`  ${mode.padEnd(20)} ${worst(mode, p99).toFixed(1).padStart(8)} ms ${worst(mode, (r) => r.loopMax).toFixed(0).padStart(8)} ms ${(worst(mode, (r) => r.ms) / 1000).toFixed(1).padStart(6)} s`);
    }
    const ratio = (mode) => (worst('plain', p99) / worst(mode, p99)).toFixed(0);
    console.log(`\nping p99: plain way ${ratio('rows')}x that of rows, ${ratio('stream-rows')}x that of stream-rows`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

require('./run').run({ main, child });
