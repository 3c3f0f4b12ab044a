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

/** Every help page (a node's locales/<lang>/<base>.html): its path. */
function helpFiles(lang = 'en-US') {
  return fs.readdirSync(path.join(root, 'nodes'))
    .map((base) => catalogFile(base, 'html', lang))
    .filter((file) => fs.existsSync(file));
}

module.exports = { catalog, catalogFile, helpFiles, sourceDir };
