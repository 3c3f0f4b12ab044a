// `node-red-dev validate` (Node-RED's scorecard) without the internet: runs its
// package, node and dependency checks on a package folder, with its look-ups answered
// locally. The flows catalogue (P08 similar names, N01 unique node types) is empty, the
// npm registry's node-red entry is a recorded copy of its dist-tags and engines (P06,
// P07), the dependency tree (D02) is the one installed beside the package, and D03
// (latest versions on npm) is skipped. Prints the scorecard; exits 1 if a check fails.
//   node scripts/validate.mjs [package folder, default: this checkout] [scorecard.json]
import { createRequire } from 'node:module';
import Module from 'node:module';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.resolve(process.argv[2] || root);
// `npm view node-red dist-tags engines` when this was written.
const NODE_RED_REGISTRY = { 'dist-tags': { latest: '5.0.7' }, versions: { '5.0.7': { engines: { node: '>=22.9' } } } };

/** The installed package.json of `name` as seen from `dir` (node_modules up the tree). */
function installed(name, dir) {
  for (let d = dir; ; d = path.dirname(d)) {
    const file = path.join(d, 'node_modules', name, 'package.json');
    if (existsSync(file)) return { dir: path.dirname(file), pkg: JSON.parse(readFileSync(file, 'utf8')) };
    if (path.dirname(d) === d) throw new Error(`${name} is not installed beside ${dir}`);
  }
}

/** name@version of every package in the installed production tree of `name`. */
function tree(name, from, seen = new Map()) {
  const { dir, pkg } = installed(name, from);
  const id = `${pkg.name}@${pkg.version}`;
  if (seen.has(id)) return seen;
  seen.set(id, true);
  for (const dep of Object.keys(pkg.dependencies || {})) tree(dep, dir, seen);
  return seen;
}

const stubs = {
  axios: {
    get: async (url) => {
      if (url === 'https://catalogue.nodered.org/catalogue.json') return { data: { modules: [] } };
      if (url === 'https://registry.npmjs.org/node-red') return { data: NODE_RED_REGISTRY };
      throw new Error(`no offline answer for ${url}`);
    },
  },
  'npm-remote-ls': {
    config: () => {},
    ls: (name, version, flatten, callback) => callback([...tree(name, target).keys()]),
  },
  'npm-check': async () => ({ get: () => [] }),
};
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (stubs[request] && parent && parent.filename.includes(`${path.sep}node-red-dev${path.sep}`)) return stubs[request];
  return load.call(this, request, parent, isMain);
};

const lib = (name) => require(`node-red-dev/src/libs/${name}`);
const failures = [];
const cli = {
  // The check that would compare with npm prints a pass: say what really happened.
  log: (text) => console.log(/latest versions/.test(text) ? 'D03 skipped: it compares dependencies with their latest versions on the npm registry' : text),
  warn: (text) => {
    console.log(`⚠️  ${text}`);
    failures.push(String(text));
  },
  error: (err) => {
    throw err instanceof Error ? err : new Error(String(err));
  },
};

const scorecard = {};
await lib('checkpackage')(target, cli, scorecard, false);
await lib('checknodes')(target, cli, scorecard, false);
await lib('checkdeps')(target, cli, scorecard, false);
scorecard.D03 = { test: true, skipped: 'needs the npm registry (latest versions)' };
if (process.argv[3]) writeFileSync(process.argv[3], JSON.stringify(scorecard, null, 2));
const failed = Object.entries(scorecard).filter(([, v]) => v && v.test === false).map(([k]) => k);
console.log(failed.length || failures.length ? `Failed: ${[...failed, ...failures].join('; ')}` : 'Every check passed.');
process.exit(failed.length || failures.length ? 1 : 0);
