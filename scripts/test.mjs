// Runs mocha as two processes side by side: the suites that drive a browser or a
// Node-RED process of their own, and the rest. Those suites mostly wait on their
// child processes, so on two cores the pair takes about as long as the longer half;
// never more than one browser runs at a time. Each half's report is printed whole
// when it ends. Extra arguments go to both mocha processes (e.g. --grep).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
const SEPARATE_PROCESSES = ['test/browser', 'test/e2e'];
// The spec list is ours (--no-config); the other settings come from .mocharc.json.
const config = JSON.parse(readFileSync(path.join(root, '.mocharc.json'), 'utf8'));
const mochaArgs = ['--no-config', '--timeout', String(config.timeout), ...(config.exit ? ['--exit'] : [])];

const testFiles = (dir) =>
  readdirSync(path.join(root, dir), { recursive: true })
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(dir, f))
    .sort();

const halves = [
  { name: 'browser and end-to-end', files: SEPARATE_PROCESSES.flatMap(testFiles) },
  {
    name: 'runtime',
    files: testFiles('test').filter((f) => !SEPARATE_PROCESSES.some((dir) => f.startsWith(dir + path.sep))),
  },
];

function run({ name, files }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [mocha, ...mochaArgs, ...process.argv.slice(2), ...files], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('close', (code, signal) => {
      const minutes = ((Date.now() - started) / 60000).toFixed(1);
      process.stdout.write(`\n===== ${name}: ${files.length} files, ${minutes} min, ${signal ?? `exit ${code}`}\n`);
      const report = Buffer.concat(output).toString();
      process.stdout.write(report);
      resolve({ name, passed: code === 0, report });
    });
  });
}

const results = await Promise.all(halves.map(run));
// CI may keep only the end of the output: a failed half's failures are repeated last.
for (const { name, report } of results.filter((result) => !result.passed)) {
  const start = report.search(/^ +\d+ failing/m);
  const failures = start >= 0 ? report.slice(start) : report.slice(-4000);
  process.stdout.write(`\n===== ${name} failed; its failures again:\n${failures}\n`);
}
process.exitCode = results.every((result) => result.passed) ? 0 : 1;
