// `npm start` (scripts/demo.mjs) as a child process on free ports, with its demo folder in `dir`.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { freePort } = require('./node-red-process');

const root = path.resolve(__dirname, '..', '..');

/**
 * Starts the demo and waits until its flows have started. `args`: extra arguments to
 * demo.mjs (e.g. --reset-examples). Resolves { child, output(), editorUrl, simUrl, brokerUrl, stop() }.
 */
async function startDemo(dir, { args = [], env = {}, timeoutMs = 40000 } = {}) {
  const [redPort, simPort, mqttPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'demo.mjs'), ...args], {
    env: { ...process.env, PORT: String(redPort), AIMS360_SIM_PORT: String(simPort), AIMS360_MQTT_PORT: String(mqttPort), AIMS360_DEMO_DIR: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await exited;
  };
  const started = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const check = () => {
      if (text.includes('Started flows')) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', () => resolve(false));
  });
  if (!started) {
    await stop();
    throw new Error(`demo did not start:\n${text}`);
  }
  const found = (re) => (text.match(re) || [])[1];
  return {
    child,
    output: () => text,
    editorUrl: `http://127.0.0.1:${redPort}`,
    simUrl: found(/AIMS360 simulator: (http:\/\/127\.0\.0\.1:\d+)/),
    brokerUrl: found(/MQTT broker: +(mqtt:\/\/127\.0\.0\.1:\d+)/),
    stop,
  };
}

/** The flows a running Node-RED holds (GET /flows). */
async function getFlows(editorUrl) {
  return (await fetch(`${editorUrl}/flows`, { headers: { accept: 'application/json' } })).json();
}

module.exports = { startDemo, getFlows };
