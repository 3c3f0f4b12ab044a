// The aims360-export node (export data, nodes/export) in Node-RED against the simulator: starting
// an export, its data as the chosen format, overlapping runs (overlap) and typed values.
const should = require('should');
const { useTempDir } = require('../support/temp');
const fs = require('node:fs');
const path = require('node:path');
const { helper, setFlows, baseFlow, english, load, next, collect, wait, until, useSimAndNodeRed, expectRefusedSetting } = require('../support/red');
const { startSim, apiCalls, TOKEN } = require('../support/sim');
const { header, tableFor } = require('../../dist/simulator/tables.js');
const { spec: exportSpec } = require('../../dist/nodes/export/spec.js');

const creds = { server: { token: TOKEN } };
const FAST = { interval: '0.05', maxInterval: '0.1', timeout: '20' };
const VIEW = { source: 'Orders', sourceType: 'str', viewName: 'All orders', viewNameType: 'str' };
const LATEST = '/reports/v1.0/reports/exportdata';
const EARLIER = '/reports/v1.0/exportdata';
const DOCS = '/documentmanagement/';

function flow(sim, props = {}) {
  return [
    ...baseFlow(sim),
    { id: 'node', type: 'aims360-export', z: 'tab', server: 'server', ...VIEW, ...FAST, wires: [['out'], ['progress']], ...props },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'progress', type: 'helper', z: 'tab' },
  ];
}

/** The export POSTs the simulator received, with their bodies parsed. */
const posts = (sim) => sim.log.filter((e) => e.method === 'POST' && /exportdata/.test(e.path)).map((e) => ({ ...e, json: e.body && JSON.parse(e.body) }));

