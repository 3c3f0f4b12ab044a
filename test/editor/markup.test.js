// The dialogs and help pages as the build writes them (dist/nodes/<base>/): every fixed list
// comes from the spec, the shared rows and help sections are inserted, every text a dialog
// names is in its catalogue, and no text is written in two node catalogues.
require('should');
const fs = require('node:fs');
const path = require('node:path');
const { catalog, catalogFile, helpFiles, sharedCatalog } = require('../support/locales');

const root = path.join(__dirname, '..', '..');
const PACKAGE = require('../../package.json');
/** [node type, folder name]: each node of package.json's node-red.nodes. */
const nodes = Object.entries(PACKAGE['node-red'].nodes).map(([type, file]) => [type, path.basename(path.dirname(file))]);
const specOf = (base) => require(path.join(root, 'dist', 'nodes', base, 'spec.js')).spec;
const built = (base) => fs.readFileSync(path.join(root, 'dist', 'nodes', base, `${base}.html`), 'utf8');
const builtCatalog = (base) => JSON.parse(fs.readFileSync(path.join(root, 'dist', 'nodes', base, 'locales', 'en-US', `${base}.json`), 'utf8'));
/** Where the editor looks for a dialog's text missing from the node's own catalogue (define.ts). */
const SHARED_SECTIONS = ['common', 'output', 'wait'];

/** The text at a dotted key of a catalogue, or undefined. */
const at = (cat, key) => key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), cat);

/** The text the editor's translator finds for a node's key (its own, else a shared section's). */
function editorText(base, prefix, key) {
  const cat = builtCatalog(base);
  return [`${prefix}.${key}`, ...SHARED_SECTIONS.map((s) => `aims360.${s}.${key}`)].map((k) => at(cat, k)).find((t) => typeof t === 'string');
}

/** Every leaf of a catalogue: [dotted key, text]. */
function leaves(object, prefix = '') {
  return Object.entries(object).flatMap(([k, v]) => (v && typeof v === 'object' ? leaves(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v]]));
}

/** A marker the build replaces (scripts/build.mjs expand). */
const MARKER = /<!-- aims360:(block|help) [a-z0-9-]+ -->/;

describe('dialogs and help pages as built', () => {
  for (const [type, base] of nodes) {
    describe(type, () => {
      const spec = specOf(base);
      const field = spec.category === 'config' ? 'node-config-input-' : 'node-input-';

      it('writes no list as markup: each select is a setting of the spec that is one of a list, each value with its text', () => {
        const html = built(base);
        html.should.not.match(/<option\b/i, 'a hand-written <option>: build the list from the spec (define.ts specLists, fields.ts fillSelect)');
        const selects = [...html.matchAll(/<select id="([^"]+)"/g)].map((m) => m[1]);
        for (const id of selects.filter((i) => i.startsWith(field))) {
          const name = id.slice(field.length);
          const rule = spec.settings[name]?.rule ?? {};
          rule.should.have.property('kind', 'oneOf', `${id}: a select whose setting is not one of a list`);
          for (const value of rule.values) (editorText(base, spec.prefix, `${name}.${value}`) ?? '').should.not.equal('', `${type}: no text for ${name}.${value}`);
        }
        // And every list setting the dialog shows is a select.
        for (const [name, s] of Object.entries(spec.settings)) {
          if (s.rule?.kind === 'oneOf' && html.includes(`id="${field}${name}"`)) selects.should.containEql(`${field}${name}`);
        }
      });

      it('has a field for every setting of the spec (a typed one with its type field), the shared rows inserted', () => {
        const html = built(base);
        html.should.not.match(MARKER);
        for (const [name, s] of Object.entries(spec.settings)) {
          const id = spec.category === 'config' ? `node-config-input-${name}` : `node-input-${name}`;
          html.should.containEql(`id="${id}"`, `${type}: no field for ${name}`);
          if (s.typed) html.should.containEql(`id="${id}Type"`);
        }
        const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
        ids.filter((id, i) => ids.indexOf(id) !== i).should.eql([], `${type}: a field twice`);
      });

      it('names only texts its catalogue has (its own, or the shared catalogue merged in)', () => {
        const cat = builtCatalog(base);
        for (const [, keys] of built(base).matchAll(/data-i18n="([^"]+)"/g)) {
          for (const key of keys.split(';').map((k) => k.replace(/^\[[a-z]+\]/, ''))) {
            (typeof at(cat, key)).should.equal('string', `${type}: ${key} is not in its catalogue`);
          }
        }
      });
    });
  }

  it('inserts every shared row and help section, each used by two places at least', () => {
    const uses = (dir, kind, texts) => fs.readdirSync(dir).filter((f) => f.endsWith('.html')).map((f) => {
      const name = f.replace(/\.html$/, '');
      return [name, texts.filter((t) => t.includes(`<!-- aims360:${kind} ${name} -->`)).length];
    });
    const dialogs = nodes.map(([, base]) => fs.readFileSync(path.join(root, 'nodes', base, `${base}.html`), 'utf8'));
    const pages = nodes.map(([, base]) => catalogFile(base, 'html')).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, 'utf8'));
    for (const [name, count] of [...uses(path.join(root, 'src', 'editor', 'markup'), 'block', dialogs), ...uses(path.join(root, 'src', 'locales', 'en-US', 'help'), 'help', pages)]) {
      count.should.be.aboveOrEqual(2, `${name}: shared by ${count}`);
    }
    for (const file of helpFiles()) fs.readFileSync(file, 'utf8').should.not.match(MARKER, file);
    const help = fs.readFileSync(helpFiles().find((f) => f.endsWith('fetch-output.html')), 'utf8');
    help.should.containEql('<h4>Typed values</h4>').and.containEql('<h4>Errors</h4>');
  });

  it('writes each text once: no key has the same text in two node catalogues, nor in a node\'s and the shared one', () => {
    // Status texts that the runtime reads under the node's own prefix (RED._('<type>.status.…')).
    const RUNTIME = new Set(['status.downloading', 'status.bytes', 'status.percent', 'status.inline', 'status.done', 'status.done_one', 'status.unreachable', 'status.waiting']);
    const shared = sharedCatalog();
    const seen = new Map();
    const twice = [];
    for (const [type, base] of nodes) {
      for (const [key, text] of leaves(catalog(base)[type])) {
        if (SHARED_SECTIONS.some((s) => at(shared[s] ?? {}, key) === text)) twice.push(`${type}.${key} is the shared text`);
        if (RUNTIME.has(key)) continue;
        const other = seen.get(`${key}=${text}`);
        if (other) twice.push(`${key}: ${other} and ${type}`);
        else seen.set(`${key}=${text}`, type);
      }
    }
    twice.should.eql([]);
  });
});
