// src/lib/rules.ts, the settings rules, on their own: each rule kind, the messages a wrong
// setting gets at deploy (worded by read-setting.ts), what only spaces mean, `when`, `notBelow`,
// typed inputs, defaults, and the specs' versions and migrations (migrate, versionOf).
require('should');
const fs = require('node:fs');
const path = require('node:path');
const rules = require('../../dist/src/lib/rules.js');
const { problems, savedProblems, migrate, versionOf, valueOf, typeOf, applies, toNumber, isHttpUrl, hostList } = rules;
const { ruleText, problemText } = require('../../dist/src/lib/read-setting.js');
const { JOB_ID } = require('../../dist/src/lib/settings.js');
const { jobIdSource } = require('../../dist/src/lib/job-id.js');

/** A broken rule's reason as the runtime words it (src/locales/en-US/rules.json), without a label. */
const breaks = (rule, v) => {
  const reason = rules.breaks(rule, v);
  return reason && ruleText({ key: reason.key, params: { ...reason.params, label: '' } }).trim().replace(/\.$/, '');
};
/** A problem with the runtime's message in words. */
const problemOf = (...args) => {
  const problem = rules.problemOf(...args);
  return problem && { setting: problem.setting, key: problem.key, message: problemText(problem) };
};

const root = path.join(__dirname, '..', '..');
const PACKAGE = require('../../package.json');
const specs = Object.fromEntries(Object.entries(PACKAGE['node-red'].nodes).map(([type, file]) => [
  type, require(path.join(__dirname, '..', '..', path.dirname(file), 'spec.js')).spec,
]));
const fetchOutput = specs['aims360-fetch-output'];
const waitForJob = specs['aims360-wait-for-job'];
const config = specs['aims360-config'];

/** A reader over saved settings, as the deploy check reads a flow file entry. */
const saved = (def) => (name) => def[name];

