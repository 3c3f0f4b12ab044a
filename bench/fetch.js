#!/usr/bin/env node
// Fetch output benchmarks, against the AIMS360 simulator over loopback:
//  1. throughput of the `file` format against `curl -o` on the same document;
//  2. peak memory of `rows` against `stream-rows` for a large CSV.
// The simulator runs in this process; each download runs in a fresh child process
// (ours) or in curl, so neither shares memory or a CPU thread with the server.
//
//   node bench/fetch.js [--mb 256] [--rows 1000000] [--runs 3]
// Needs a build (npm install or npm run build) and curl on the PATH.
const { execFile, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const MB = 1024 * 1024;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Child mode: one download with lib/formats, then its timing and memory as JSON on stdout. */
async function child([format, link, warmLink, dir]) {
  const { AimsClient } = require(path.join(root, 'dist/nodes/lib/client.js'));
  const out = require(path.join(root, 'dist/nodes/lib/formats.js'));
  const client = new AimsClient({ baseUrl: new URL(link).origin, auth: { type: 'token', token: 'unused' }, timeout: 60000 });
  const settings = { ...out.readSettings({ maxSizeMB: 4096, rowsPerMessage: 1000 }), format, auth: false, directory: dir };
  let rows = 0;
  settings.onRows = (payload) => (rows += payload.length);
  const doc = (url) => ({ info: { name: 'bench.csv', type: 'csv' }, link: url });
  // Warm up: modules loaded and a socket open, so the baseline holds them.
  await out.fetchDocument(client, doc(warmLink), settings);
  rows = 0;
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const result = await out.fetchDocument(client, doc(link), settings);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (format === 'rows') rows = result.payload.length;
  const bytes = format === 'file' ? fs.statSync(result.payload).size : result.info.sizeBytes;
  client.close();
  process.stdout.write(JSON.stringify({ ms, bytes, rows, baseline, peak: process.resourceUsage().maxRSS * 1024 }));
}

function runChild(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [__filename, '--child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`child exited ${code}`))));
  });
}

function curl(link, file) {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-f', '-o', file, '-w', '%{time_total} %{size_download}', link], (err, stdout) => {
      if (err) return reject(err);
      const [seconds, bytes] = stdout.trim().split(' ').map(Number);
      resolve({ ms: seconds * 1000, bytes });
    });
  });
}

const best = (runs) => runs.reduce((a, b) => (b.ms < a.ms ? b : a));
const mbps = (r) => r.bytes / MB / (r.ms / 1000);

async function main() {
  const sizeMB = arg('mb', 256);
  const rowCount = arg('rows', 1000000);
  const runs = arg('runs', 3);
  const { start } = require(path.join(root, 'dist/simulator/index.js'));
  const sim = await start({ port: 0 });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-bench-'));
  try {
    // A fixed body held by the simulator, so the server is not the bottleneck.
    const header = 'style,color,size,qty,price\n';
    const block = Array.from({ length: 2000 }, (_, i) => `ST${10000 + i},BLACK,M,${i % 250},${(i % 90) + 5}.99\n`).join('');
    const content = header + block.repeat(Math.ceil((sizeMB * MB) / block.length));
    const link = (spec) => JSON.parse(sim.addJob({ scope: 'Public', documents: [spec] }).response)[0].DownloadLink;
    const big = link({ name: 'big.csv', content });
    const small = link({ name: 'small.csv', rows: 10 });
    const many = link({ name: 'rows.csv', rows: rowCount });

    console.log(`Fetch output benchmark (node ${process.version}, ${os.cpus().length} CPUs), best of ${runs}`);
    console.log(`\n1. file format vs curl -o, ${(content.length / MB).toFixed(0)} MB document`);
    const ours = [];
    const theirs = [];
    for (let i = 0; i < runs; i++) {
      theirs.push(await curl(big, path.join(work, 'curl.csv')));
      fs.rmSync(path.join(work, 'curl.csv'));
      ours.push(await runChild(['file', big, small, path.join(work, 'ours')]));
      fs.rmSync(path.join(work, 'ours'), { recursive: true });
    }
    const o = best(ours);
    const c = best(theirs);
    console.log(`   curl -o         ${mbps(c).toFixed(0).padStart(6)} MB/s`);
    console.log(`   fetch output    ${mbps(o).toFixed(0).padStart(6)} MB/s   (peak RSS growth ${((o.peak - o.baseline) / MB).toFixed(0)} MB)`);
    console.log(`   ratio           ${(mbps(o) / mbps(c)).toFixed(2)} of curl's throughput`);

    console.log(`\n2. peak memory for a CSV of ${rowCount.toLocaleString('en')} rows`);
    for (const format of ['rows', 'stream-rows']) {
      const r = await runChild([format, many, small]);
      console.log(`   ${format.padEnd(12)} peak RSS +${((r.peak - r.baseline) / MB).toFixed(0).padStart(4)} MB over ${(r.baseline / MB).toFixed(0)} MB, ${r.rows.toLocaleString('en')} rows in ${(r.ms / 1000).toFixed(1)} s (${(r.bytes / MB).toFixed(0)} MB)`);
    }
  } finally {
    await sim.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv.slice(3)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
