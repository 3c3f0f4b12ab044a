// The import rule of docs/architecture.md ("What may import what"), read from the doc's own
// table, checked against every .ts file under nodes/, plugins/, src/ and simulator/.
const should = require('should');
const fs = require('node:fs');
const path = require('node:path');
const { builtinModules } = require('node:module');
const ts = require('typescript');

const root = path.resolve(__dirname, '..', '..');
const DOC = path.join(root, 'docs', 'architecture.md');
const SOURCES = ['nodes', 'plugins', 'src', 'simulator'];

/** A table glob as a regular expression: `<x>` one name (the same everywhere in a row), `*` one name, `**` any path. */
function globRegex(glob, bound = {}) {
  const seen = new Set();
  const body = glob.split(/(\*\*|\*|<[a-z]+>)/).map((part) => {
    if (part === '**') return '.+';
    if (part === '*') return '[^/]+';
    const variable = /^<([a-z]+)>$/.exec(part);
    if (!variable) return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    const name = variable[1];
    if (bound[name] !== undefined) return bound[name].replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    if (seen.has(name)) return `\\k<${name}>`;
    seen.add(name);
    return `(?<${name}>[^/]+)`;
  }).join('');
  return new RegExp(`^${body}$`);
}

/** One "may import" item: a path glob (maybe pure only), or which packages. */
function readItem(text, row) {
  const glob = /^(pure )?`([^`]+)`$/.exec(text);
  if (glob) return { kind: 'path', pure: !!glob[1], glob: glob[2] };
  if (text === 'packages') return { kind: 'packages' };
  if (text === 'types of packages') return { kind: 'packages', typesOnly: true };
  const but = /^packages but `([^`]+)`$/.exec(text);
  if (but) return { kind: 'packages', except: but[1] };
  throw new Error(`docs/architecture.md, row ${row}: cannot read "${text}"`);
}

/** The rule table of docs/architecture.md: [{ files, allowed: [item] }] in the doc's order. */
function readRules(markdown) {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('What may import what'));
  if (!section) throw new Error('docs/architecture.md has no "What may import what" section');
  return section.split('\n').filter((line) => /^\| `/.test(line)).map((line) => {
    const [files, allowed] = line.split('|').slice(1, 3).map((cell) => cell.trim());
    const glob = /^`([^`]+)`$/.exec(files);
    if (!glob) throw new Error(`docs/architecture.md: cannot read the files of "${line}"`);
    return { files: glob[1], allowed: allowed.split(/[,;]/).map((item) => readItem(item.trim(), files)) };
  });
}

/** Every import of a TypeScript source: its specifier, and whether only types come in. */
function importsOf(file, text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : [];
      const typesOnly = !!clause && (clause.isTypeOnly || (!clause.name && named.length > 0 && named.every((e) => e.isTypeOnly)));
      found.push({ spec: node.moduleSpecifier.text, typesOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      found.push({ spec: node.moduleSpecifier.text, typesOnly: node.isTypeOnly });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      found.push({ spec: node.moduleReference.expression.text, typesOnly: node.isTypeOnly });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      found.push({ spec: node.argument.literal.text, typesOnly: true });
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      const [arg] = node.arguments;
      found.push({ spec: arg && ts.isStringLiteralLike(arg) ? arg.text : undefined, typesOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A package's name (`node:fs` and `fs` are `node:fs`), or undefined for a relative path. */
function packageOf(spec) {
  if (spec.startsWith('.') || spec.startsWith('/')) return undefined;
  if (spec.startsWith('node:')) return spec;
  const name = spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
  return builtinModules.includes(name) ? `node:${name}` : name;
}

/** The repository path a relative import names (`./spec.js` is `spec.ts`), or undefined when no file is there. */
function resolve(from, spec, exists) {
  const base = path.posix.join(path.posix.dirname(from), spec);
  return [base, `${base}.ts`, base.replace(/\.js$/, '.ts'), `${base}.d.ts`, `${base}/index.ts`].find(exists);
}

/**
 * The import graph of these files: { file: [{ spec, typesOnly, package?, target? }] },
 * `target` the repository path of a relative import.
 */
function graphOf(files, read, exists) {
  const graph = {};
  for (const file of files) {
    graph[file] = importsOf(file, read(file)).map((imp) => {
      if (imp.spec === undefined) return imp;
      const pkg = packageOf(imp.spec);
      return pkg ? { ...imp, package: pkg } : { ...imp, target: resolve(file, imp.spec, exists) };
    });
  }
  return graph;
}

/**
 * Why a src/lib module is not pure: the chain to the first package it imports, itself or
 * through another src/lib module ("src/lib/a.ts > src/lib/b.ts > node:fs"); undefined when pure.
 */
function impurity(graph, file, visiting = new Set()) {
  if (visiting.has(file)) return undefined;
  visiting.add(file);
  for (const imp of graph[file] ?? []) {
    if (imp.package || imp.spec === undefined) return `${file} > ${imp.package ?? 'a computed import'}`;
    const further = imp.target?.startsWith('src/lib/') && impurity(graph, imp.target, visiting);
    if (further) return `${file} > ${further}`;
  }
  return undefined;
}

/** Every import against the rules, as "file: why" lines. */
function violations(graph, rules) {
  const out = [];
  for (const [file, imports] of Object.entries(graph)) {
    const rule = rules.find((r) => globRegex(r.files).test(file));
    if (!rule) {
      out.push(`${file}: no row of docs/architecture.md's table covers this file`);
      continue;
    }
    const bound = { ...globRegex(rule.files).exec(file).groups };
    for (const imp of imports) {
      if (imp.spec === undefined) {
        out.push(`${file}: imports a computed name, which cannot be checked`);
        continue;
      }
      if (!imp.package && !imp.target) {
        out.push(`${file}: imports "${imp.spec}", which names no file`);
        continue;
      }
      let why = '';
      const allowed = rule.allowed.some((item) => {
        if (item.kind === 'packages') return !!imp.package && imp.package !== item.except && (!item.typesOnly || imp.typesOnly);
        if (!imp.target || !globRegex(item.glob, bound).test(imp.target)) return false;
        const impure = item.pure && impurity(graph, imp.target);
        if (impure) why = `: only pure, and ${impure}`;
        return !impure;
      });
      if (!allowed) out.push(`${file}: may not import "${imp.spec}" (row \`${rule.files}\`${why})`);
    }
  }
  return out;
}

/** Every .ts file under the source folders, as repository paths. */
function sourceFiles() {
  return SOURCES.flatMap((dir) => fs.readdirSync(path.join(root, dir), { recursive: true })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}/${f.split(path.sep).join('/')}`))
    .filter((f) => !f.includes('/node_modules/'))
    .sort();
}

describe('architecture: imports follow docs/architecture.md', () => {
  const rules = readRules(fs.readFileSync(DOC, 'utf8'));

  it('reads a row of the table for each kind of source file', () => {
    rules.map((r) => r.files).should.containDeep(['src/lib/**', 'src/runtime/**', 'src/editor/**', 'nodes/<n>/spec.ts', 'nodes/<n>/editor.ts', 'nodes/<n>/<n>.ts', 'plugins/<p>/**', 'simulator/**']);
  });

  it('finds every .ts file under nodes/, plugins/, src/ and simulator/ importing only what its row allows', () => {
    const files = sourceFiles();
    files.length.should.be.above(50);
    const graph = graphOf(files, (f) => fs.readFileSync(path.join(root, f), 'utf8'), (f) => fs.existsSync(path.join(root, f)) && fs.statSync(path.join(root, f)).isFile());
    // Every kind of import was read: the check is not passing for having seen nothing.
    Object.values(graph).flat().filter((imp) => imp.target).length.should.be.above(100);
    violations(graph, rules).should.eql([]);
  });

  describe('refuses', () => {
    /** The violations of a made-up tree: { file: source text }. */
    const check = (tree) => violations(graphOf(Object.keys(tree), (f) => tree[f], (f) => f in tree), rules);
    const lib = { 'src/lib/rules.ts': 'export const A = 1;', 'src/lib/client.ts': "import got from 'got';\nexport const B = got;" };

    it('Node-RED in src/lib, and src/lib importing the runtime', () => {
      check({ ...lib, 'src/lib/x.ts': "import type { NodeAPI } from 'node-red';", 'src/runtime/red.ts': '' }).should.eql([
        'src/lib/x.ts: may not import "node-red" (row `src/lib/**`)',
      ]);
      check({ ...lib, 'src/lib/x.ts': "import { a } from '../runtime/red';", 'src/runtime/red.ts': '' }).should.have.length(1);
    });

    it("a node importing another node's folder, and a node's runtime importing its editor", () => {
      const nodes = { 'nodes/a/spec.ts': '', 'nodes/b/spec.ts': '', 'nodes/a/editor.ts': '' };
      check({ ...nodes, 'nodes/b/b.ts': "import { spec } from './spec';", 'nodes/a/a.ts': "import { spec } from '../b/spec';" }).should.eql([
        'nodes/a/a.ts: may not import "../b/spec" (row `nodes/<n>/<n>.ts`)',
      ]);
      check({ ...nodes, 'nodes/a/a.ts': "import './editor';" }).should.have.length(1);
    });

    it('the simulator from anywhere but itself, and the simulator importing the pack', () => {
      const sim = { 'simulator/index.ts': '', 'src/runtime/red.ts': '' };
      check({ ...sim, 'src/runtime/x.ts': "const s = require('../../simulator/index');" }).should.have.length(1);
      check({ ...sim, 'plugins/p/p.ts': "const s = import('../../simulator/index');" }).should.have.length(1);
      check({ ...sim, 'simulator/x.ts': "import { a } from '../src/runtime/red';" }).should.have.length(1);
    });

    it('editor code importing a src/lib module that imports a package (directly or not), or a package for more than its types', () => {
      check({ ...lib, 'src/editor/x.ts': "import { A } from '../lib/rules.js';" }).should.eql([]);
      check({ ...lib, 'src/editor/x.ts': "import { B } from '../lib/client.js';" }).should.have.length(1);
      check({ ...lib, 'src/lib/y.ts': "export { B } from './client';", 'nodes/a/spec.ts': "import { B } from '../../src/lib/y.js';" }).should.eql([
        'nodes/a/spec.ts: may not import "../../src/lib/y.js" (row `nodes/<n>/spec.ts`: only pure, and src/lib/y.ts > src/lib/client.ts > got)',
      ]);
      check({ 'nodes/a/spec.ts': '', 'nodes/a/editor.ts': "import type { EditorRED } from 'node-red';\nimport $ from 'jquery';" }).should.eql([
        'nodes/a/editor.ts: may not import "jquery" (row `nodes/<n>/editor.ts`)',
      ]);
    });

    it('a file no row covers, an import of no file and a computed one', () => {
      check({ 'nodes/a/helper.ts': '' }).should.eql(['nodes/a/helper.ts: no row of docs/architecture.md\'s table covers this file']);
      check({ 'src/lib/x.ts': "import { a } from './gone';\nrequire(name);" }).should.eql([
        'src/lib/x.ts: imports "./gone", which names no file',
        'src/lib/x.ts: imports a computed name, which cannot be checked',
      ]);
    });
  });

  it('reads only the table the doc describes', () => {
    should.throws(() => readRules('## What may import what\n| `a/**` | everything |\n'), /cannot read "everything"/);
  });
});
