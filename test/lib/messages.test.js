// src/lib/messages.ts and src/locales/en-US/errors.json: the runtime's words come from the
// catalogue: every error code is described there, every key the code names exists with the
// parameters the code passes, none is left unused, no hand-written English AimsError remains, and
// Node-RED's own i18n (RED._) translates the keys with their parameters as text() does without
// Node-RED.
const fs = require('node:fs');
const path = require('node:path');
require('should');
const { AimsError, toAimsError } = require('../../dist/src/lib/errors.js');
const { fill, text, useTranslator } = require('../../dist/src/lib/messages.js');

const root = path.resolve(__dirname, '..', '..');
const PREFIX = 'aims360.errors.';
const catalogue = JSON.parse(fs.readFileSync(path.join(root, 'src/locales/en-US/errors.json'), 'utf8')).aims360.errors;

/** Every text of the catalogue by its full key. */
function leaves(tree, prefix = PREFIX) {
  return Object.entries(tree).flatMap(([name, value]) =>
    typeof value === 'string' ? [[prefix + name, value]] : leaves(value, `${prefix}${name}.`));
}
const texts = new Map(leaves(catalogue));
const placeholders = (template) => [...template.matchAll(/__([A-Za-z0-9_]+)__/g)].map((m) => m[1]).sort();

/** The runtime's TypeScript sources (the editor's code has no AimsError). */
function sources(dir = root, found = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const rel = path.relative(root, full);
    if (entry.isDirectory()) {
      if (['src', 'nodes', 'plugins'].includes(rel.split(path.sep)[0]) && rel !== path.join('src', 'editor')) sources(full, found);
    } else if (entry.name.endsWith('.ts') && entry.name !== 'editor.ts' && !entry.name.endsWith('.d.ts')) {
      found.push({ file: rel, code: fs.readFileSync(full, 'utf8') });
    }
  }
  return found;
}

/** From `at` (an opening bracket), the index after its matching closer; strings and templates skipped. */
function closing(code, at) {
  const stack = [];
  for (let i = at; i < code.length; i++) {
    const c = code[i];
    if (c === "'" || c === '"' || c === '`') {
      for (i++; i < code.length && code[i] !== c; i++) if (code[i] === '\\') i++;
    } else if ('([{'.includes(c)) stack.push(c);
    else if (')]}'.includes(c)) {
      stack.pop();
      if (stack.length === 0) return i + 1;
    }
  }
  throw new Error(`unbalanced at ${at}`);
}

/** The top-level property names of an object literal `{ a, b: x, ...c }` ("..." for a spread). */
function propertyNames(literal) {
  const names = [];
  let depth = 0;
  let part = '';
  const inner = literal.slice(1, -1);
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < inner.length && inner[j] !== c) j += inner[j] === '\\' ? 2 : 1;
      part += inner.slice(i, j + 1);
      i = j;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth--;
    if (c === ',' && depth === 0) {
      names.push(part);
      part = '';
    } else part += c;
  }
  names.push(part);
  return names.map((p) => p.trim()).filter(Boolean).map((p) => (p.startsWith('...') ? '...' : /^[A-Za-z_$][\w$]*/.exec(p)[0])).sort();
}

