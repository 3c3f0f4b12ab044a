// Editor and runtime read one spec per node: for every node type and every setting, the
// default the editor registers equals the spec's, and on good and bad values the editor's
// validator (in a real editor, through the compiled editor code) and the runtime's deploy
// check (what each node's constructor runs) agree.
require('should');
const path = require('node:path');
const { usePackedNodeRed, nodeTypes, PACKAGE, root } = require('../support/packed');
const { useEditor } = require('../support/browser');

const { readSpec } = require(path.join(root, 'dist', 'src', 'runtime', 'red.js'));
const { savedProblems, valueOf } = require(path.join(root, 'dist', 'src', 'lib', 'rules.js'));

/** Each type's spec, found beside its runtime .js (package.json's node-red.nodes). */
const specs = Object.fromEntries(nodeTypes.map((type) => {
  const file = path.join(root, path.dirname(PACKAGE['node-red'].nodes[type]), 'spec.js');
  return [type, require(file).spec];
}));

/** Untranslated i18n keys look like "aims360-x.errors.y". */
const RAW_KEY = /aims360(-[a-z0-9-]+)?\.[a-zA-Z]+\.[a-zA-Z]/;

/** Values to try for a rule: the edges inside, just outside, and things of the wrong kind. */
function samples(setting) {
  const rule = setting.rule;
  const common = ['', '   '];
  if (!rule) return [...common, 'some text', 'x/y'];
  switch (rule.kind) {
    case 'number': {
      const { min = 0, max, integer } = rule;
      const out = [min, String(min), ` ${min} `, min - (integer ? 1 : 0.001), 'abc', '1e3', '-1', '0', '12', -Infinity];
      if (max !== undefined) out.push(max, max + 1, String(max + 1));
      if (integer) out.push(min + 0.5, String(min + 0.5));
      return [...common, ...out];
    }
    case 'boolean':
      return [true, false, 'true', 'false', 'yes', 1];
    case 'oneOf':
      return [...common, ...rule.values, ...rule.values.map((v) => v.toLowerCase()), 'bogus', ` ${rule.values[0]}`];
    case 'pattern':
      return [...common, 'abc-1_X', "x'y", 'a'.repeat(128), 'a'.repeat(129), '/reports/v1.0/x', 'a b', 'reports/x/'];
    case 'httpUrl':
      return [...common, 'https://x.example', 'http://127.0.0.1:1880/', 'ftp://x.example', 'not a url', 'https://'];
    case 'hostList':
      return [...common, 'a.example', 'a.example, *.b.example', '*.com', 'bad host', 'x_y.example', ',,', '-a.example'];
    case 'jsonObject':
      return [...common, '{"a":1}', '{}', '[1]', 'null', '{', '"x"'];
    case 'apiPath':
      return [...common, 'reports/v1.0/x', '/x?y=1', 'https://x.example/y', 'ftp://x', 'mailto:a@b'];
    case 'fileName':
      return [...common, 'a.csv', '../a.csv', 'x/y.csv', 'x\\y.csv', '..'];
    case 'text':
      return [...common, 'Orders', ' v2.0 ', 'x/y'];
    default:
      throw new Error(`no samples for rule ${rule.kind}`);
  }
}

/** A node's saved settings with every setting at its default, as the editor saves a new node. */
function defaultsOf(spec) {
  const node = { version: String(spec.version) };
  for (const [name, s] of Object.entries(spec.settings)) {
    node[name] = s.value;
    if (s.typed) node[`${name}Type`] = s.typed.default;
  }
  return node;
}

/**
 * The cases of one setting: [label, node settings]. Typed settings are tried as their literal
 * type; a setting that counts only in some mode is tried in that mode and in another one.
 */
function cases(spec, name) {
  const s = spec.settings[name];
  const out = [];
  const modes = [];
  if (s.when) {
    modes.push([s.when.setting, s.when.is[0]]);
    const other = spec.settings[s.when.setting].rule.values.find((v) => !s.when.is.includes(v));
    modes.push([s.when.setting, other]);
  } else {
    modes.push(null);
  }
  for (const mode of modes) {
    for (const value of samples(s)) {
      const node = defaultsOf(spec);
      if (mode) node[mode[0]] = mode[1];
      if (s.typed) node[`${name}Type`] = s.typed.literal;
      node[name] = value;
      out.push([`${name} = ${JSON.stringify(value)}${mode ? ` (${mode[0]} ${mode[1]})` : ''}`, node]);
    }
  }
  if (s.notBelow) {
    for (const [floor, value] of [['10', '5'], ['10', '10'], ['', '4'], ['', '5'], ['abc', '1']]) {
      const node = defaultsOf(spec);
      if (s.when) node[s.when.setting] = s.when.is[0];
      node[s.notBelow.setting] = floor;
      node[name] = value;
      out.push([`${name} = ${value} with ${s.notBelow.setting} = ${JSON.stringify(floor)}`, node]);
    }
  }
  return out;
}

/** Whether the runtime's deploy check finds this setting wrong. */
function runtimeRefuses(spec, name, node) {
  return savedProblems(spec, node).some((p) => p.setting === name);
}

