// The package as a user gets it: `npm pack` once per test run, installed once,
// then copied into a fresh Node-RED user directory per test file.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startNodeRed, writeSettings } = require('./node-red-process');

const root = path.resolve(__dirname, '..', '..');
const { examples } = require('../../scripts/example-flows.cjs');
const PACKAGE = require(path.join(root, 'package.json'));
const cache = path.join(os.tmpdir(), `aims360-pack-${process.pid}`);

const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let installed;

/**
 * node_modules holding the packed package, installed from its tarball once per run.
 * `npm test` builds dist/ first, so packing skips the prepare script (which would
 * rebuild dist/ under the feet of the running tests).
 */
function installedModules() {
  if (!installed) {
    fs.mkdirSync(cache, { recursive: true });
    process.once('exit', () => fs.rmSync(cache, { recursive: true, force: true }));
    const tarball = npm(['pack', '--ignore-scripts', '--pack-destination', cache, '--silent'], root).trim().split('\n').pop();
    const dir = path.join(cache, 'install');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'aims360-test-user', private: true }));
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(cache, tarball)], dir);
    installed = path.join(dir, 'node_modules');
  }
  return installed;
}

/** The installed package's own folder (what a user's node_modules holds). */
function installedPackage() {
  return path.join(installedModules(), ...PACKAGE.name.split('/'));
}

/**
 * A fresh temporary user directory with the packed package installed, a settings.js
 * (flows.json, no credential encryption, no editor tours or telemetry prompts, plus
 * `settings`) and optional flows and credentials. Resolves { work, userDir }.
 */
function packedUserDir({ settings = {}, flows, credentials } = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-e2e-'));
  const userDir = path.join(work, 'user');
  fs.mkdirSync(userDir);
  fs.cpSync(installedModules(), path.join(userDir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'aims360-test-user', private: true }));
  writeSettings(userDir, {
    flowFile: 'flows.json',
    credentialSecret: false,
    logging: { console: { level: 'info' } },
    telemetry: { enabled: false, updateNotification: false },
    editorTheme: { tours: false },
    ...settings,
  });
  if (flows) fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  if (credentials) fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(credentials));
  return { work, userDir };
}

/**
 * Mocha hooks: a user directory with the packed package (options as packedUserDir)
 * and a Node-RED started on it for the file. Returns a getter for
 * { url, output(), stop(), work, userDir }.
 */
function usePackedNodeRed(options = () => ({})) {
  let red;
  let dirs;
  before(async function () {
    this.timeout(120000);
    dirs = packedUserDir(options());
    red = await startNodeRed(dirs.userDir);
  });
  after(async () => {
    if (red) await red.stop();
    if (dirs) fs.rmSync(dirs.work, { recursive: true, force: true });
  });
  return () => ({ ...red, ...dirs });
}

/** Every node type the package registers, from package.json's node-red.nodes. */
const nodeTypes = Object.keys(PACKAGE['node-red'].nodes);



/** The editor .html of a node type (built, beside its .js). */
function nodeHtml(type) {
  return fs.readFileSync(path.join(root, PACKAGE['node-red'].nodes[type].replace(/\.js$/, '.html')), 'utf8');
}

/** Node types shown in the palette: all but config nodes. */
const workingTypes = nodeTypes.filter((type) => !/category:\s*['"]config['"]/.test(nodeHtml(type)));
const configTypes = nodeTypes.filter((type) => !workingTypes.includes(type));

module.exports = {
  PACKAGE, root, installedPackage, packedUserDir, usePackedNodeRed, nodeTypes, workingTypes, configTypes, nodeHtml, examples,
};
