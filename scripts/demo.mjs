// `npm start`: the AIMS360 simulator with jobs in motion, and Node-RED (the
// project's own dev dependency) with this pack and every example flow deployed
// against it. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const simPort = Number(process.env.AIMS360_SIM_PORT || 8360);
const redPort = Number(process.env.PORT || 1880);
const userDir = process.env.AIMS360_DEMO_DIR || path.join(root, '.demo');

if (!existsSync(path.join(root, 'dist', 'simulator', 'index.js'))) {
  console.error('The pack is not built yet: run `npm install` (or `npm run build`) first.');
  process.exit(1);
}
const { start } = require(path.join(root, 'dist', 'simulator', 'index.js'));
const { demoGuide } = require(path.join(root, 'dist', 'simulator', 'demo.js'));
const sim = await start({ port: simPort, host: '127.0.0.1', demo: true });

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
  nodesDir: path.join(root, 'scripts', 'demo-nodes'),
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { tours: false },
};
writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);

// Every example, with its config node pointed at the simulator and given its token.
// Nothing fires on deploy: the runner fires every enabled inject once the first
// editor is there to see the results.
const { flows, credentials } = require('./example-flows.cjs').exampleFlows(sim.url, sim.token);
const injects = flows.filter((n) => n.type === 'inject' && !n.d);
for (const inject of injects) inject.once = false;
writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(credentials, null, 2));

const red = spawn(
  process.execPath,
  [path.join(path.dirname(require.resolve('node-red/package.json')), 'red.js'), '-u', userDir, '-p', String(redPort)],
  { stdio: 'inherit', env: { ...process.env, AIMS360_DEMO_INJECTS: injects.map((n) => n.id).join(',') } },
);

console.log(`AIMS360 simulator: ${sim.url}  (token: ${sim.token})`);
console.log(`Node-RED editor:   http://127.0.0.1:${redPort}/  (the examples run when you open it)`);
console.log(demoGuide().join('\n'));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  red.kill('SIGTERM');
  await sim.close();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
red.on('exit', async (code) => {
  await stop();
  process.exit(code ?? 0);
});
