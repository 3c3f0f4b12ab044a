// src/lib/settings.ts, the shared settings as every node spec uses them: each setting of every
// spec, tried with one table of values (good, bad and edges: empty, spaces, wrong case, out of
// range, a scope with spaces, `get`…), is judged alike by
//   (a) the runtime's deploy check (readSpec, which each node's constructor runs),
//   (b) the lib reader that reads it per message, where there is one (the export's settings,
//       the request's method, the client's timeout, the output settings, the wait timing),
//   (c) the editor's validator, as the compiled editor module registers it (resources/editor,
//       run here in Node with the few editor globals it touches stubbed).
// (a) and (b) must also say the same words. The browser test (test/browser/specs.test.js)
// checks the editor in a real Node-RED; this one checks the lib readers too.
require('should');
const { cpSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.join(__dirname, '..', '..');
const PACKAGE = require('../../package.json');
const { readSpec } = require('../../dist/src/runtime/red.js');
const { waitTiming } = require('../../dist/src/runtime/waits.js');
const { readExportSettings } = require('../../dist/src/lib/export.js');
const { readMethod } = require('../../dist/src/lib/request.js');
const { readSettings: readOutputSettings } = require('../../dist/src/lib/formats.js');
const { AimsClient } = require('../../dist/src/lib/client.js');

/** Each node's folder and runtime spec, from package.json's node-red.nodes. */
const NODES = Object.entries(PACKAGE['node-red'].nodes).map(([type, file]) => ({
  type,
  base: path.basename(path.dirname(file)),
  spec: require(path.join(root, path.dirname(file), 'spec.js')).spec,
}));

const GOOD_VIEW = { source: 'Orders', viewName: 'All orders' };

/** The lib reader of a setting, where the runtime reads it per message: (value) => throws or not. */
function libReader(type, name) {
  const output = ['format', 'documents', 'maxSizeMB', 'rowsPerMessage'];
  const wait = ['interval', 'maxInterval', 'timeout'];
  if (type === 'aims360-export' && ['source', 'viewName', 'outputFormat', 'scope', 'criteriaVersion', 'path'].includes(name)) {
    return (value) => readExportSettings({ ...GOOD_VIEW, [name]: value });
  }
  if (type === 'aims360-request' && name === 'method') return (value) => readMethod(value);
  if (type === 'aims360-config' && name === 'timeout') {
    return (value) => new AimsClient({ baseUrl: 'https://api.example', auth: { type: 'token', token: 't' }, timeout: value }).close();
  }
  if ((type === 'aims360-fetch-output' || type === 'aims360-export') && output.includes(name)) return (value) => readOutputSettings({ [name]: value });
  // maxInterval is bound to interval: the reader is given the interval the node has.
  if ((type === 'aims360-wait-for-job' || type === 'aims360-export') && wait.includes(name)) return (value, node) => waitTiming({ ...node, [name]: value });
  return undefined;
}

/** What every setting is tried with: its kind's edges and every other setting's values too. */
const COMMON = [
  '', '   ', 'x', 'some text', 'a b', 'x/y', '../a.csv', 'a\\b.csv', '0', '1', '-1', '1.5', '5', ' 5 ', '0.001', '0.0001', '0.05', '0.01',
  '1000', '1001', '1000000', '1000001', '8760', 'abc', '1e3', '-Infinity', 'true', 'false', 'TRUE', 'yes',
  'GET', 'get', ' GET', 'Get', 'POST', 'post', 'HEAD', 'DELETE',
  'CSV', 'csv', ' json ', 'Excel', 'EXCEL', 'PDF',
  'Private', 'private', 'PUBLIC', 'PeopleInOrganization', 'peopleinorganization', 'People in Organization', 'People_In_Organization', ' Public',
  'data', 'start', 'DATA', 'share', 'drop', 'first', 'all', 'ALL', 'auto', 'rows', 'file', 'stream-rows', 'xml',
  'single', 'query', 'token', 'oauth2',
  'https://x.example', 'http://127.0.0.1:1880/', 'ftp://x.example', 'https://', 'not a url',
  'a.example, *.b.example', '*.com', 'bad host', ',,',
  '{"a":1}', '{}', '[1]', 'null', '{',
  'Job_1-a', 'a'.repeat(128), 'a'.repeat(129),
  '/reports/v1.0/reports/exportdata', 'reports/v1.0/reports/exportdata', '/REPORTS/v1.0/reports/exportdata/', '/reports/v1.0/exportdata',
  ' /reports/v1.0/exportdata ', '/x?y=1', 'https://x.example/y', 'mailto:a@b',
  'v1.0', ' v2.0 ', 'Orders',
  // As a flow file may hold them (numbers and booleans, not text).
  0, 1, -1, 1.5, 5, 1001, true, false,
];

/** A setting's own edges: its choices in other cases and with spaces, its limits and just past them. */
function edgesOf(setting) {
  const rule = setting.rule ?? {};
  const out = [setting.value, String(setting.value)];
  if (rule.kind === 'oneOf') for (const v of rule.values) out.push(v.toLowerCase(), v.toUpperCase(), ` ${v}`, `${v} `);
  if (rule.kind === 'number') {
    for (const edge of [rule.min, rule.max]) if (edge !== undefined) out.push(edge, String(edge), edge - 1, edge + 1, String(edge + 0.5));
  }
  return out;
}

/** A node's saved settings as a new node has them, with a good value where a required one has no default. */
function goodNode(spec) {
  const node = { version: spec.version };
  for (const [name, s] of Object.entries(spec.settings)) {
    node[name] = s.value;
    if (s.typed) node[`${name}Type`] = s.typed.default;
  }
  if (spec.settings.source) Object.assign(node, GOOD_VIEW);
  if (spec.settings.path?.required) node.path = 'reports/x';
  // Required in file format only.
  if (spec.settings.directory) node.directory = 'out';
  return node;
}

/** The cases of one setting: the node with every other setting good, in the mode where it counts, typed as its literal. */
function casesOf(spec, name) {
  const s = spec.settings[name];
  const values = [...new Set([...COMMON, ...edgesOf(s)])];
  return values.map((value) => {
    const node = goodNode(spec);
    if (s.when) node[s.when.setting] = s.when.is[0];
    if (s.typed) node[`${name}Type`] = s.typed.literal;
    // A setting bound not to be below this one is set out of its way: its own problem is not this one's.
    for (const [other, o] of Object.entries(spec.settings)) if (o.notBelow?.setting === name) node[other] = '1e12';
    node[name] = value;
    return { value, node };
  });
}

/** The settings a value can be written into: not a config node, not a typed input with no literal type. */
const checkable = (s) => !s.config && !(s.typed && !s.typed.literal);

function outcome(run) {
  try {
    run();
    return { ok: true };
  } catch (err) {
    return { ok: false, code: err.code, message: err.message };
  }
}

describe('settings parity: deploy check, lib reader and editor agree on every setting', () => {
  const editorDir = mkdtempSync(path.join(os.tmpdir(), 'aims360-editor-'));
  const editor = {};

  before(async () => {
    // The compiled editor modules are ES modules: a copy under a package.json that says so.
    cpSync(path.join(root, 'resources', 'editor'), editorDir, { recursive: true });
    writeFileSync(path.join(editorDir, 'package.json'), '{"type":"module"}');
    // The editor globals the validators touch: no dialog open, no typed input of another type.
    global.RED = { nodes: { getType: () => undefined }, editor: { getEditStack: () => [] }, validators: { typedInput: () => () => true } };
    global.$ = () => ({ length: 0 });
    const { editorDefaults } = await import(pathToFileURL(path.join(editorDir, 'src', 'editor', 'define.js')).href);
    for (const { type, base } of NODES) {
      const { spec } = await import(pathToFileURL(path.join(editorDir, 'nodes', base, 'spec.js')).href);
      // A refusal is the editor's i18n key; the reason's words are the browser test's subject.
      editor[type] = editorDefaults(spec, (key) => key);
    }
  });

  after(() => {
    delete global.RED;
    delete global.$;
    rmSync(editorDir, { recursive: true, force: true });
  });

  it('covers every node type, and a good node passes all three', () => {
    NODES.map((n) => n.type).sort().should.eql(Object.keys(PACKAGE['node-red'].nodes).sort());
    for (const { type, spec } of NODES) {
      const node = goodNode(spec);
      (readSpec(spec, node).problem === undefined).should.be.true(`${type}: ${readSpec(spec, node).problem?.message}`);
    }
  });

  for (const { type, spec } of NODES) {
    for (const [name, setting] of Object.entries(spec.settings).filter(([, s]) => checkable(s))) {
      const lib = libReader(type, name);
      it(`${type} ${name}: ${lib ? 'deploy check, lib reader and editor' : 'deploy check and editor'}`, () => {
        const disagree = [];
        for (const { value, node } of casesOf(spec, name)) {
          const deploy = readSpec(spec, node).problem;
          const validate = editor[type][name].validate;
          const editorOk = !validate || validate.call({ id: 'n1', type, ...node }, value, {}) === true;
          const label = `${JSON.stringify(value)}`;
          if (editorOk !== !deploy) disagree.push(`${label}: editor ${editorOk ? 'accepts' : 'refuses'}, deploy ${deploy ? `refuses (${deploy.message})` : 'accepts'}`);
          if (!lib) continue;
          const read = outcome(() => lib(value, node));
          if (read.ok !== !deploy) disagree.push(`${label}: lib ${read.ok ? 'accepts' : `refuses (${read.message})`}, deploy ${deploy ? `refuses (${deploy.message})` : 'accepts'}`);
          else if (deploy && (read.code !== 'BAD_INPUT' || read.message !== deploy.message)) disagree.push(`${label}: lib says ${read.code} "${read.message}", deploy "${deploy.message}"`);
        }
        disagree.should.eql([], `${type} ${name} (${setting.label ?? name})`);
      });
    }
  }

  it('a node dropped from the palette, as the dialog fills it, lacks only what it must be told: an export\'s Source and View name, a request\'s path', () => {
    const { savedProblems } = require('../../dist/src/lib/rules.js');
    const lacking = {};
    for (const { type, spec } of NODES) {
      const node = Object.fromEntries(Object.entries(editor[type]).filter(([, d]) => 'value' in d).map(([name, d]) => [name, d.value]));
      const problems = savedProblems(spec, node).map((p) => p.setting);
      if (problems.length) lacking[type] = problems;
    }
    lacking.should.eql({ 'aims360-export': ['source', 'viewName'], 'aims360-request': ['path'] });
  });

  it('a new node switched to the file format lacks its Directory, and only that', () => {
    const { savedProblems } = require('../../dist/src/lib/rules.js');
    for (const { type, spec } of NODES.filter((n) => n.spec.settings.directory)) {
      const node = { ...Object.fromEntries(Object.entries(editor[type]).filter(([, d]) => 'value' in d).map(([name, d]) => [name, d.value])), ...GOOD_VIEW, format: 'file' };
      savedProblems(spec, node).map((p) => p.setting).should.eql(['directory'], type);
      // No file name: the file keeps the name AIMS360 gave the document.
      node.filename.should.equal('', type);
    }
  });

  it('every label names its setting in the runtime catalogue (src/locales/en-US/rules.json)', () => {
    const { englishTemplate } = require('../../dist/src/lib/messages.js');
    const missing = NODES.flatMap(({ type, spec }) => Object.entries(spec.settings)
      .filter(([, s]) => s.label && englishTemplate(`aims360.settings.${s.label}`) === undefined).map(([name]) => `${type} ${name}`));
    missing.should.eql([]);
    // Only a few checkboxes go by their property name.
    const unnamed = NODES.flatMap(({ type, spec }) => Object.entries(spec.settings)
      .filter(([, s]) => !s.config && (s.rule || s.required) && !s.label).map(([name]) => `${type} ${name}`));
    unnamed.should.eql(['aims360-wait-for-job progress', 'aims360-wait-for-job persist', 'aims360-rerun-job checkFirst', 'aims360-request retryPost', 'aims360-export progress', 'aims360-export persist']);
  });

  it('a scope written with spaces is refused everywhere: deploy, lib, editor', () => {
    const { spec } = NODES.find((n) => n.type === 'aims360-export');
    const node = { ...goodNode(spec), scope: 'People in Organization' };
    readSpec(spec, node).problem.message.should.equal('The access scope must be one of Private, Public, PeopleInOrganization, not "People in Organization".');
    (() => readExportSettings({ ...GOOD_VIEW, scope: 'People in Organization' })).should.throw({ code: 'BAD_INPUT', message: readSpec(spec, node).problem.message });
    editor['aims360-export'].scope.validate.call({ type: 'aims360-export', ...node }, 'People in Organization', {}).should.equal('errors.scope');
    // Any case of the one word is read, and sent as the API spells it.
    readExportSettings({ ...GOOD_VIEW, scope: 'peopleinorganization' }).scope.should.equal('PeopleInOrganization');
  });

  it('the export\'s endpoint path is a path under the base URL, whole: no spaces, query or scheme anywhere in it', () => {
    for (const ok of ['/reports/v2.0/reports/exportdata', 'reports/v2/x', '/a/b/']) readExportSettings({ ...GOOD_VIEW, path: ok }).path.should.equal(ok);
    for (const bad of [' /reports/x', 'reports/a b', '/x?y=1', '/x/ y', 'https://x.example/y']) {
      (() => readExportSettings({ ...GOOD_VIEW, path: bad })).should.throw({ code: 'BAD_INPUT', message: 'The endpoint path is not in the expected form.' }, bad);
    }
  });

  it('values only a typed input gives (from the message) are refused by the lib with the rule\'s words', () => {
    for (const [value, words] of [[5, 'Source must be text.'], [['Orders'], 'Source must be text.'], [{}, 'Source must be text.'], [null, 'Source is required.']]) {
      (() => readExportSettings({ ...GOOD_VIEW, source: value })).should.throw({ code: 'BAD_INPUT', message: words });
    }
  });
});

describe('settings: the shared presets of src/lib/settings.ts', () => {
  const settings = require('../../dist/src/lib/settings.js');

  it('every working node registers as its package.json type, in the AIMS360 palette category, with a server and a name', () => {
    for (const { type, spec } of NODES.filter((n) => n.type !== 'aims360-config')) {
      spec.should.match({ type, prefix: type, category: 'AIMS360', color: /^#[0-9A-F]{6}$/i, icon: /\S/ });
      spec.settings.server.should.eql({ value: '', config: 'aims360-config' });
      spec.settings.name.should.eql({ value: '' });
    }
  });

  it('reads the job events setting: any case and spacing, each event once, in the order a job reaches them', () => {
    settings.jobEventList(' Failed, completed ,QUEUED,failed').should.eql(['queued', 'completed', 'failed']);
    const { pattern } = settings.jobEventsSetting().rule;
    for (const good of ['completed', 'Completed , FAILED', ' queued,started ']) pattern.test(good).should.be.true(good);
    for (const bad of ['', 'done', 'completed,', 'completed,,failed', 'completed failed', 'xcompleted', 'completedx']) pattern.test(bad).should.be.false(bad);
  });

  it('key columns need a name that is not only commas and spaces', () => {
    for (const good of ['Order No', ' a ,', ',b']) settings.KEY_COLUMNS.test(good).should.be.true(good);
    for (const bad of ['', '  ', ' , ,']) settings.KEY_COLUMNS.test(bad).should.be.false(bad);
  });

  it('migrates a node saved before typed values to text cells, and one with an empty file directory to msg.directory', () => {
    settings.migrateTypedValues({ format: 'rows' }).should.eql({ format: 'rows', typedValues: false });
    const typed = { typedValues: true };
    settings.migrateTypedValues(typed).should.equal(typed);
    settings.migrateDirectory({ format: 'file', directory: ' ' }).should.eql({ format: 'file', directory: 'directory', directoryType: 'msg' });
    for (const kept of [{ format: 'file', directory: 'out' }, { format: 'rows', directory: '' }]) settings.migrateDirectory(kept).should.equal(kept);
  });
});