describe('aims360-export', function () {
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
    // Exports queue and run briefly, so that each test sees every state.
    sim.setConfig({ exportQueuedMs: 100, exportRunMs: 300 });
  });
  const dir = useTempDir('aims360-export-');

  /** Loads the flow, sends one message, resolves the first output or Catch message. */
  async function run(props, input = {}) {
    await load(flow(sim, props), creds);
    const result = next(helper.getNode('out'), helper.getNode('caught'));
    helper.getNode('node').receive(input);
    return result;
  }

  /** The simulator's job made by the next export, as soon as it exists. */
  async function nextExportJob() {
    const before = new Set(sim.listJobs().map((j) => j.jobID ?? j.jobId));
    for (;;) {
      const job = sim.listJobs().find((j) => !before.has(j.jobID ?? j.jobId));
      if (job) return job.jobID ?? job.jobId;
      await wait(5);
    }
  }

  it('gets the data by default: posts the documented body, waits, and sends the rows with the job', async () => {
    await load(flow(sim), creds);
    const statuses = collect(helper.getNode('statuses'));
    const completed = collect(helper.getNode('completed'));
    const out = collect(helper.getNode('out'));
    const answer = next(helper.getNode('out'), helper.getNode('caught'));
    helper.getNode('node').receive({ topic: 'keep', payload: 'start' });
    const msg = await answer;
    msg.topic.should.equal('keep');
    msg.payload.should.be.an.Array().and.have.length(25);
    Object.keys(msg.payload[0]).should.eql(header(tableFor('Orders')));
    msg.document.should.match({ type: 'csv', name: /\.csv$/ });
    msg.jobStatus.should.equal('Completed');
    msg.job.jobStatus.should.equal('Completed');
    msg.jobId.should.equal(msg.job.jobID ?? msg.job.jobId);
    should(msg.waitedMs).be.undefined();
    const [post] = posts(sim);
    post.path.should.equal(LATEST);
    post.body.should.equal('{"exportType":"View","exportDataSettings":{"Source":"Orders","viewName":"All orders"},' +
      '"exportCriteriaVersion":"v1.0","outputFormat":"CSV","publishLinkAccessScope":"Private"}');
    await wait(100);
    out.length.should.equal(1);
    completed.length.should.equal(1);
    const texts = statuses.map((s) => s.status.text);
    texts[0].should.equal('Queued');
    texts.some((t) => /^Inprogress \d+%$/.test(t)).should.be.true(texts.join(' | '));
    texts.should.containEql(`downloading ${msg.document.name}`);
    statuses.pop().status.should.match({ fill: 'green', text: '25 rows' });
  });

  it('in start mode sends the answer as soon as the job is queued, and polls nothing', async () => {
    const msg = await run({ mode: 'start' }, { topic: 't' });
    msg.payload.should.have.properties({ jobStatus: 'Queued' });
    msg.jobId.should.be.a.String();
    msg.jobStatus.should.equal('Queued');
    msg.topic.should.equal('t');
    await wait(300);
    sim.log.length.should.equal(1);
    apiCalls(sim).length.should.equal(0);
  });

  it('tries the earlier documented path once on a 404, remembers it for the config node, and says so once', async () => {
    sim.setExportPathServed('latest', false);
    await load(flow(sim, { mode: 'start' }), creds);
    const out = collect(helper.getNode('out'));
    helper.getNode('node').receive({});
    while (out.length < 1) await wait(10);
    helper.getNode('node').receive({});
    while (out.length < 2) await wait(10);
    posts(sim).map((p) => `${p.path} ${p.status}`).should.eql([`${LATEST} 404`, `${EARLIER} 200`, `${EARLIER} 200`]);
    const said = helper.log().args.filter(([e]) => e.level === helper.log().INFO && /use \/reports\/v1\.0\/exportdata/.test(e.msg));
    said.length.should.equal(1);
  });

  it('posts to the endpoint path set, as it is, without the fallback', async () => {
    sim.setExportPathServed('latest', false);
    (await run({ mode: 'start', path: EARLIER })).jobStatus.should.equal('Queued');
    await helper.unload();
    sim.clearLog();
    const err = await run({ mode: 'start', path: '/reports/v9/nothing' });
    err.error.code.should.equal('API_ERROR');
    posts(sim).length.should.equal(0);
    sim.log.length.should.equal(1);
  });

  it('takes Source and View name from msg, flow, env and JSONata, and merges msg.exportBody', async () => {
    process.env.AIMS360_TEST_VIEW = 'All Invoices';
    await load(flow(sim, { mode: 'start', source: 'which.source', sourceType: 'msg', viewName: 'AIMS360_TEST_VIEW', viewNameType: 'env' }), creds);
    const out = collect(helper.getNode('out'));
    helper.getNode('node').receive({ which: { source: 'Invoices' }, exportBody: { exportDataSettings: { filter: 'x' }, note: 1 } });
    while (out.length < 1) await wait(10);
    posts(sim)[0].json.should.eql({
      exportType: 'View', exportDataSettings: { Source: 'Invoices', viewName: 'All Invoices', filter: 'x' },
      exportCriteriaVersion: 'v1.0', outputFormat: 'CSV', publishLinkAccessScope: 'Private', note: 1,
    });
    await helper.unload();
    sim.clearLog();
    await load(flow(sim, { mode: 'start', source: 'src', sourceType: 'flow', viewName: '"My " & kind & " Orders"', viewNameType: 'jsonata' }), creds);
    helper.getNode('node').context().flow.set('src', 'Orders');
    const answer = next(helper.getNode('out'));
    helper.getNode('node').receive({ kind: 'Open' });
    await answer;
    posts(sim)[0].json.exportDataSettings.should.eql({ Source: 'Orders', viewName: 'My Open Orders' });
  });

  it('gives the API\'s own words as API_ERROR for an unknown view', async () => {
    const err = await run({ viewName: 'No such view' });
    err.error.code.should.equal('API_ERROR');
    err.error.cause.status.should.equal(400);
    err.error.message.should.containEql("The view 'No such view' was not found for the Source 'Orders'");
  });

  for (const [outputFormat, format, check] of [
    ['CSV', 'auto', (m) => m.payload.should.have.length(25)],
    ['CSV', 'rows', (m) => m.payload.should.have.length(25)],
    ['CSV', 'utf8', (m) => m.payload.trim().split('\n').should.have.length(26)],
    ['CSV', 'buffer', (m) => Buffer.isBuffer(m.payload).should.be.true()],
    ['Excel', 'auto', (m) => m.payload.should.have.length(25) && m.document.type.should.equal('xlsx')],
    ['Excel', 'rows', (m) => m.payload.should.have.length(25)],
    ['JSON', 'auto', (m) => m.payload.should.have.length(25) && should(m.document).be.undefined()],
  ]) {
    it(`hands on a ${outputFormat} export with format ${format}`, async () => {
      const msg = await run({ outputFormat, format });
      should(msg.error).be.undefined();
      check(msg);
      posts(sim)[0].json.outputFormat.should.equal(outputFormat);
    });
  }

  it('parses a JSON export published as a document (format json)', async () => {
    sim.setConfig({ exportRows: 150 });
    const msg = await run({ outputFormat: 'JSON', format: 'json' });
    msg.payload.should.have.length(150);
    msg.document.type.should.equal('json');
  });

  it('hands on rows when Hand on as (format) is empty in a node saved now, and auto in one saved before (version 1 or none)', async () => {
    // A JSON document tells the two apart: auto parses it, rows reads CSV and XLSX only.
    sim.setConfig({ exportRows: 150 });
    const now = await run({ outputFormat: 'JSON', format: '', version: '2' });
    now.error.code.should.equal('BAD_INPUT');
    now.error.message.should.match(/rows and stream-rows read CSV and XLSX only/);
    await helper.unload();
    for (const before of [{ version: '1' }, {}]) {
      const msg = await run({ outputFormat: 'JSON', format: undefined, ...before });
      should(msg.error).be.undefined();
      msg.payload.should.have.length(150);
      await helper.unload();
    }
  });

  it('writes a file under the File name set (format file)', async () => {
    const msg = await run({ format: 'file', directory: dir(), directoryType: 'str', filename: 'orders.csv', filenameType: 'str' });
    msg.payload.should.equal(path.join(dir(), 'orders.csv'));
    fs.readFileSync(msg.payload, 'utf8').trim().split('\n').should.have.length(26);
  });

  it('streams rows in blocks with msg.parts (format stream-rows), and counts the rows in its status', async () => {
    await load(flow(sim, { format: 'stream-rows', rowsPerMessage: '10' }), creds);
    const out = collect(helper.getNode('out'));
    const statuses = collect(helper.getNode('statuses'));
    const completed = collect(helper.getNode('completed'));
    helper.getNode('node').receive({});
    while (completed.length === 0) await wait(10);
    out.map((m) => m.payload.length).should.eql([10, 10, 5]);
    out.map((m) => m.parts.index).should.eql([0, 1, 2]);
    out.every((m) => m.jobStatus === 'Completed' && m.job).should.be.true();
    await wait(50);
    statuses.pop().status.text.should.equal('25 rows');
  });

  it('changes only (data mode): every row added on the first export, the same export again hands on [] with the counts', async () => {
    const key = header(tableFor('Orders'))[0];
    await load(flow(sim, { version: String(exportSpec.version), format: 'stream-rows', rowsPerMessage: '10', changes: 'changed', keyColumns: key }), creds);
    const runOnce = async () => {
      const out = collect(helper.getNode('out'));
      const ended = next(helper.getNode('completed'), helper.getNode('caught'));
      helper.getNode('node').receive({});
      (await ended).should.not.have.property('error');
      return out;
    };
    const first = await runOnce();
    first.map((m) => m.payload.length).should.eql([10, 10, 5]);
    first.at(-1).changes.should.eql({ added: 25, changed: 0, removed: 0, unchanged: 0 });
    const second = await runOnce();
    second.length.should.equal(1);
    second[0].should.match({ payload: [], removed: [], changes: { added: 0, changed: 0, removed: 0, unchanged: 25 }, parts: { index: 0, count: 1 } });
    posts(sim).length.should.equal(2);
  });

  for (const [scope, auth] of [['Private', true], ['PeopleInOrganization', true], ['Public', false]]) {
    it(`asks for the ${scope} scope and downloads ${auth ? 'with' : 'without'} the token`, async () => {
      const msg = await run({ scope });
      msg.payload.should.have.length(25);
      posts(sim)[0].json.publishLinkAccessScope.should.equal(scope);
      const [download] = apiCalls(sim, DOCS);
      should(download.headers.authorization).equal(auth ? `Bearer ${TOKEN}` : undefined);
    });
  }

  it('sends progress on the 2nd output at each status or percent change', async () => {
    await load(flow(sim, { progress: true }), creds);
    const progress = collect(helper.getNode('progress'));
    const answer = next(helper.getNode('out'));
    helper.getNode('node').receive({ topic: 'p' });
    const msg = await answer;
    const seen = progress.map((m) => `${m.jobStatus} ${m.payload.percentCompleted}`);
    seen[0].should.startWith('Queued');
    seen.some((s) => s.startsWith('Inprogress')).should.be.true();
    new Set(seen).size.should.equal(seen.length);
    progress.every((m) => m.jobId === msg.jobId && m.topic === 'p').should.be.true();
    // Copies: the data message is not one of them.
    progress.includes(msg).should.be.false();
  });

  it('gives JOB_FAILED to Catch for an export that fails, the message completed once', async () => {
    await load(flow(sim), creds);
    const caught = collect(helper.getNode('caught'));
    const completed = collect(helper.getNode('completed'));
    const out = collect(helper.getNode('out'));
    const job = nextExportJob();
    helper.getNode('node').receive({ topic: 'f' });
    sim.setJob(await job, { outcome: 'Failed' });
    while (caught.length === 0) await wait(10);
    await wait(100);
    caught.length.should.equal(1);
    caught[0].error.code.should.equal('JOB_FAILED');
    caught[0].topic.should.equal('f');
    caught[0].job.jobStatus.should.equal('Failed');
    out.length.should.equal(0);
    completed.length.should.equal(0);
    apiCalls(sim, DOCS).length.should.equal(0);
  });

  it('gives TIMEOUT to Catch when the export outlasts the timeout', async () => {
    sim.setConfig({ exportRunMs: 60000 });
    const started = Date.now();
    const err = await run({ timeout: '0.4' });
    err.error.code.should.equal('TIMEOUT');
    (Date.now() - started).should.be.within(350, 3000);
    err.jobStatus.should.equal('Inprogress');
    const calls = apiCalls(sim).length;
    await wait(300);
    apiCalls(sim).length.should.equal(calls);
  });

  it('ends a wait on msg.cancel (with its job id) and every wait on msg.reset, without output', async () => {
    sim.setConfig({ exportRunMs: 60000 });
    // Three exports of one body: each message its own (share: the overlap describe below).
    await load(flow(sim, { overlap: 'start' }), creds);
    const out = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    const completed = collect(helper.getNode('completed'));
    const node = helper.getNode('node');
    const first = nextExportJob();
    node.receive({ n: 1 });
    const id = await first;
    node.receive({ n: 2 });
    node.receive({ n: 3 });
    await wait(300);
    node.receive({ jobId: id, cancel: true });
    await wait(100);
    // The wait's message and the cancelling one.
    completed.map((m) => m.n).sort().should.eql([1, undefined]);
    node.receive({ reset: true });
    await wait(100);
    completed.length.should.equal(5);
    posts(sim).length.should.equal(3);
    const calls = apiCalls(sim).length;
    await wait(300);
    apiCalls(sim).length.should.equal(calls);
    out.length.should.equal(0);
    caught.length.should.equal(0);
  });

  it('keeps its wait across a redeploy with persist on, then fetches the data', async () => {
    sim.setConfig({ exportRunMs: 60000 });
    const f = flow(sim, { persist: true });
    await load(f, creds);
    const job = nextExportJob();
    helper.getNode('node').receive({ topic: 'before redeploy' });
    const id = await job;
    await wait(400);
    await setFlows(f.map((n) => (n.x === undefined && n.z ? { x: 100, y: 100, ...n } : n)), 'full', creds);
    const answer = next(helper.getNode('out'), helper.getNode('caught'));
    sim.setJob(id, { jobStatus: 'Completed' });
    const msg = await answer;
    msg.topic.should.equal('before redeploy');
    msg.jobId.should.equal(id);
    msg.payload.should.have.length(25);
    posts(sim).length.should.equal(1);
  });

  it('forgets its wait on a redeploy with persist off', async () => {
    sim.setConfig({ exportRunMs: 60000 });
    const f = flow(sim);
    await load(f, creds);
    helper.getNode('node').receive({});
    await wait(300);
    await setFlows(f.map((n) => (n.x === undefined && n.z ? { x: 100, y: 100, ...n } : n)), 'full', creds);
    sim.clearLog();
    await wait(400);
    sim.log.length.should.equal(0);
  });

  const BAD = [
    ['an empty Source', { source: '' }, {}, /Source is required/],
    ['an empty View name', { viewName: ' ' }, {}, /View name is required/],
    ['a Source that is not text', { source: 'src', sourceType: 'msg' }, { src: 42 }, /Source must be text/],
    ['a View name from the message that is missing', { viewName: 'view', viewNameType: 'msg' }, {}, /View name is required/],
    ['an unknown output format', { outputFormat: 'PDF' }, {}, /output format/],
    ['an unknown scope', { scope: 'Everyone' }, {}, /access scope/],
    ['an unknown format', { format: 'xml' }, {}, /Format must be one of/],
    ['an unknown mode', { mode: 'later' }, {}, /mode/],
    ['a bad interval', { interval: '-1' }, {}, /Interval/],
    ['msg.exportBody as text', {}, { exportBody: '{"a":1}' }, /exportBody must be an object/],
    ['msg.exportBody as a list', {}, { exportBody: [1] }, /exportBody must be an object/],
  ];
  for (const [what, props, input, words] of BAD) {
    it(`refuses ${what} with BAD_INPUT and sends no request`, async () => {
      await load(flow(sim, props), creds);
      const caught = collect(helper.getNode('caught'));
      const statuses = collect(helper.getNode('statuses'));
      const completed = collect(helper.getNode('completed'));
      helper.getNode('node').receive(input);
      await wait(100);
      caught.length.should.equal(1);
      caught[0].error.code.should.equal('BAD_INPUT');
      caught[0].error.message.should.match(words);
      completed.length.should.equal(0);
      sim.log.length.should.equal(0);
      statuses.pop().status.should.match({ fill: 'red', text: /^BAD_INPUT: / });
    });
  }

  it('shows a red status at deploy for a fixed setting that is wrong, before any message', async () => {
    await load(flow(sim), creds);
    // Node-RED's Node.prototype, to see the status the constructor sets (no Status node is listening yet).
    const nodeProto = Object.getPrototypeOf(Object.getPrototypeOf(helper.getNode('node')));
    await helper.unload();
    const original = nodeProto.status;
    const set = [];
    nodeProto.status = function (status) {
      if (this.type === 'aims360-export') set.push(status);
      return original.call(this, status);
    };
    try {
      for (const bad of [{ scope: 'Nobody' }, { source: '' }, { format: 'xml' }, { timeout: '-1' }, { mode: 'later' }]) {
        set.length = 0;
        await load(flow(sim, bad), creds);
        set.should.have.length(1, JSON.stringify(bad));
        set[0].should.match({ fill: 'red', shape: 'ring', text: /^BAD_INPUT: / }, JSON.stringify(bad));
        await helper.unload();
      }
      set.length = 0;
      await load(flow(sim, { source: 'src', sourceType: 'msg', format: 'xml', mode: 'start' }), creds);
      set.should.eql([], 'the output settings do not count in start mode, nor a Source from the message');
    } finally {
      nodeProto.status = original;
    }
    sim.log.length.should.equal(0);
  });

  it('shows the token in no message, status or log line', async () => {
    await load(flow(sim, { progress: true }), creds);
    const seen = ['out', 'progress', 'caught', 'statuses'].map((id) => collect(helper.getNode(id)));
    const answer = next(helper.getNode('out'));
    helper.getNode('node').receive({});
    await answer;
    JSON.stringify({ seen, log: helper.log().args }).should.not.containEql(TOKEN);
  });
});

