// The specs and their settings version: migration at load, and every example flow's nodes
// as saved today (no version) migrating to settings that the deploy check accepts.
require('should');
const fs = require('node:fs');
const path = require('node:path');
const { migrate, versionOf, savedProblems } = require('../dist/src/lib/rules.js');

const root = path.join(__dirname, '..');
const PACKAGE = require('../package.json');
const specs = Object.fromEntries(Object.entries(PACKAGE['node-red'].nodes).map(([type, file]) => [
  type, require(path.join(root, path.dirname(file), 'spec.js')).spec,
]));

describe('node specs: settings version and migration', () => {
  it('stamps the current version on a node saved without one, and leaves a current or later one as it is', () => {
    for (const spec of Object.values(specs)) {
      const old = { id: 'n', type: spec.type, name: 'x' };
      const now = migrate(spec, old);
      now.version.should.equal(spec.version);
      now.name.should.equal('x');
      (old.version === undefined).should.be.true('the saved settings are not changed in place');
      const current = { id: 'n', type: spec.type, version: spec.version };
      migrate(spec, current).should.equal(current);
      const later = { id: 'n', type: spec.type, version: spec.version + 1 };
      migrate(spec, later).should.equal(later);
    }
  });

  it('reads a version saved as text (the dialog saves it so) or as a number; anything else is 0', () => {
    versionOf({ version: '1' }).should.equal(1);
    versionOf({ version: 2 }).should.equal(2);
    for (const v of [undefined, '', 'x', -1, 1.5, null]) versionOf({ version: v }).should.equal(0);
  });

  it('runs each step from the saved version up, in order', () => {
    const steps = [];
    const spec = {
      ...specs['aims360-rerun-job'],
      version: 3,
      migrations: [
        (d) => (steps.push(0), { ...d, a: 1 }),
        (d) => (steps.push(1), { ...d, b: d.a + 1 }),
        // A rename, as a later version may make.
        (d) => (steps.push(2), { ...Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'b')), c: d.b }),
      ],
    };
    migrate(spec, { version: '1', a: 5 }).should.eql({ version: 3, a: 5, c: 6 });
    steps.should.eql([1, 2]);
    steps.length = 0;
    migrate(spec, {}).should.eql({ version: 3, a: 1, c: 2 });
    steps.should.eql([0, 1, 2]);
  });

  it('export: a node saved before the mode existed gets the data mode', () => {
    migrate(specs['aims360-export'], { source: 'Orders' }).mode.should.equal('data');
    migrate(specs['aims360-export'], { mode: 'start' }).mode.should.equal('start');
  });

  it('file format: an empty Directory saved before it was required reads msg.directory, as it did then', () => {
    for (const type of ['aims360-fetch-output', 'aims360-export']) {
      const migrated = migrate(specs[type], { source: 'Orders', viewName: 'All', format: 'file', directory: '', directoryType: 'str' });
      migrated.should.containEql({ directory: 'directory', directoryType: 'msg' });
      savedProblems(specs[type], migrated).should.eql([]);
      // Saved by this version, an empty one is wrong (the dialog marks it too).
      savedProblems(specs[type], { ...migrated, directory: '', directoryType: 'str' }).map((p) => p.setting).should.eql(['directory']);
      migrate(specs[type], { format: 'file', directory: 'out' }).directory.should.equal('out');
      migrate(specs[type], { format: 'json', directory: '' }).directory.should.equal('');
    }
  });

  it('every node of every example flow (saved without a version) migrates to settings the deploy check accepts, unchanged but for the version', () => {
    let seen = 0;
    for (const file of fs.readdirSync(path.join(root, 'examples'))) {
      for (const node of JSON.parse(fs.readFileSync(path.join(root, 'examples', file), 'utf8'))) {
        const spec = specs[node.type];
        if (!spec) continue;
        seen++;
        const migrated = migrate(spec, node);
        savedProblems(spec, migrated).should.eql([], `${file}: ${node.type} ${node.id}`);
        const { version, ...rest } = migrated;
        version.should.equal(spec.version);
        // Their settings, as saved, already are this version's: no step changes them.
        rest.should.eql(Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'version')), `${file}: ${node.id}`);
      }
    }
    seen.should.be.above(10);
  });
});
