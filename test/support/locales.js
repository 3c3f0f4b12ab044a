// Where a node's (or the sidebar plugin's) catalogues sit in the sources: its own locales/.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

/** The folder of a node (nodes/<base>) or plugin (plugins/<base>). */
function sourceDir(base) {
  const node = path.join(root, 'nodes', base);
  return fs.existsSync(node) ? node : path.join(root, 'plugins', base);
}

/** The path of one catalogue file, e.g. nodes/export/locales/en-US/export.json. */
function catalogFile(base, ext = 'json', lang = 'en-US') {
  return path.join(sourceDir(base), 'locales', lang, `${base}.${ext}`);
}

/** The parsed English message catalogue of a node or plugin. */
function catalog(base) {
  return JSON.parse(fs.readFileSync(catalogFile(base), 'utf8'));
}

/**
 * The catalogue every node shares (src/locales/<lang>/*.json): its "aims360" texts. The build
 * merges it into each node's; a dialog's text missing from the node's own is looked up in its
 * sections (common, output, wait: src/editor/define.ts translator).
 */
function sharedCatalog(lang = 'en-US') {
  const dir = path.join(root, 'src', 'locales', lang);
  const all = {};
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    for (const [section, texts] of Object.entries(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')).aims360 ?? {})) {
      all[section] = { ...all[section], ...texts };
    }
  }
  return all;
}

/**
 * Every help page as Node-RED reads it: the built dist/nodes/<base>/locales/<lang>/<base>.html,
 * with the shared sections (src/locales/<lang>/help/) inserted by the build: its path.
 */
function helpFiles(lang = 'en-US') {
  return fs.readdirSync(path.join(root, 'nodes'))
    .filter((base) => fs.existsSync(catalogFile(base, 'html', lang)))
    .map((base) => path.join(root, 'dist', 'nodes', base, 'locales', lang, `${base}.html`));
}

const ERROR_PREFIX = 'aims360.errors.';

/** The English error catalogue (src/locales/en-US/errors.json), below aims360.errors. */
function errorCatalogue() {
  return JSON.parse(fs.readFileSync(path.join(root, 'src', 'locales', 'en-US', 'errors.json'), 'utf8')).aims360.errors;
}

/** Every text of a catalogue tree by its full key. */
function leaves(tree, prefix) {
  return Object.entries(tree).flatMap(([name, value]) =>
    typeof value === 'string' ? [[prefix + name, value]] : leaves(value, `${prefix}${name}.`));
}

/** Every error text by its full key (aims360.errors.…). */
function errorTexts() {
  return new Map(leaves(errorCatalogue(), ERROR_PREFIX));
}

/** A template's parameter names (`__name__`), sorted. */
const placeholders = (template) => [...template.matchAll(/__([A-Za-z0-9_]+)__/g)].map((m) => m[1]).sort();

module.exports = { ERROR_PREFIX, errorCatalogue, errorTexts, placeholders, catalog, catalogFile, helpFiles, sharedCatalog, sourceDir };
