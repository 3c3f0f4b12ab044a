// `npm start`: the AIMS360 simulator with jobs in motion, and Node-RED (the
// project's own dev dependency) with this pack and every example flow deployed
// against it, and a small MQTT broker for the example that publishes rows to MQTT.
// The user's flows in the demo folder are kept across restarts. Ctrl-C stops them all.
// `npm start -- --reset-examples` (or AIMS360_DEMO_EXAMPLES=reset) puts the shipped
// examples back over changed copies, keeping a backup of the flows.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const simPort = Number(process.env.AIMS360_SIM_PORT || 8360);
const redPort = Number(process.env.PORT || 1880);
const userDir = process.env.AIMS360_DEMO_DIR || path.join(root, '.demo');
const mqttPort = Number(process.env.AIMS360_MQTT_PORT ?? 1883);
const resetExamples = process.argv.includes('--reset-examples') || process.env.AIMS360_DEMO_EXAMPLES === 'reset';
// The Node-RED to run: the dev dependency, or NODE_RED_PATH's (CI runs the demo on Node-RED 5 too).
const redJs = process.env.NODE_RED_PATH
  ? path.join(path.dirname(process.env.NODE_RED_PATH), '..', 'red.js')
  : path.join(path.dirname(require.resolve('node-red/package.json')), 'red.js');

if (!existsSync(path.join(root, 'dist', 'simulator', 'index.js'))) {
  console.error('The pack is not built yet: run `npm install` (or `npm run build`) first.');
  process.exit(1);
}
const { start } = require(path.join(root, 'dist', 'simulator', 'index.js'));
const { demoGuide } = require(path.join(root, 'dist', 'simulator', 'demo.js'));
const sim = await start({ port: simPort, host: '127.0.0.1', demo: true });

/**
 * An MQTT broker (aedes, a dev dependency like Node-RED itself) on 127.0.0.1, on
 * AIMS360_MQTT_PORT (default 1883, where the example looks) or, when that port is
 * taken, any free one. Resolves { port, close() }, or null when aedes is missing.
 */
async function startBroker() {
  let Aedes;
  try {
    ({ Aedes } = require('aedes'));
  } catch {
    return null;
  }
  const aedes = await Aedes.createBroker();
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  const listen = (port) => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
  const port = await listen(mqttPort).catch((err) => {
    if (err.code !== 'EADDRINUSE') throw err;
    return listen(0);
  });
  const close = () => new Promise((resolve) => {
    aedes.close(() => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  });
  return { port, close };
}
const broker = await startBroker();

/**
 * node-red-node-mysql (a dev dependency like aedes) for export-changes-to-database, and the
 * database it writes to: AIMS360_DB_HOST, _PORT and _NAME, read by the flow's config node
 * itself, and AIMS360_DB_USER and _PASSWORD, put into its credentials. Without a host the
 * example's database node is disabled: no connection is tried and nothing is written.
 */
let mysqlNodeDir = null;
try {
  mysqlNodeDir = path.dirname(require.resolve('node-red-node-mysql/package.json'));
} catch {
  // Not installed: Node-RED shows the example's two database nodes as unknown.
}
const database = mysqlNodeDir && process.env.AIMS360_DB_HOST
  ? { user: process.env.AIMS360_DB_USER ?? '', password: process.env.AIMS360_DB_PASSWORD ?? '' }
  : null;

// A user directory that loads this checkout as an installed package.
mkdirSync(path.join(userDir, 'node_modules', '@flowjobs'), { recursive: true });
const link = path.join(userDir, 'node_modules', '@flowjobs', 'node-red-aims360');
rmSync(link, { force: true, recursive: true });
symlinkSync(root, link, 'dir');
writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'aims360-demo', private: true }, null, 2));
// File nodes in the examples write relative names into the demo folder; no update
// notice or welcome tour comes before the pack; the demo runner (scripts/demo-nodes)
// runs the examples' injects when an editor connects.
const settings = {
  flowFile: 'flows.json',
  credentialSecret: false,
  uiHost: '127.0.0.1',
  fileWorkingDirectory: userDir,
  nodesDir: [path.join(root, 'scripts', 'demo-nodes'), ...(mysqlNodeDir ? [mysqlNodeDir] : [])],
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { tours: false },
};
writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);

// Every example, with its config node pointed at the simulator and given its token, the
// webhook example posting to this Node-RED, the MQTT one publishing to the demo's broker.
// No example fires on deploy: the runner fires the examples' injects once the first
// editor is there to see the results.
const exampleSet = require('./example-flows.cjs').exampleFlows(sim.url, sim.token, {
  nodeRedUrl: `http://127.0.0.1:${redPort}`,
  mqtt: broker ? { host: '127.0.0.1', port: broker.port } : undefined,
});
// Without a broker its node does not try to connect (its mqtt out node shows
// "disconnected", no log line every 5 s).
if (!broker) for (const node of exampleSet.flows.filter((n) => n.type === 'mqtt-broker')) node.autoConnect = false;
for (const node of exampleSet.flows.filter((n) => n.type === 'mysql')) node.d = database ? undefined : true;
for (const node of exampleSet.flows.filter((n) => n.type === 'MySQLdatabase')) if (database) exampleSet.credentials[node.id] = database;
const { demoFlows, writeDemoFlows, describeNodes, sameNode } = require('./demo-flows.cjs');
const shipped = demoFlows(exampleSet);
// A folder from a demo before this one has no record of what it wrote: it wrote the examples as they are.
const previous = { nodes: Object.fromEntries(exampleSet.flows.map((n) => [n.id, n])), credentials: exampleSet.credentials };
const merged = writeDemoFlows(userDir, shipped, { reset: resetExamples, previous });

