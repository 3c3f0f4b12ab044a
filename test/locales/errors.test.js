// src/locales/en-US/errors.json against the code: every error code is described there, every
// key the code names exists with the parameters the code passes, none is left unused, and no
// hand-written English AimsError remains. (A static check of the sources: not part of the
// mutation run, whose sandboxes rewrite them.)
const fs = require('node:fs');
const path = require('node:path');
require('should');

const root = path.resolve(__dirname, '..', '..');
const { errorTexts, placeholders, errorCatalogue, ERROR_PREFIX } = require('../support/locales');
const PREFIX = ERROR_PREFIX;
const catalogue = errorCatalogue();
const texts = errorTexts();

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

describe('the error catalogue, src/locales/en-US/errors.json, against the code', () => {
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

});