describe('editor and runtime read the same spec (chromium)', function () {
  this.timeout(120000);
  const red = usePackedNodeRed(() => ({ flows: [{ id: 'tab', type: 'tab', label: 'Flow 1' }] }));
  const editor = useEditor(() => red().url);

  it('covers every node type of the package', () => {
    Object.keys(specs).sort().should.eql([...nodeTypes].sort());
  });

  it('the constructor\'s check (readSpec) refuses what the spec check refuses, and passes the defaults', () => {
    for (const spec of Object.values(specs)) {
      const good = defaultsOf(spec);
      // Required settings have no default: a good value for them.
      for (const [name, s] of Object.entries(spec.settings)) if (s.required && s.value === '') good[name] = s.rule?.kind === 'apiPath' ? 'x/y' : 'Orders';
      (readSpec(spec, good).problem === undefined).should.be.true(`${spec.type}: ${readSpec(spec, good).problem?.message}`);
      const bad = Object.entries(spec.settings).find(([, s]) => s.rule && s.rule.kind === 'number' && !s.when && !s.typed);
      if (bad) readSpec(spec, { ...good, [bad[0]]: 'abc' }).problem.code.should.equal('BAD_INPUT');
    }
  });

  it('export data: new nodes hand on rows; a node saved before (version 1 or none) without a format keeps auto, in the editor as at deploy', async () => {
    const spec = specs['aims360-export'];
    const saved = { type: 'aims360-export', z: 'tab', x: 200, y: 100, source: 'Orders', viewName: 'All orders', wires: [[]] };
    const nodes = [
      { ...saved, id: 'export-v1', version: '1' },
      { ...saved, id: 'export-v0' },
      { ...saved, id: 'export-v1-json', version: '1', format: 'json' },
      { ...saved, id: 'export-v2', version: '2' },
    ];
    const runtime = nodes.map((n) => {
      const { def } = readSpec(spec, n);
      return valueOf(spec, 'format', (name) => def[name]);
    });
    runtime.should.eql(['auto', 'auto', 'json', 'rows']);
    // The editor migrates a node as it is added (flows loaded, imported, pasted), as the runtime at deploy.
    const inEditor = await editor().evaluate((list) => {
      RED.nodes.import(list);
      const got = list.map((n) => RED.nodes.node(n.id).format);
      list.forEach((n) => RED.nodes.remove(n.id));
      return [RED.nodes.getType('aims360-export').defaults.format.value, got];
    }, nodes);
    inEditor.should.eql(['rows', ['auto', 'auto', 'json', undefined]]);
  });

  for (const type of nodeTypes) {
    const spec = specs[type];

    it(`${type}: the editor's defaults are the spec's, setting by setting`, async () => {
      const defaults = await editor().evaluate((t) => {
        const d = RED.nodes.getType(t).defaults;
        return JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(d).map(([k, v]) => [k, { value: v.value, type: v.type, required: !!v.required, validate: !!v.validate }]))));
      }, type);
      const expected = { version: { value: String(spec.version), required: false, validate: false } };
      for (const [name, s] of Object.entries(spec.settings)) {
        expected[name] = s.config
          ? { type: s.config, required: true, validate: false }
          : { value: s.value, required: false, validate: !!(s.rule || s.required || s.typed) };
        if (s.typed) expected[`${name}Type`] = { value: s.typed.default, required: false, validate: false };
      }
      if (spec.variableOutputs) expected.outputs = { value: spec.outputs, required: false, validate: false };
      defaults.should.eql(expected);
    });

    it(`${type}: the editor's validation equals the runtime's on good and bad values of every setting`, async () => {
      // A typed input with no literal type (a body from msg, flow, …) is evaluated per message only.
      const all = Object.entries(spec.settings).filter(([, s]) => !s.config && !(s.typed && !s.typed.literal)).flatMap(([name]) => cases(spec, name).map(([label, node]) => ({ name, label, node })));
      all.length.should.be.above(0);
      const editorSays = await editor().evaluate(([t, list]) => {
        const d = RED.nodes.getType(t).defaults;
        return list.map(({ name, node }) => {
          const v = d[name].validate;
          if (!v) return true;
          const result = v.call({ id: 'spec-test', type: t, ...node }, node[name], {});
          return result;
        });
      }, [type, all.map(({ name, node }) => ({ name, node }))]);
      const disagree = [];
      all.forEach(({ name, label, node }, i) => {
        const editorOk = editorSays[i] === true;
        const runtimeOk = !runtimeRefuses(spec, name, node);
        if (editorOk !== runtimeOk) disagree.push(`${label}: editor ${editorOk ? 'accepts' : 'refuses'}, runtime ${runtimeOk ? 'accepts' : 'refuses'}`);
        if (!editorOk) {
          String(editorSays[i]).should.not.equal('false', `${label}: the editor gives no reason`);
          String(editorSays[i]).should.not.match(RAW_KEY, `${label}: untranslated reason`);
        }
      });
      disagree.should.eql([]);
    });
  }
});