/** Nodes an inject leads to, following wires and links. */
function reached(inject, flows) {
  const byId = new Map(flows.map((n) => [n.id, n]));
  const seen = new Set();
  const visit = (id) => {
    const node = byId.get(id);
    if (!node || seen.has(id)) return;
    seen.add(id);
    for (const port of node.wires || []) port.forEach(visit);
    if (node.type === 'link out') (node.links || []).forEach(visit);
  };
  for (const port of inject.wires || []) port.forEach(visit);
  return [...seen].map((id) => byId.get(id));
}
// An example node with every output unwired is there to fail (job status of an unknown job,
// a rerun that is refused): the user clicks it to see the error, it does not run by itself.
const failsOnPurpose = (node) => node.type.startsWith('aims360-') && node.wires && node.wires.length > 0 && node.wires.every((port) => port.length === 0);
// Only examples as shipped run by themselves: a flow the user changed runs when they click it.
const shippedById = new Map(shipped.flows.map((n) => [n.id, n]));
const asShipped = (node) => sameNode(node, shippedById.get(node.id));
const clicked = merged.flows.filter((n) => n.type === 'inject' && !n.d && shippedById.has(n.id) && asShipped(n)).filter((inject) => {
  const route = reached(inject, merged.flows);
  // A database is the user's: the demo never writes to it by itself.
  return route.every(asShipped) && !route.some(failsOnPurpose) && (broker || !route.some((n) => n.type === 'mqtt out')) && !route.some((n) => n.type === 'mysql');
});

// The editor opens on the debug tab, the AIMS360 tab next to it (Node-RED 4 keeps the tab order
// in editor.sidebar.order, 5 the layout in editor.sidebar.state), unless the user has arranged them.
const usersFile = path.join(userDir, '.config.users.json');
const users = existsSync(usersFile) ? JSON.parse(readFileSync(usersFile, 'utf8')) : {};
const editor = (users._ ??= {}).editor ??= {};
const sidebar = editor.sidebar ??= {};
sidebar.order ??= ['debug', 'aims360', 'info', 'help', 'config', 'context'];
sidebar.state ??= {
  v: 4,
  tabs: ['palette', 'explorer', 'debug', 'aims360', 'info', 'help', 'config', 'context'],
  primary: { top: { tabs: ['debug', 'aims360', 'info', 'help', 'config', 'context'], active: 'debug' }, bottom: { tabs: [], hidden: true } },
  secondary: { top: { tabs: ['explorer'], active: 'explorer' }, bottom: { tabs: ['palette'], active: 'palette' } },
};
writeFileSync(usersFile, JSON.stringify(users, null, 4));

const red = spawn(
  process.execPath,
  [redJs, '-u', userDir, '-p', String(redPort)],
  { stdio: 'inherit', env: { ...process.env, AIMS360_DEMO_INJECTS: clicked.map((n) => n.id).join(',') } },
);

console.log(`AIMS360 simulator: ${sim.url}  (token: ${sim.token})`);
console.log(`Node-RED editor:   http://127.0.0.1:${redPort}/  (the examples run when you open it)`);
console.log(broker
  ? `MQTT broker:       mqtt://127.0.0.1:${broker.port}  (export-rows-to-mqtt publishes to aims360/orders/open)`
  : 'MQTT broker:       none (aedes is not installed): export-rows-to-mqtt is not run');
console.log(database
  ? `Database:          ${process.env.AIMS360_DB_HOST}:${process.env.AIMS360_DB_PORT ?? ''}/${process.env.AIMS360_DB_NAME ?? ''} (export-changes-to-database writes there when you click it)`
  : 'Database:          none (export-changes-to-database\'s database node is disabled; set AIMS360_DB_HOST, _PORT, _NAME, _USER and _PASSWORD to use yours)');
console.log(demoGuide().join('\n'));
if (merged.added.length === merged.flows.length) {
  console.log(`Flows:             the examples, in ${userDir}; what you build there is kept when npm start runs again`);
} else {
  console.log(`Flows:             yours, kept, in ${userDir}${merged.added.length ? `; examples added where missing: ${describeNodes(merged.added, merged.flows)}` : ''}`);
}
if (merged.refreshed.length) {
  console.log(`Examples refreshed to this version: ${describeNodes(merged.refreshed, merged.flows)}.`);
  console.log(`                   Your previous flows are in ${merged.backup}`);
}
if (merged.kept.length) {
  console.log(`Examples you changed are kept as you have them: ${describeNodes(merged.kept, merged.flows)}.`);
  console.log('                   This version ships others: `npm start -- --reset-examples` puts them back (a backup of your flows is kept).');
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  red.kill('SIGTERM');
  await sim.close();
  if (broker) await broker.close();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
red.on('exit', async (code) => {
  await stop();
  process.exit(code ?? 0);
});