describe('aims360-export: overlapping runs (overlap)', function () {
  // The overlap tests' own helpers: a flow with one output, and the POSTs as received.
  function flow(sim, props = {}) {
    return [
      ...baseFlow(sim),
      { id: 'node', type: 'aims360-export', z: 'tab', server: 'server', ...VIEW, ...FAST, wires: [['out']], ...props },
      { id: 'out', type: 'helper', z: 'tab' },
    ];
  }

  const placed = (f) => f.map((n) => (n.x === undefined && n.z ? { x: 100, y: 100, ...n } : n));
  const posts = (sim) => sim.log.filter((e) => e.method === 'POST' && /exportdata/.test(e.path));

  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
    // Exports run until a test completes them.
    sim.setConfig({ exportQueuedMs: 50, exportRunMs: 60000 });
  });

  /** Loads the flow and collects every output, Catch, Complete and Status message. */
  async function setUp(props) {
    await load(flow(sim, props), creds);
    return {
      node: helper.getNode('node'),
      out: collect(helper.getNode('out')),
      caught: collect(helper.getNode('caught')),
      completed: collect(helper.getNode('completed')),
      statuses: collect(helper.getNode('statuses')),
    };
  }

  /** The id of the only export job the simulator has, once the POST was answered. */
  async function onlyJob() {
    await until(() => sim.listJobs().length > 0, 'an export job');
    const jobs = sim.listJobs();
    jobs.length.should.equal(1);
    return jobs[0].jobID ?? jobs[0].jobId;
  }

  it('share (the default): 20 messages post one export and each gets the data on its own message, from one download', async () => {
    const { node, out, caught, completed, statuses } = await setUp();
    for (let n = 0; n < 20; n++) node.receive({ topic: `click ${n}`, n, payload: n });
    const id = await onlyJob();
    // The status follows the one export, not 20 of them.
    await until(() => statuses.some((s) => /^Inprogress/.test(s.status.text)), 'the export\'s progress in the status');
    sim.setJob(id, { jobStatus: 'Completed' });
    await until(() => completed.length === 20, '20 completed');
    caught.should.eql([]);
    posts(sim).length.should.equal(1);
    apiCalls(sim, DOCS).length.should.equal(1);
    out.length.should.equal(20);
    out.map((m) => m.n).sort((a, b) => a - b).should.eql([...Array(20).keys()]);
    for (const msg of out) {
      msg.topic.should.equal(`click ${msg.n}`);
      msg.jobId.should.equal(id);
      msg.jobStatus.should.equal('Completed');
      msg.payload.should.have.length(25);
      msg.document.name.should.match(/\.csv$/);
    }
    new Set(out.map((m) => m._msgid)).size.should.equal(20);
    // One message's data changed downstream is not another's.
    new Set(out.map((m) => m.payload)).size.should.equal(20);
    new Set(out.map((m) => m.payload[0])).size.should.equal(20);
    new Set(out.map((m) => m.job)).size.should.equal(20);
    out[0].payload[0].totalQty = 'changed';
    out[1].payload[0].totalQty.should.not.equal('changed');
    out.slice(1).every((m) => JSON.stringify(m.payload) === JSON.stringify(out[1].payload)).should.be.true();
    statuses.map((s) => s.status.text).should.not.containEql('waiting on 20 exports');
    await wait(100);
    out.length.should.equal(20);
    completed.length.should.equal(20);
  });

  it('share with stream-rows: each message gets every block as a sequence of its own, under its own parts', async () => {
    const { node, out, completed } = await setUp({ format: 'stream-rows', rowsPerMessage: '10' });
    node.receive({ n: 1 });
    node.receive({ n: 2, parts: { id: 'outer', index: 4, count: 9 } });
    node.receive({ n: 3 });
    const id = await onlyJob();
    sim.setJob(id, { jobStatus: 'Completed' });
    await until(() => completed.length === 3, '3 completed');
    posts(sim).length.should.equal(1);
    apiCalls(sim, DOCS).length.should.equal(1);
    const ids = [];
    for (const n of [1, 2, 3]) {
      const blocks = out.filter((m) => m.n === n);
      blocks.map((m) => m.payload.length).should.eql([10, 10, 5]);
      blocks.map((m) => m.parts.index).should.eql([0, 1, 2]);
      blocks[2].parts.count.should.equal(3);
      new Set(blocks.map((m) => m.parts.id)).size.should.equal(1);
      ids.push(blocks[0].parts.id);
      if (n === 2) blocks.every((m) => m.parts.parts.id === 'outer' && m.parts.parts.index === 4).should.be.true();
      else blocks.every((m) => m.parts.parts === undefined).should.be.true();
    }
    new Set(ids).size.should.equal(3);
  });

  it('share: a message after the export ended starts a new one', async () => {
    const { node, out, completed } = await setUp();
    node.receive({ n: 1 });
    const id = await onlyJob();
    sim.setJob(id, { jobStatus: 'Completed' });
    await until(() => completed.length === 1, 'the first completed');
    node.receive({ n: 2 });
    await until(() => sim.listJobs().length === 2, 'a second export');
    posts(sim).length.should.equal(2);
    out.length.should.equal(1);
  });

  it('start: every message posts its own export', async () => {
    const { node, out, completed } = await setUp({ overlap: 'start' });
    for (let n = 0; n < 20; n++) node.receive({ n });
    await until(() => sim.listJobs().length === 20, '20 exports');
    for (const job of sim.listJobs()) sim.setJob(job.jobID ?? job.jobId, { jobStatus: 'Completed' });
    await until(() => completed.length === 20, '20 completed');
    posts(sim).length.should.equal(20);
    new Set(out.map((m) => m.jobId)).size.should.equal(20);
  });

  it('drop: a message for a running export completes at once without output, and the status says so', async () => {
    const { node, out, caught, completed, statuses } = await setUp({ overlap: 'drop' });
    node.receive({ n: 1 });
    const id = await onlyJob();
    for (let n = 2; n <= 5; n++) node.receive({ n });
    await until(() => completed.length === 4, 'the dropped completed');
    completed.map((m) => m.n).should.eql([2, 3, 4, 5]);
    out.should.eql([]);
    caught.should.eql([]);
    const key = 'aims360-export.status.dropped';
    statuses.map(({ status: { fill, shape, text } }) => ({ fill, shape, text })).should.containEql({ fill: 'grey', shape: 'ring', text: key });
    english(key).should.not.equal(key);
    posts(sim).length.should.equal(1);
    sim.setJob(id, { jobStatus: 'Completed' });
    await until(() => out.length === 1, 'the first one\'s data');
    out[0].n.should.equal(1);
    await until(() => completed.length === 5, 'the first completed');
    // Ended: the next message runs again.
    node.receive({ n: 6 });
    await until(() => sim.listJobs().length === 2, 'a second export');
  });

  it('never shares an export of another body (another view, another msg.exportBody)', async () => {
    const { node, out, completed } = await setUp({ viewName: 'view', viewNameType: 'msg' });
    node.receive({ view: 'All orders', n: 1 });
    node.receive({ view: 'Open Orders', n: 2 });
    node.receive({ view: 'All orders', exportBody: { note: 'x' }, n: 3 });
    node.receive({ view: 'All orders', n: 4 });
    await until(() => sim.listJobs().length === 3, '3 exports');
    await wait(200);
    posts(sim).length.should.equal(3);
    const views = posts(sim).map((p) => JSON.parse(p.body)).map((b) => `${b.exportDataSettings.viewName} ${b.note ?? ''}`.trim());
    views.sort().should.eql(['All orders', 'All orders x', 'Open Orders']);
    for (const job of sim.listJobs()) sim.setJob(job.jobID ?? job.jobId, { jobStatus: 'Completed' });
    await until(() => completed.length === 4, '4 completed');
    const byN = Object.fromEntries(out.map((m) => [m.n, m.jobId]));
    byN[1].should.equal(byN[4]);
    new Set([byN[1], byN[2], byN[3]]).size.should.equal(3);
  });

  it('a failed export reaches every sharer once with JOB_FAILED, each on its own message', async () => {
    const { node, out, caught, completed } = await setUp();
    for (let n = 0; n < 5; n++) node.receive({ topic: `t${n}` });
    const id = await onlyJob();
    await wait(200);
    sim.setJob(id, { jobStatus: 'Failed' });
    await until(() => caught.length === 5, '5 errors');
    await wait(200);
    caught.length.should.equal(5);
    caught.map((m) => m.topic).sort().should.eql(['t0', 't1', 't2', 't3', 't4']);
    caught.every((m) => m.error.code === 'JOB_FAILED' && m.job.jobStatus === 'Failed').should.be.true();
    out.should.eql([]);
    completed.should.eql([]);
    posts(sim).length.should.equal(1);
    apiCalls(sim, DOCS).length.should.equal(0);
  });

  it('an export the API refuses reaches every message that shared its POST once', async () => {
    const { node, out, caught } = await setUp({ viewName: 'No such view' });
    for (let n = 0; n < 5; n++) node.receive({ n });
    await until(() => caught.length === 5, '5 errors');
    await wait(200);
    caught.length.should.equal(5);
    caught.map((m) => m.n).sort().should.eql([0, 1, 2, 3, 4]);
    caught.every((m) => m.error.code === 'API_ERROR' && m.error.cause.status === 400).should.be.true();
    // Each sharer's cause carries the API's words, as the first message's does.
    new Set(caught.map((m) => m.error.cause.message)).should.eql(new Set([caught[0].error.cause.message]));
    caught[0].error.cause.message.should.be.a.String().and.not.be.empty();
    new Set(caught.map((m) => m.error.cause)).size.should.equal(5);
    posts(sim).length.should.equal(1);
    out.should.eql([]);
  });

  it('the timeout reaches every sharer once', async () => {
    const { node, out, caught, completed } = await setUp({ timeout: '0.4' });
    for (let n = 0; n < 5; n++) node.receive({ n });
    await until(() => caught.length === 5, '5 timeouts');
    await wait(300);
    caught.length.should.equal(5);
    caught.map((m) => m.n).sort().should.eql([0, 1, 2, 3, 4]);
    caught.every((m) => m.error.code === 'TIMEOUT').should.be.true();
    posts(sim).length.should.equal(1);
    out.should.eql([]);
    completed.should.eql([]);
    const polls = apiCalls(sim).length;
    await wait(300);
    apiCalls(sim).length.should.equal(polls);
  });

  it('msg.cancel with the job id ends every message waiting on the shared export, and the next message starts anew', async () => {
    const { node, out, caught, completed } = await setUp();
    for (let n = 1; n <= 3; n++) node.receive({ n });
    const id = await onlyJob();
    await wait(200);
    node.receive({ jobId: id, cancel: true });
    await until(() => completed.length === 4, 'the 3 waits and the cancel completed');
    completed.map((m) => m.n).sort().should.eql([1, 2, 3, undefined]);
    node.receive({ n: 4 });
    await until(() => sim.listJobs().length === 2, 'a new export');
    const second = sim.listJobs().map((j) => j.jobID ?? j.jobId).find((j) => j !== id);
    sim.setJob(id, { jobStatus: 'Completed' });
    sim.setJob(second, { jobStatus: 'Completed' });
    await until(() => out.length === 1, 'the new one\'s data');
    out[0].n.should.equal(4);
    out[0].jobId.should.equal(second);
    await wait(200);
    out.length.should.equal(1);
    caught.should.eql([]);
  });

  it('with persist on, the shared wait survives a redeploy and answers all its messages from one download', async () => {
    const f = flow(sim, { persist: true });
    await load(f, creds);
    for (let n = 1; n <= 3; n++) helper.getNode('node').receive({ topic: `kept ${n}` });
    const id = await onlyJob();
    await wait(400);
    await setFlows(placed(f), 'full', creds);
    const out = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    sim.clearLog();
    sim.setJob(id, { jobStatus: 'Completed' });
    await until(() => out.length === 3, '3 data messages');
    out.map((m) => m.topic).sort().should.eql(['kept 1', 'kept 2', 'kept 3']);
    out.every((m) => m.jobId === id && m.payload.length === 25).should.be.true();
    new Set(out.map((m) => m.payload)).size.should.equal(3);
    apiCalls(sim, DOCS).length.should.equal(1);
    posts(sim).length.should.equal(0);
    await wait(200);
    caught.should.eql([]);
  });

  it('refuses an unknown overlap at deploy with a clear message, before any request', async () => {
    const { node, caught, statuses } = await setUp({ overlap: 'sometimes' });
    node.receive({});
    await until(() => caught.length === 1, 'the refusal');
    caught[0].error.code.should.equal('BAD_INPUT');
    caught[0].error.message.should.equal('Overlap must be one of share, start, drop, not "sometimes".');
    statuses.pop().status.should.match({ fill: 'red', text: 'BAD_INPUT: overlap must be one of share, start…' });
    sim.log.length.should.equal(0);
    await helper.unload();
    // Start mode starts every message anyway: overlap does not count there.
    const start = await setUp({ overlap: 'sometimes', mode: 'start' });
    start.node.receive({});
    await until(() => start.completed.length === 1 || start.caught.length === 1, 'an answer');
    start.caught.should.eql([]);
  });
});