/** Every place a catalogue key is named: its file, line, key and, when an object literal follows, its parameters. */
function keyUses() {
  const uses = [];
  for (const { file, code } of sources()) {
    for (const m of code.matchAll(/(['"`])(aims360\.errors\.[^'"`]*)\1/g)) {
      const line = code.slice(0, m.index).split('\n').length;
      const after = code.slice(m.index + m[0].length);
      const next = /^\s*,\s*\{/.exec(after);
      const start = m.index + m[0].length + (next ? next[0].length - 1 : 0);
      const params = next ? propertyNames(code.slice(start, closing(code, start))) : [];
      uses.push({ where: `${file}:${line}`, key: m[2], params });
    }
  }
  return uses;
}

describe('messages: the runtime words from src/locales/en-US/errors.json', () => {
  it('describes every error code (aims360.errors.codes.<CODE>) and no other', () => {
    const type = fs.readFileSync(path.join(root, 'src/lib/errors.ts'), 'utf8').match(/export type ErrorCode =([^;]+);/)[1];
    const codes = [...type.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]).sort();
    codes.should.containDeep(['INTERNAL', 'NOT_FOUND', 'BAD_RESPONSE']);
    Object.keys(catalogue.codes).sort().should.eql(codes);
    for (const code of codes) catalogue.codes[code].should.be.a.String().and.not.be.empty();
  });

  it('has every key the code names, with exactly the parameters the code passes', () => {
    const uses = keyUses();
    uses.length.should.be.above(80);
    const wrong = uses.flatMap(({ where, key, params }) => {
      if (key.includes('${')) return [`${where}: ${key} is not a literal key`];
      if (!texts.has(key)) return [`${where}: ${key} is not in errors.json`];
      const wanted = placeholders(texts.get(key));
      return params.join() === wanted.join() ? [] : [`${where}: ${key} gets {${params}} but its text has {${wanted}}`];
    });
    wrong.should.eql([]);
  });

  it("has no entry the code does not use (a code's description is read by its code: the config dialog's test result)", () => {
    const used = new Set(keyUses().map((u) => u.key));
    [...texts.keys()].filter((key) => !key.startsWith(`${PREFIX}codes.`) && !used.has(key)).should.eql([]);
  });

  it('leaves no hand-written English error: every AimsError is built from a key', () => {
    const wrong = [];
    for (const { file, code } of sources()) {
      for (const m of code.matchAll(/new (AimsError|NotResumable)\(/g)) {
        const line = code.slice(0, m.index).split('\n').length;
        const args = code.slice(m.index + m[0].length);
        // errors.ts builds its own (of, copy); a NotResumable names its key first.
        if (file === path.join('src', 'lib', 'errors.ts') && m[1] === 'AimsError') continue;
        if (!(m[1] === 'NotResumable' && /^\s*'aims360\.errors\./.test(args))) wrong.push(`${file}:${line}`);
      }
      for (const m of code.matchAll(/AimsError\.of\(/g)) {
        const line = code.slice(0, m.index).split('\n').length;
        const second = code.slice(m.index + m[0].length).replace(/^[^,]*,\s*/, '');
        if (!/^'aims360\.errors\./.test(second)) wrong.push(`${file}:${line} (AimsError.of without a literal key)`);
      }
    }
    wrong.should.eql([]);
  });

  it('gives every error its key and parameters, and the English text filled', () => {
    const err = AimsError.of('JOB_NOT_FOUND', 'aims360.errors.jobs.notFound', { id: 'j-1' }, 404);
    err.should.match({ code: 'JOB_NOT_FOUND', key: 'aims360.errors.jobs.notFound', params: { id: 'j-1' }, status: 404 });
    err.message.should.equal('AIMS360 knows no job j-1: check the id, or the job was purged.');
    err.copy().should.match({ key: err.key, params: err.params, message: err.message, status: 404 }).and.not.equal(err);
    toAimsError(new TypeError('x is undefined')).should.match({ code: 'INTERNAL', key: 'aims360.errors.internal', params: { reason: 'x is undefined' } });
    (() => text('aims360.errors.nothing.here')).should.throw(/No message/);
  });

  describe("with the i18n of the Node-RED under test, as a node's RED._", () => {
    const nodeRedPath = process.env.NODE_RED_PATH || require.resolve('node-red');
    const { i18n } = require(require.resolve('@node-red/util', { paths: [path.dirname(nodeRedPath)] }));
    const namespace = 'messages-test/aims360-config';
    // Values that i18next would spoil if it escaped them (Node-RED turns escaping off).
    const odd = '<b>&"\'/x';
    let red;

    before(async () => {
      await i18n.init({ lang: 'en-US' });
      await i18n.registerMessageCatalog(namespace, path.join(root, 'dist/nodes/aims360-config/locales'), 'aims360-config.json');
      red = (key, params) => i18n._(`${namespace}:${key}`, params);
    });
    after(() => useTranslator(undefined));

    it('finds every key in a node catalogue the build wrote, filled as text() fills it', () => {
      for (const [key, template] of texts) {
        const params = Object.fromEntries(placeholders(template).map((name) => [name, `${odd}${name}`]));
        red(key, params).should.equal(fill(template, params), key);
      }
    });

    it('is what text() answers once the config node hooks it (useTranslator), not the English fallback', () => {
      const seen = [];
      useTranslator((key, params) => {
        seen.push(key);
        return red(key, params);
      });
      AimsError.of('BAD_INPUT', 'aims360.errors.request.queryValue', { name: odd }).message
        .should.equal(`The query value of "${odd}" must be text, a number, a boolean or a list of them.`);
      seen.should.eql(['aims360.errors.request.queryValue']);
    });
  });
});
