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

/**
 * The npm a user runs, not node_modules/.bin/npm (Node-RED's own npm 10, first on PATH
 * under `npm test`), whose pack runs the prepare script despite --ignore-scripts and so
 * rebuilt dist/ while the other half of the suite read it.
 */
const PATH_WITHOUT_BIN = (process.env.PATH ?? '').split(path.delimiter)
  .filter((dir) => !dir.endsWith(path.join('node_modules', '.bin'))).join(path.delimiter);
const npm = (args, cwd) => execFileSync('npm', args, {
  cwd,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, PATH: PATH_WITHOUT_BIN },
});

let tarball;
let installed;

/**
 * The package's tarball, as `npm run package` makes it, packed once per run.
 * `npm test` builds dist/ first, so packing skips the prepare script (which would
 * rebuild dist/ under the feet of the running tests).
 */
function packedTarball() {
  if (!tarball) {
    fs.mkdirSync(cache, { recursive: true });
    process.once('exit', () => fs.rmSync(cache, { recursive: true, force: true }));
    const name = npm(['pack', '--ignore-scripts', '--pack-destination', cache, '--silent'], root).trim().split('\n').pop();
    tarball = path.join(cache, name);
  }
  return tarball;
}

/** The paths the tarball holds, relative to the package's folder (as installed). */
function packedFiles() {
  return execFileSync('tar', ['-tzf', packedTarball()], { encoding: 'utf8' }).trim().split('\n')
    .map((entry) => entry.replace(/^package\//, ''));
}

/** node_modules holding the packed package, installed from its tarball once per run. */
function installedModules() {
  if (!installed) {
    const dir = path.join(cache, 'install');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'aims360-test-user', private: true }));
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', packedTarball()], dir);
    installed = path.join(dir, 'node_modules');
  }
  return installed;
}

/** The installed package's own folder (what a user's node_modules holds). */
function installedPackage() {
  return path.join(installedModules(), ...PACKAGE.name.split('/'));
}

/**
 * A fresh temporary user directory with the packed package installed (unless
 * `installed` is false: a user who has yet to install it), a settings.js (flows.json,
 * no credential encryption, no editor tours or telemetry prompts, plus `settings`) and
 * optional flows and credentials. Resolves { work, userDir }.
 */
function packedUserDir({ installed: withPackage = true, settings = {}, flows, credentials } = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-e2e-'));
  const userDir = path.join(work, 'user');
  fs.mkdirSync(userDir);
  if (withPackage) fs.cpSync(installedModules(), path.join(userDir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'aims360-test-user', private: true }));
  // npm, when the palette runs it here, takes the dependencies from the warm cache and
  // asks the registry only for what is missing: a quick install that rarely meets the network.
  fs.writeFileSync(path.join(userDir, '.npmrc'), 'prefer-offline=true\n');
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
  PACKAGE, root, packedTarball, packedFiles, installedPackage, packedUserDir, usePackedNodeRed, nodeTypes, workingTypes, configTypes, nodeHtml, examples,
};