describe('aims360-export: typed values', function () {
  const NEW_EXPORT = { version: String(exportSpec.version) };

  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
    sim.setConfig({ exportQueuedMs: 50, exportRunMs: 150 });
  });

  function exportFlow(props) {
    return [
      ...baseFlow(sim),
      { id: 'node', type: 'aims360-export', z: 'tab', server: 'server', ...VIEW, ...FAST, format: 'rows', wires: [['out']], ...props },
      { id: 'out', type: 'helper', z: 'tab' },
    ];
  }

  async function exported(props) {
    await load(exportFlow(props), creds);
    const answer = next(helper.getNode('out'), helper.getNode('caught'));
    helper.getNode('node').receive({});
    const msg = await answer;
    await helper.unload();
    return msg;
  }

  it('export data: a new node hands on quantities as numbers, and order numbers and prices like 78.00 as text', async () => {
    const { payload: [first, second] } = await exported({ ...NEW_EXPORT, typedValues: true });
    first.should.match({ orderNo: 'SO100000', orderDate: '2026-01-05', totalQty: 12, totalAmount: '78.00' });
    second.should.match({ totalQty: 65, totalAmount: 485.55 });
  });

  it('export data: a node saved before typed values keeps every cell as text', async () => {
    const { payload: [first] } = await exported({});
    first.should.match({ orderNo: 'SO100000', totalQty: '12', totalAmount: '78.00' });
  });

  it('aims360-export: refuses a typed values setting that is not true or false at deploy, with a red status and a clear message', async () => {
    await load(exportFlow({ ...NEW_EXPORT, typedValues: 'yes' }), creds);
    await expectRefusedSetting(sim, 'Typed values must be true or false.', 'BAD_INPUT: typed values must be true or false');
  });
});
