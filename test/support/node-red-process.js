// Starts a real Node-RED as a child process, for end-to-end tests.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

/** The folder of the Node-RED package under test (NODE_RED_PATH or the dev dependency). */
function nodeRedRoot() {
  let dir = path.dirname(process.env.NODE_RED_PATH || require.resolve('node-red'));
  while (!fs.existsSync(path.join(dir, 'package.json')) || require(path.join(dir, 'package.json')).name !== 'node-red') {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('node-red package not found');
    dir = parent;
  }
  return dir;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts Node-RED with `userDir` (holding settings.js and node_modules) and waits
 * until its admin API answers and its flows have started. `env` adds environment
 * variables to this process only. Resolves { url, output(), stop() }.
 */
async function startNodeRed(userDir, { timeoutMs = 60000, env = {} } = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(nodeRedRoot(), 'red.js'), '-u', userDir, '-p', String(port), '-s', path.join(userDir, 'settings.js')], {
    cwd: userDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited early:\n${text}`);
    try {
      const res = await fetch(`${url}/settings`);
      const up = res.status === 200 || res.status === 401;
      if (up && text.includes('Started flows')) return { url, output: () => text, stop, child };
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`Node-RED did not start in time:\n${text}`);
}

/** A settings.js for a test user directory. */
function writeSettings(userDir, settings) {
  fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
}

/**
 * A fresh Node-RED user directory with this package symlinked into node_modules
 * and a settings.js; returns its path.
 */
function userDirWithPack(prefix, settings) {
  const os = require('node:os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(dir, 'node_modules', '@flowjobs'), { recursive: true });
  fs.symlinkSync(path.resolve(__dirname, '..', '..'), path.join(dir, 'node_modules', '@flowjobs', 'node-red-aims360'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'test-user', private: true }));
  writeSettings(dir, settings);
  return dir;
}

/**
 * Writes a user directory's flows.json and flows_cred.json (plain: its settings have
 * credentialSecret false). The flow starts with a tab, the config node `server` with the
 * simulator's token, and `POST /start` (answered 204) wired to `first`: started once over
 * HTTP, since an inject with "once" would start again after a restart. `server` adds to or
 * overrides the config node's properties (e.g. `maxRequestsPerSecond`, `baseUrl`).
 */
function writeStartedFlow(userDir, { label, sim, token, timeout = 5000, first, server = {} }, nodes) {
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify([
    { id: 'tab', type: 'tab', label },
    { id: 'server', type: 'aims360-config', baseUrl: sim.url, authType: 'token', timeout, ...server },
    { id: 'start', type: 'http in', z: 'tab', x: 100, y: 100, url: '/start', method: 'post', upload: false, wires: [[first, 'ok']] },
    { id: 'ok', type: 'http response', z: 'tab', x: 200, y: 150, statusCode: '204', headers: {}, wires: [] },
    ...nodes,
  ]));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify({ server: { token } }));
}

/** Replaces the running flows through the admin API (a full deploy). */
async function deploy(url, flows) {
  const res = await fetch(`${url}/flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify(flows),
  });
  if (res.status !== 204) throw new Error(`deploy answered ${res.status}: ${await res.text()}`);
}

module.exports = { startNodeRed, writeSettings, nodeRedRoot, freePort, userDirWithPack, writeStartedFlow, deploy };
