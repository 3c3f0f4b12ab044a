#!/usr/bin/env node
// Fetch output benchmarks, against the AIMS360 simulator over loopback:
//  1. throughput of the `file` format against `curl -o` on the same Private document
//     (the token sent by both);
//  2. rows per second and peak memory of `rows` against `stream-rows` for a large CSV.
// The simulator runs in this process; each download runs in a fresh child process
// (ours) or in curl, so neither shares memory or a CPU thread with the server.
//
//   node bench/fetch.js [--mb 1024] [--rows 1000000] [--runs 3] [--cpu-prof DIR] [--against DIR]
// Needs a build (npm install or npm run build) and curl on the PATH. --against DIR: another
// built checkout of the pack (say, one before a change) downloads in every run too, the two in
// turns, so that a loaded machine's swings fall on both; the summary compares them run by run.
const { execFile, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const MB = 1024 * 1024;
const TOKEN = 'bench-token';

function textArg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function arg(name, fallback) {
  const value = textArg(name);
  return value === undefined ? fallback : Number(value);
}

/**
 * This process's peak RSS (VmHWM). Not resourceUsage().maxRSS: Linux carries that over
 * from the parent through fork and exec, so it would report the parent's 1 GiB body.
 */
function peakRss() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)[1]) * 1024;
}

/** Starts the peak over from the current RSS (Linux 4.0+), so the warm-up does not count. */
function resetPeak() {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Not allowed here: the peak then includes the warm-up, which only overstates it.
  }
}

/**
 * Child mode `http`: the same download with nothing but Node's own http and fs (the
 * ceiling for any Node client here), timed the same way.
 */
async function plainHttp([link, dir]) {
  const http = require('node:http');
  const { pipeline } = require('node:stream/promises');
  fs.mkdirSync(dir, { recursive: true });
  const started = process.hrtime.bigint();
  const response = await new Promise((resolve, reject) => http.get(link, { headers: { authorization: `Bearer ${TOKEN}` } }, resolve).on('error', reject));
  const file = path.join(dir, 'plain.csv');
  await pipeline(response, fs.createWriteStream(file, { highWaterMark: 4 * MB }));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ ms, bytes: fs.statSync(file).size, rows: 0, baseline: 0, peak: 0 }));
}

/** Child mode: one download with lib/formats (of the pack in `pack`), then its timing and memory as JSON on stdout. */
async function child([format, link, warmLink, dir, pack = root]) {
  if (format === 'http') return plainHttp([link, dir]);
  const { AimsClient } = require(path.join(pack, 'dist/src/lib/client.js'));
  const out = require(path.join(pack, 'dist/src/lib/formats.js'));
  const client = new AimsClient({ baseUrl: new URL(link).origin, auth: { type: 'token', token: TOKEN }, timeout: 60000 });
  const settings = { ...out.readSettings({ maxSizeMB: 4096, rowsPerMessage: 1000 }), format, auth: true, directory: dir };
  let rows = 0;
  settings.onRows = (payload) => (rows += payload.length);
  const doc = (url) => ({ info: { name: 'bench.csv', type: 'csv' }, link: url });
  // Warm up: modules loaded and a socket open, so the baseline holds them.
  await out.fetchDocument(client, doc(warmLink), settings);
  rows = 0;
  global.gc?.();
  resetPeak();
  const baseline = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const result = await out.fetchDocument(client, doc(link), settings);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (format === 'rows') rows = result.payload.length;
  const bytes = format === 'file' ? fs.statSync(result.payload).size : result.info.sizeBytes;
  client.close();
  process.stdout.write(JSON.stringify({ ms, bytes, rows, baseline, peak: peakRss() }));
}