describe('settings rules (rules.ts)', () => {
  describe('numbers', () => {
    it('reads a number as saved, or the text the dialog saves, trimmed; anything else is NaN', () => {
      toNumber(5).should.equal(5);
      toNumber(' 7 ').should.equal(7);
      toNumber('2.5').should.equal(2.5);
      for (const v of ['', '   ', 'x', true, null, undefined, {}]) toNumber(v).should.be.NaN();
    });

    it('says the range as the runtime words it', () => {
      breaks({ kind: 'number', min: 1, max: 1000, integer: true }, 0).should.equal('must be a whole number from 1 to 1000');
      breaks({ kind: 'number', min: 0.05 }, 0).should.equal('must be a number of at least 0.05');
      breaks({ kind: 'number', max: 10 }, 11).should.equal('must be a number of at most 10');
      breaks({ kind: 'number' }, 'x').should.equal('must be a number');
      breaks({ kind: 'number', integer: true }, 0.5).should.equal('must be a whole number');
      // An infinite bound is no bound, and goes unsaid.
      breaks({ kind: 'number', min: -Infinity, max: Infinity }, 'x').should.equal('must be a number');
      breaks({ kind: 'number', min: 0, max: Infinity }, -1).should.equal('must be a number of at least 0');
      breaks({ kind: 'number', min: -Infinity, max: 9 }, 10).should.equal('must be a number of at most 9');
    });

    it('keeps a value within its bounds, integer where asked, and says why not', () => {
      const rule = { kind: 'number', min: 1, max: 10, integer: true };
      for (const ok of [1, 10, '5', ' 3 ']) (breaks(rule, ok) === undefined).should.be.true(String(ok));
      for (const bad of [0, 11, 2.5, 'x', Infinity]) breaks(rule, bad).should.equal('must be a whole number from 1 to 10', String(bad));
      // No bounds: any finite number; a fraction where integer is not asked.
      (breaks({ kind: 'number' }, -1e9) === undefined).should.be.true();
      (breaks({ kind: 'number', min: 0 }, 0.5) === undefined).should.be.true();
      (breaks({ kind: 'number', max: 3 }, -100) === undefined).should.be.true();
      breaks({ kind: 'number', max: 3 }, 4).should.startWith('must be a number');
    });
  });

  describe('each rule kind', () => {
    it('boolean: true or false, as values or as the text the dialog saves', () => {
      for (const ok of [true, false, 'true', 'false']) (breaks({ kind: 'boolean' }, ok) === undefined).should.be.true(String(ok));
      for (const bad of ['yes', 1, 0, 'TRUE']) breaks({ kind: 'boolean' }, bad).should.equal('must be true or false');
    });

    it('oneOf: one of the values, any case only where the rule says so', () => {
      const exact = { kind: 'oneOf', values: ['first', 'all'] };
      (breaks(exact, 'all') === undefined).should.be.true();
      (breaks(exact, 'first') === undefined).should.be.true();
      breaks(exact, 'ALL').should.equal('must be one of first, all, not "ALL"');
      breaks(exact, 'some').should.equal('must be one of first, all, not "some"');
      breaks(exact, 1).should.equal('must be one of first, all');
      const anyCase = { kind: 'oneOf', values: ['CSV', 'Excel'], ignoreCase: true };
      for (const ok of ['CSV', 'csv', 'excel', 'EXCEL', 'Excel']) (breaks(anyCase, ok) === undefined).should.be.true(ok);
      breaks(anyCase, 'json').should.equal('must be one of CSV, Excel, not "json"');
    });

    it('pattern: a string that matches (a job id)', () => {
      const rule = { kind: 'pattern', pattern: JOB_ID };
      (breaks(rule, 'Job_1-a') === undefined).should.be.true();
      for (const bad of ['a b', 'x'.repeat(129), 'a/b', 12]) breaks(rule, bad).should.equal('is not in the expected form', String(bad));
    });

    it('httpUrl: http or https with a host', () => {
      for (const ok of ['https://apiwest.aims360.rest', 'http://127.0.0.1:8080/x', ' https://a.b ']) isHttpUrl(ok).should.be.true(ok);
      for (const bad of ['ftp://a.b', 'file:///etc/passwd', 'not a url', 'https://', '', undefined]) isHttpUrl(bad).should.be.false(String(bad));
      breaks({ kind: 'httpUrl' }, 'ftp://a.b').should.equal('must be an http or https URL');
      (breaks({ kind: 'httpUrl' }, 'https://a.b') === undefined).should.be.true();
    });

    it('hostList: host names with single-letter labels, a wildcard only over two labels or more', () => {
      hostList(' A.example , x.y,*.b.example,, ').should.eql(['a.example', 'x.y', '*.b.example']);
      hostList('a.example:8443, http://A.example:8080, https://*.b.example').should.eql(['a.example:8443', 'http://a.example:8080', 'https://*.b.example']);
      hostList(['Files.Example.com']).should.eql(['files.example.com']);
      hostList('').should.eql([]);
      hostList(undefined).should.eql([]);
      for (const bad of ['*.com', 'a..b', '-a.b', 'a b', 'http://a.b/x', 'ftp://a.b', 'a.b:0', 'a.b:65536', 'http://*.com:80', `${'a'.repeat(64)}.b`]) {
        (() => hostList(`good.example, ${bad}`)).should.throw(bad.toLowerCase());
      }
      breaks({ kind: 'hostList' }, 'ok.example, *.com').should.equal('holds "*.com", which is not a host name');
    });

    it('hostList: a label of 2 to 63 characters, a port from 1 to 65535', () => {
      const label = (n) => `a${'b'.repeat(n - 2)}c`;
      for (const ok of ['ab.cd', `${label(63)}.example`, `files.${label(63)}`, `*.${label(63)}.example`, 'a.example:1', 'a.example:65535', 'http://ab.cd:8']) {
        hostList(ok).should.eql([ok], ok);
      }
      for (const bad of [`${label(64)}.example`, `files.${label(64)}`, 'a.example:123456', 'ab-.cd', 'ab.-cd']) (() => hostList(bad)).should.throw(bad);
      (breaks({ kind: 'hostList' }, 'ok.example, *.cdn.example') === undefined).should.be.true();
    });

    it('jsonObject: the JSON text of an object, not a list, null, a scalar or broken JSON', () => {
      (breaks({ kind: 'jsonObject' }, '{"a":1}') === undefined).should.be.true();
      (breaks({ kind: 'jsonObject' }, ' {} ') === undefined).should.be.true();
      for (const bad of ['[]', '[1]', 'null', '1', '"x"', 'true', '{', 'x']) breaks({ kind: 'jsonObject' }, bad).should.equal('must be a JSON object', bad);
    });

    it('apiPath: a path (colons allowed in it) or an http(s) URL, no other scheme', () => {
      for (const ok of ['/v1/jobs', 'v1/jobs', "/odata/Jobs('a:b')", 'https://files.example/x', 'HTTP://a.b/x']) {
        (breaks({ kind: 'apiPath' }, ok) === undefined).should.be.true(ok);
      }
      for (const bad of ['ftp://a.b', 'javascript:alert(1)', 'file:/etc/passwd', 'ftp://h/http://x', 'x1:y']) {
        breaks({ kind: 'apiPath' }, bad).should.equal('must be a path or an http(s) URL', bad);
      }
    });

    it('fileName: a name, not a path', () => {
      for (const ok of ['orders.csv', 'a b.xlsx', '.hidden']) (breaks({ kind: 'fileName' }, ok) === undefined).should.be.true(ok);
      for (const bad of ['a/b.csv', 'a\\b.csv', '..', '../x', '/etc/passwd']) breaks({ kind: 'fileName' }, bad).should.equal('must be a file name, not a path', bad);
    });
  });

  describe('problems at deploy, with the runtime message and the editor key', () => {
    it('names the setting by its label (or its name when it has none) and says the reason', () => {
      problemOf(fetchOutput, 'maxSizeMB', saved({ maxSizeMB: 0 })).should.eql({
        setting: 'maxSizeMB', key: 'errors.maxSizeMB', message: 'Max size (MB) must be a number of at least 0.001.',
      });
      problemOf(waitForJob, 'progress', saved({ progress: 'yes' })).should.eql({
        setting: 'progress', key: 'errors.progress', message: 'progress must be true or false.',
      });
      problemOf(fetchOutput, 'typedValues', saved({ typedValues: 'yes' })).message.should.equal('Typed values must be true or false.');
      problemOf(fetchOutput, 'rowsPerMessage', saved({ format: 'stream-rows', rowsPerMessage: 1.5 })).message
        .should.equal('Block size (rows per message) must be a whole number from 1 to 1000000.');
      problemOf(waitForJob, 'interval', saved({ interval: 0.01 })).message.should.equal('Interval (s) must be a number of at least 0.05.');
      problemOf(waitForJob, 'timeout', saved({ timeout: -1 })).message.should.equal('Timeout (s) must be a number of at least 0.');
      problemOf(specs['aims360-job-events'], 'events', saved({ events: 'done' })).message
        .should.equal('Events must name one or more of queued, started, completed and failed, separated by commas.');
    });

    it('quotes the wrong value of a list setting', () => {
      problemOf(fetchOutput, 'documents', saved({ documents: 'some' })).message.should.equal('Documents must be one of first, all, not "some".');
      problemOf(fetchOutput, 'format', saved({ format: 'xml' })).message
        .should.equal('Format must be one of auto, buffer, utf8, json, rows, file, stream-rows, not "xml".');
      // A number saved in a list setting is not quoted as text.
      problemOf(fetchOutput, 'documents', saved({ documents: 2 })).message.should.equal('Documents must be one of first, all.');
    });

    it('a required setting left empty is missing; its own key where the spec gives one', () => {
      problemOf(fetchOutput, 'directory', saved({ format: 'file', directory: '' })).should.eql({
        setting: 'directory', key: 'errors.directory', message: 'Directory is required.',
      });
      problemOf(config, 'baseUrl', saved({ baseUrl: '   ' })).message.should.equal('The base URL is required.');
      const spec = { ...config, settings: { ...config.settings, baseUrl: { ...config.settings.baseUrl, error: 'errors.url', missing: 'errors.noUrl' } } };
      problemOf(spec, 'baseUrl', saved({ baseUrl: '' })).key.should.equal('errors.noUrl');
      problemOf(spec, 'baseUrl', saved({ baseUrl: 'ftp://x' })).key.should.equal('errors.url');
    });

    it('only spaces mean empty (the default) for numbers, URLs and host lists, but are a wrong job id, JSON or file name', () => {
      for (const [spec, name, def] of [
        [waitForJob, 'interval', {}], [config, 'timeout', {}], [config, 'trustedHosts', {}],
        [config, 'tokenUrl', { authType: 'oauth2' }],
      ]) {
        (problemOf(spec, name, saved({ ...def, [name]: '   ' })) === undefined).should.be.true(name);
      }
      problemOf(fetchOutput, 'jobId', saved({ jobId: '  ', jobIdType: 'str' })).message.should.equal('The job id may hold only letters, digits, "-" and "_", at most 128 characters.');
      problemOf(fetchOutput, 'filename', saved({ format: 'file', filename: '../x', filenameType: 'str' })).message
        .should.equal('File name must be a file name, not a path.');
      problemOf(specs['aims360-request'], 'query', saved({ query: '  ', queryType: 'json' })).message.should.equal('The query must be a JSON object.');
    });

    it('an optional setting left empty has no problem', () => {
      for (const name of ['maxSizeMB', 'documents', 'format']) (problemOf(fetchOutput, name, saved({})) === undefined).should.be.true(name);
    });

    it('checks a setting only while its `when` holds, an empty controlling setting meaning its default', () => {
      const noDirectory = (format) => problemOf(fetchOutput, 'directory', saved({ format, directory: '' }));
      (noDirectory('json') === undefined).should.be.true();
      // Empty format is auto.
      (noDirectory('') === undefined).should.be.true();
      noDirectory('file').setting.should.equal('directory');
      applies(fetchOutput, 'directory', saved({ format: 'file' })).should.be.true();
      applies(fetchOutput, 'directory', saved({})).should.be.false();
      applies(config, 'tokenUrl', saved({ authType: 'oauth2' })).should.be.true();
      applies(config, 'tokenUrl', saved({})).should.be.false();
      // No `when`, or no such setting: it always counts.
      applies(fetchOutput, 'maxSizeMB', saved({})).should.be.true();
      applies(fetchOutput, 'nothing', saved({})).should.be.true();
    });

    it('a typed setting is checked only as its literal type; a job id saved without its type reads msg', () => {
      problemOf(fetchOutput, 'jobId', saved({ jobId: 'a b', jobIdType: 'str' })).message.should.equal('The job id may hold only letters, digits, "-" and "_", at most 128 characters.');
      for (const jobIdType of ['msg', 'flow', 'jsonata', undefined, '']) {
        (problemOf(fetchOutput, 'jobId', saved({ jobId: 'payload.id', jobIdType })) === undefined).should.be.true(String(jobIdType));
      }
      typeOf(fetchOutput.settings.jobId, 'jobId', saved({})).should.equal('msg');
      // A new node's Job ID is empty: the id comes from the message's own places (msg.jobId, msg.payload).
      for (const spec of [fetchOutput, waitForJob]) {
        (jobIdSource(typeOf(spec.settings.jobId, 'jobId', saved({})), valueOf(spec, 'jobId', saved({}))) === undefined).should.be.true(spec.type);
      }
      typeOf(fetchOutput.settings.jobId, 'jobId', saved({ jobIdType: 'flow' })).should.equal('flow');
      (typeOf(fetchOutput.settings.maxSizeMB, 'maxSizeMB', saved({ maxSizeMBType: 'msg' })) === undefined).should.be.true();
    });

    it('a number must not be below the one it is bound to, an empty one meaning its default', () => {
      problemOf(waitForJob, 'maxInterval', saved({ interval: 5, maxInterval: 1 })).should.eql({
        setting: 'maxInterval', key: 'errors.maxBelowInterval', message: 'Max interval (s) must not be below Interval (s).',
      });
      // Interval empty is 5 s.
      problemOf(waitForJob, 'maxInterval', saved({ interval: '', maxInterval: 2 })).key.should.equal('errors.maxBelowInterval');
      (problemOf(waitForJob, 'maxInterval', saved({ interval: 5, maxInterval: 5 })) === undefined).should.be.true();
      (problemOf(waitForJob, 'maxInterval', saved({ interval: '1', maxInterval: '2' })) === undefined).should.be.true();
      // A wrong interval is flagged on its own, not again on the max.
      (problemOf(waitForJob, 'maxInterval', saved({ interval: 'x', maxInterval: 2 })) === undefined).should.be.true();
      const unlabelled = { ...waitForJob, settings: { ...waitForJob.settings, interval: { ...waitForJob.settings.interval, label: undefined } } };
      problemOf(unlabelled, 'maxInterval', saved({ interval: 5, maxInterval: 1 })).message.should.equal('Max interval (s) must not be below interval.');
    });

    it('changes only needs a row format and key columns: each unmet need is said on it, with the value it found', () => {
      const changes = (def) => problemOf(fetchOutput, 'changes', saved({ changes: 'changed', ...def }));
      changes({ format: 'json', keyColumns: 'Order No' }).should.eql({
        setting: 'changes', key: 'errors.changesFormat', message: 'Changes only works with Hand on as rows or stream rows, not json.',
      });
      // An empty format is its default, and the message names that.
      changes({ format: '', keyColumns: 'Order No' }).message.should.equal('Changes only works with Hand on as rows or stream rows, not auto.');
      for (const keyColumns of [undefined, '', ' , ,']) {
        changes({ format: 'rows', keyColumns }).should.eql({
          setting: 'changes', key: 'errors.changesKeys', message: 'Changes only needs Key columns: the columns that identify a row, e.g. Order No.',
        }, String(keyColumns));
      }
      for (const format of ['rows', 'stream-rows']) (changes({ format, keyColumns: 'Order No' }) === undefined).should.be.true(format);
      // Every row (the default) needs nothing.
      (problemOf(fetchOutput, 'changes', saved({ changes: 'all', format: 'json' })) === undefined).should.be.true();
      (problemOf(fetchOutput, 'changes', saved({ format: 'json' })) === undefined).should.be.true();
    });

    it('a config node reference and an unknown setting have no problem; every problem is listed in the spec order', () => {
      (problemOf(fetchOutput, 'server', saved({ server: '' })) === undefined).should.be.true();
      (problemOf(fetchOutput, 'nothing', saved({ nothing: 'x' })) === undefined).should.be.true();
      savedProblems(waitForJob, { interval: 'x', timeout: -1, progress: 'maybe' }).map((p) => p.setting)
        .should.eql(['interval', 'timeout', 'progress']);
      problems(fetchOutput, saved({})).should.eql([]);
    });

    it('an environment variable reference still there at deploy names the variable not set, where the setting counts as written', () => {
      const said = (spec, def) => savedProblems(spec, def).map((p) => ({ setting: p.setting, message: problemText(p) }));
      const unset = (label, value, name) => `${label} is ${value}, but no environment variable ${name} is set (for the node's group, its flow, globally or in Node-RED's process).`;
      said(waitForJob, { interval: '${WAIT_S}', timeout: '$(WAIT_TIMEOUT)' }).should.eql([
        { setting: 'interval', message: unset('Interval (s)', '${WAIT_S}', 'WAIT_S') },
        { setting: 'timeout', message: unset('Timeout (s)', '$(WAIT_TIMEOUT)', 'WAIT_TIMEOUT') },
      ]);
      // A text setting, whose rule takes anything, and a typed input of its literal type.
      said(specs['aims360-job-events'], { filter: '${F}' }).map((p) => p.setting).should.eql(['filter']);
      said(waitForJob, { jobId: '${JOB}', jobIdType: 'str' }).map((p) => p.setting).should.eql(['jobId']);
      // Of another type the value is that type's (a msg property named so is msg's to judge); a
      // setting of another mode does not count; a name Node-RED's editor does not take is the rule's.
      said(waitForJob, { jobId: '${JOB}', jobIdType: 'msg' }).should.eql([]);
      said(waitForJob, { name: '${NAME}' }).should.eql([]);
      said(specs['aims360-job-status'], { mode: 'query', filter: '${F}', filterType: 'str' }).map((p) => p.setting).should.eql(['filter']);
      said(config, { baseUrl: 'https://x.example', authType: 'token', tokenUrl: '${TOKEN_URL}' }).should.eql([]);
      said(waitForJob, { interval: '${1X}' }).should.eql([{ setting: 'interval', message: 'Interval (s) must be a number of at least 0.05.' }]);
      rules.envReference('${A_1}').should.equal('A_1');
      rules.envReference('$(b)').should.equal('b');
      for (const v of ['${A', ' ${A}', '${A}x', '${A}${B}', 'x', 12, undefined]) (rules.envReference(v) === undefined).should.be.true(String(v));
    });
  });

  describe('values and the shared settings', () => {
    it('empty means the default; only spaces too where they mean empty', () => {
      valueOf(waitForJob, 'interval', saved({ interval: '' })).should.equal(5);
      valueOf(waitForJob, 'interval', saved({ interval: '  ' })).should.equal(5);
      valueOf(waitForJob, 'interval', saved({ interval: 2 })).should.equal(2);
      valueOf(waitForJob, 'maxInterval', saved({})).should.equal(60);
      valueOf(waitForJob, 'timeout', saved({})).should.equal(3600);
      valueOf(fetchOutput, 'jobId', saved({ jobId: '  ' })).should.equal('  ');
      // Text too: a criteria version of spaces is the default one.
      valueOf(specs['aims360-export'], 'criteriaVersion', saved({ criteriaVersion: '   ' })).should.equal('v1.0');
      // Unknown to the spec: as saved.
      valueOf(fetchOutput, 'other', saved({ other: '' })).should.equal('');
    });

    it('a new node sends no progress and keeps no waits over a restart', () => {
      valueOf(waitForJob, 'progress', saved({})).should.be.false();
      valueOf(waitForJob, 'persist', saved({})).should.be.false();
      valueOf(fetchOutput, 'format', saved({})).should.equal('auto');
      valueOf(fetchOutput, 'documents', saved({})).should.equal('first');
      valueOf(fetchOutput, 'maxSizeMB', saved({})).should.equal(100);
      valueOf(fetchOutput, 'rowsPerMessage', saved({})).should.equal(1000);
      // Changes only is off: every row is handed on (CONTRACT.md, "Changes only").
      valueOf(fetchOutput, 'changes', saved({})).should.equal('all');
    });

    it('every typed setting offers msg, flow and global beside its literal type, which is one of its types', () => {
      let seen = 0;
      for (const spec of Object.values(specs)) {
        for (const [name, s] of Object.entries(spec.settings)) {
          if (!s.typed) continue;
          seen++;
          s.typed.types.should.containDeep(['msg', 'flow', 'global'], `${spec.type}.${name}`);
          if (s.typed.literal) s.typed.types.should.containEql(s.typed.literal, `${spec.type}.${name}`);
          s.typed.types.should.containEql(s.typed.default, `${spec.type}.${name}`);
        }
      }
      seen.should.be.above(4);
      fetchOutput.settings.directory.typed.should.containEql({ default: 'str', literal: 'str' });
      fetchOutput.settings.directory.typed.types.should.containEql('env');
      fetchOutput.settings.filename.typed.types.should.containEql('jsonata');
      fetchOutput.settings.filename.typed.types.should.containEql('env');
    });

    it('every working node sits in the AIMS360 palette category and names the registered config node', () => {
      for (const spec of Object.values(specs)) {
        if (spec === config) continue;
        // Job events watches the account: it has no input (CONTRACT.md, "Node types").
        spec.should.containEql({ category: 'AIMS360', prefix: spec.type, inputs: spec.type === 'aims360-job-events' ? 0 : 1 });
        PACKAGE['node-red'].nodes.should.have.property(spec.settings.server.config);
        specs[spec.settings.server.config].category.should.equal('config');
      }
    });
  });
});

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

  it('runs no step past the spec\'s own version, and a version without a step of its own only stamps it', () => {
    const ran = [];
    const base = specs['aims360-rerun-job'];
    // A step written for the next version, before that version is released.
    const early = { ...base, version: 1, migrations: [(d) => (ran.push(0), d), (d) => (ran.push(1), { ...d, next: true })] };
    migrate(early, {}).should.eql({ version: 1 });
    ran.should.eql([0]);
    migrate({ ...base, version: 1, migrations: [] }, { a: 1 }).should.eql({ a: 1, version: 1 });
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

describe('typed values: settings version 2', () => {
  const fetchSpec = specs['aims360-fetch-output'];
  const exportSpec = specs['aims360-export'];
  it('a node saved before it (no version, or version 1) gets typed values off; a later one keeps its own', () => {
    for (const spec of [fetchSpec, exportSpec]) {
      spec.version.should.equal(2);
      spec.settings.typedValues.value.should.equal(true);
      migrate(spec, {}).should.containEql({ typedValues: false, version: 2 });
      migrate(spec, { version: '1', format: 'rows' }).should.containEql({ typedValues: false, format: 'rows' });
      migrate(spec, { version: '1', typedValues: true }).typedValues.should.equal(true);
      (migrate(spec, { version: '2' }).typedValues === undefined).should.be.true();
    }
  });
});