function runChild(args, profileDir) {
  return new Promise((resolve, reject) => {
    const prof = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
    const p = spawn(process.execPath, [...prof, __filename, '--child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`child exited ${code}`))));
  });
}

function curl(link, file) {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-f', '-H', `Authorization: Bearer ${TOKEN}`, '-o', file, '-w', '%{time_total} %{size_download}', link], (err, stdout) => {
      if (err) return reject(err);
      const [seconds, bytes] = stdout.trim().split(' ').map(Number);
      resolve({ ms: seconds * 1000, bytes });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const best = (runs) => runs.reduce((a, b) => (b.ms < a.ms ? b : a));
const mbps = (r) => r.bytes / MB / (r.ms / 1000);

async function main() {
  const sizeMB = arg('mb', 1024);
  const rowCount = arg('rows', 1000000);
  const runs = arg('runs', 3);
  const i = process.argv.indexOf('--cpu-prof');
  const profileDir = i > 0 ? path.resolve(process.argv[i + 1]) : undefined;
  const against = textArg('against') && path.resolve(textArg('against'));
  const { start } = require(path.join(root, 'dist/simulator/index.js'));
  const sim = await start({ port: 0, token: TOKEN });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-bench-'));
  try {
    // A fixed body held by the simulator (a Buffer: 1 GiB is past a string's limit), so the server is not the bottleneck.
    const header = 'style,color,size,qty,price\n';
    const block = Array.from({ length: 2000 }, (_, n) => `ST${10000 + n},BLACK,M,${n % 250},${(n % 90) + 5}.99\n`).join('');
    const content = Buffer.alloc(sizeMB * MB, block);
    content.write(header);
    const link = (spec) => JSON.parse(sim.addJob({ scope: 'Private', documents: [spec] }).response)[0].DownloadLink;
    const big = link({ name: 'big.csv', content });
    const small = link({ name: 'small.csv', rows: 10 });
    // Held as well, so that rows per second are the parser's, not the simulator's row generator's.
    const manyRows = header + Array.from({ length: rowCount }, (_, n) => `ST${10000 + (n % 90000)},BLACK,M,${n % 250},${(n % 90) + 5}.99\n`).join('');
    const many = link({ name: 'rows.csv', content: manyRows });

    console.log(`Fetch output benchmark (node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}), ${runs} runs each`);
    console.log(`\n1. file format vs curl -o, one ${(content.length / MB).toFixed(0)} MB Private document`);
    if (against) console.log(`   and, in turns with this checkout, the one in ${against}`);
    const ours = [];
    const theirs = [];
    const plain = [];
    const other = [];
    const download = async (pack, into) => {
      const result = await runChild(['file', big, small, path.join(work, 'ours'), pack], profileDir);
      fs.rmSync(path.join(work, 'ours'), { recursive: true });
      into.push(result);
    };
    for (let n = 0; n < runs; n++) {
      theirs.push(await curl(big, path.join(work, 'curl.csv')));
      fs.rmSync(path.join(work, 'curl.csv'));
      plain.push(await runChild(['http', big, small, path.join(work, 'plain')]));
      fs.rmSync(path.join(work, 'plain'), { recursive: true });
      // Each goes first every other run: the first after curl's 1 GiB meets more of its writeback.
      if (against && n % 2) await download(against, other);
      await download(root, ours);
      if (against && !(n % 2)) await download(against, other);
      const [c, h, o] = [theirs[n], plain[n], ours[n]];
      const there = against ? `, ${against}: ${mbps(other[n]).toFixed(0).padStart(5)} MB/s` : '';
      console.log(`   run ${n + 1}: curl -o ${mbps(c).toFixed(0).padStart(5)} MB/s, Node http ${mbps(h).toFixed(0).padStart(5)} MB/s, fetch output ${mbps(o).toFixed(0).padStart(5)} MB/s: ${(mbps(o) / mbps(c)).toFixed(2)} of curl${there}`);
    }
    const o = best(ours);
    const c = best(theirs);
    const h = best(plain);
    console.log(`   best: curl -o        ${mbps(c).toFixed(0).padStart(6)} MB/s`);
    console.log(`   best: Node http → fs ${mbps(h).toFixed(0).padStart(6)} MB/s   ${(mbps(h) / mbps(c)).toFixed(2)} of curl (no pack: the ceiling of a Node client here)`);
    console.log(`   best: fetch output   ${mbps(o).toFixed(0).padStart(6)} MB/s   ${(mbps(o) / mbps(c)).toFixed(2)} of curl, ${(mbps(o) / mbps(h)).toFixed(2)} of Node http (peak RSS growth ${((o.peak - o.baseline) / MB).toFixed(0)} MB)`);
    const ratios = ours.map((r, n) => mbps(r) / mbps(theirs[n]));
    console.log(`   median of the runs' own ratios to curl: ${median(ratios).toFixed(2)}`);
    if (against) {
      const growth = (rs) => rs.map((r) => (r.peak - r.baseline) / MB);
      const perRun = ours.map((r, n) => mbps(r) / mbps(other[n]));
      console.log(`   this checkout / ${against}, run by run: ${perRun.map((x) => x.toFixed(2)).join(', ')}; median ${median(perRun).toFixed(2)}`);
      console.log(`   median speed ${median(ours.map(mbps)).toFixed(0)} against ${median(other.map(mbps)).toFixed(0)} MB/s; of curl ${median(ratios).toFixed(2)} against ${median(other.map((r, n) => mbps(r) / mbps(theirs[n]))).toFixed(2)}; peak RSS growth at most ${Math.max(...growth(ours)).toFixed(0)} against ${Math.max(...growth(other)).toFixed(0)} MB`);
    }

    console.log(`\n2. rows per second and peak memory for a CSV of ${rowCount.toLocaleString('en')} rows`);
    for (const format of ['rows', 'stream-rows']) {
      for (const pack of against ? [root, against] : [root]) {
        const r = await runChild([format, many, small, work, pack]);
        const perSecond = Math.round(r.rows / (r.ms / 1000)).toLocaleString('en');
        const which = against ? ` (${pack === root ? 'this checkout' : against})` : '';
        console.log(`   ${format.padEnd(12)} ${perSecond.padStart(9)} rows/s, peak RSS +${((r.peak - r.baseline) / MB).toFixed(0).padStart(4)} MB over ${(r.baseline / MB).toFixed(0)} MB (${r.rows.toLocaleString('en')} rows, ${(r.bytes / MB).toFixed(0)} MB, ${(r.ms / 1000).toFixed(1)} s)${which}`);
      }
    }
    if (profileDir) console.log(`\nCPU profiles of the file downloads: ${profileDir}`);
  } finally {
    await sim.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

require('./run').run({ main, child });
