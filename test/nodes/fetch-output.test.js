// The aims360-fetch-output node (nodes/fetch-output) in Node-RED against the simulator: a finished
// job's documents as each format, file names and directories, errors, and typed values.
const should = require('should');
const { useTempDir } = require('../support/temp');
const fs = require('node:fs');
const path = require('node:path');
const { helper, setFlows, baseFlow, load, next, collect, wait, until, useSimAndNodeRed, expectRefusedSetting } = require('../support/red');
const { startSim, apiCalls, TOKEN } = require('../support/sim');
const { spec: fetchSpec } = require('../../dist/nodes/fetch-output/spec.js');

const creds = { server: { token: TOKEN } };
const DOCS = '/documentmanagement/';

function flow(sim, props = {}, config = {}, extra = []) {
  return [
    ...baseFlow(sim, config),
    { id: 'node', type: 'aims360-fetch-output', z: 'tab', server: 'server', wires: [['out']], ...props },
    { id: 'out', type: 'helper', z: 'tab' },
    ...extra,
  ];
}

describe('aims360-fetch-output', function () {
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
  });
  const dir = useTempDir('aims360-fetch-');

  const downloads = () => apiCalls(sim, DOCS);

  /** Loads the flow, sends one message, resolves the first output or Catch message. */
  async function run(props, input, config) {
    await load(flow(sim, props, config), creds);
    const result = next(helper.getNode('out'), helper.getNode('caught'));
    helper.getNode('node').receive(input);
    return result;
  }

  it('fetches the job by id first, then gives In-line JSON parsed (string or JSON)', async () => {
    sim.addJob({ jobId: 'job-i', inline: { total: 3 } });
    sim.addJob({ jobId: 'job-j', inline: [{ a: 1 }], responseAsJson: true });
    let msg = await run({}, { payload: 'job-i', topic: 'keep' });
    msg.payload.should.eql({ total: 3 });
    msg.jobId.should.equal('job-i');
    msg.topic.should.equal('keep');
    apiCalls(sim).length.should.equal(1);
    await helper.unload();
    msg = await run({ jobId: 'job-j', jobIdType: 'str' }, {});
    msg.payload.should.eql([{ a: 1 }]);
  });

  it('reads a job id saved without its type as the spec\'s default type, msg, as the editor shows it', async () => {
    sim.addJob({ jobId: 'job-i', inline: { total: 3 } });
    const msg = await run({ jobId: 'myJob' }, { myJob: 'job-i' });
    msg.payload.should.eql({ total: 3 });
  });

  it('uses a job object in msg.payload as it is, and completes the message once', async () => {
    const job = sim.addJob({ jobId: 'job-o', scope: 'Public', documents: [{ name: 'Orders.csv', rows: 4 }] });
    await load(flow(sim), creds);
    const completed = collect(helper.getNode('completed'));
    const statuses = collect(helper.getNode('statuses'));
    const out = next(helper.getNode('out'));
    helper.getNode('node').receive({ payload: job });
    const msg = await out;
    msg.payload.length.should.equal(4);
    msg.payload[0].should.have.properties({ style: 'ST10000', qty: '1' });
    msg.jobId.should.equal('job-o');
    msg.document.should.match({ name: 'Orders.csv', type: 'csv', sizeBytes: Number, expiryDate: String, documentId: String });
    apiCalls(sim).length.should.equal(0);
    downloads().length.should.equal(1);
    should(downloads()[0].headers.authorization).be.undefined();
    await wait(50);
    completed.length.should.equal(1);
    statuses.pop().status.should.match({ fill: 'green', text: '1 document' });
  });

  for (const [outcome, code, spec] of [['queued', 'JOB_NOT_COMPLETED', { queuedMs: 60000 }], ['failed', 'JOB_FAILED', { outcome: 'Failed' }]]) {
    it(`answers ${code} for a ${outcome} job and downloads nothing`, async () => {
      sim.addJob({ jobId: 'job-x', documents: [{}], ...spec });
      const err = await run({}, { jobId: 'job-x' });
      err.error.code.should.equal(code);
      downloads().length.should.equal(0);
    });
  }

  it('answers JOB_NOT_FOUND for an unknown job id', async () => {
    (await run({}, { payload: 'no-such-job' })).error.code.should.equal('JOB_NOT_FOUND');
  });

  it('sends the token for Private and PeopleInOrganization documents, and none for Public', async () => {
    const cases = [['Public', 'PUBLIC', false], ['Private', 'Private', true], ['PeopleInOrganization', 'People in Organization', true]];
    for (const [scope, scopeSpelling, auth] of cases) {
      sim.clearLog();
      sim.addJob({ jobId: `job-${scope}`, scope, scopeSpelling, documents: [{ rows: 2 }] });
      const msg = await run({}, { jobId: `job-${scope}` });
      msg.payload.length.should.equal(2);
      should(downloads()[0].headers.authorization).equal(auth ? `Bearer ${TOKEN}` : undefined);
      await helper.unload();
    }
  });

  it('never contacts a DownloadLink on an untrusted host for a non-public job (UNTRUSTED_HOST)', async () => {
    // 'localhost' reaches the simulator, but only 127.0.0.1 (the base URL) is trusted.
    sim.addJob({ jobId: 'job-u', scope: 'Private', documents: [{ host: 'localhost' }] });
    const err = await run({}, { jobId: 'job-u' });
    err.error.code.should.equal('UNTRUSTED_HOST');
    downloads().length.should.equal(0);
    await helper.unload();
    // A Public document there is fetched, without the token.
    sim.addJob({ jobId: 'job-up', scope: 'Public', documents: [{ host: 'localhost', rows: 1 }] });
    (await run({}, { jobId: 'job-up' })).payload.length.should.equal(1);
    downloads()[0].host.should.startWith('localhost:');
    should(downloads()[0].headers.authorization).be.undefined();
  });

  it('answers LINK_EXPIRED without a request, ACCESS_DENIED on a 403, TOO_LARGE over Max size', async () => {
    sim.addJob({ jobId: 'job-e', documents: [{ expiresInMs: -1000 }] });
    (await run({}, { jobId: 'job-e' })).error.code.should.equal('LINK_EXPIRED');
    downloads().length.should.equal(0);
    await helper.unload();
    sim.addJob({ jobId: 'job-d', documents: [{}] });
    sim.addFault({ type: 'status', status: 403, body: 'Access Denied', match: { path: DOCS } });
    const denied = await run({}, { jobId: 'job-d' });
    denied.error.code.should.equal('ACCESS_DENIED');
    denied.error.message.should.containEql('Access Denied');
    await helper.unload();
    sim.addJob({ jobId: 'job-t', documents: [{ sizeBytes: 3 * 1024 * 1024 }] });
    (await run({ maxSizeMB: '1' }, { jobId: 'job-t' })).error.code.should.equal('TOO_LARGE');
  });

  it('sends one message per document with documents "all", each with msg.document', async () => {
    sim.addJob({ jobId: 'job-a', documents: [{ name: 'c.pdf', format: 'pdf', noDownloadLink: true }, { name: 'a.csv', rows: 1 }, { name: 'b.json', format: 'json', rows: 2 }] });
    await load(flow(sim, { documents: 'all' }), creds);
    const seen = collect(helper.getNode('out'));
    const completed = collect(helper.getNode('completed'));
    helper.getNode('node').receive({ jobId: 'job-a' });
    while (completed.length === 0) await wait(10);
    seen.map((m) => m.document.name).should.eql(['c.pdf', 'a.csv', 'b.json']);
    seen.map((m) => m.document.type).should.eql(['pdf', 'csv', 'json']);
    Buffer.isBuffer(seen[0].payload).should.be.true();
    seen[1].payload.length.should.equal(1);
    seen[2].payload.length.should.equal(2);
    seen.every((m) => m.jobId === 'job-a').should.be.true();
    new Set(seen.map((m) => m.payload)).size.should.equal(3);
    // c.pdf has no DownloadLink: it came from the job's publishLink.
    downloads().length.should.equal(3);
    downloads()[0].url.should.equal(new URL(sim.getJob('job-a').publishLink).pathname);
  });

  it('writes a file into the directory (property or msg.directory) under a safe name', async () => {
    sim.addJob({ jobId: 'job-f', documents: [{ name: '../../x.csv', rows: 3 }] });
    let msg = await run({ format: 'file', directory: dir(), directoryType: 'str' }, { jobId: 'job-f' });
    msg.payload.should.equal(path.join(dir(), '_._x.csv'));
    fs.readFileSync(msg.payload, 'utf8').split('\n')[0].should.equal('style,color,size,qty,price');
    msg.document.sizeBytes.should.equal(fs.statSync(msg.payload).size);
    fs.readdirSync(dir()).should.eql(['_._x.csv']);
    fs.existsSync(path.join(dir(), '..', 'x.csv')).should.be.false();
    await helper.unload();
    const sub = path.join(dir(), 'sub');
    msg = await run({ format: 'file' }, { jobId: 'job-f', directory: sub });
    path.dirname(msg.payload).should.equal(sub);
    await helper.unload();
    (await run({ format: 'file' }, { jobId: 'job-f' })).error.code.should.equal('BAD_INPUT');
  });

  it('writes under the File name setting (str, msg, jsonata), made safe; empty keeps the document\'s name', async () => {
    sim.addJob({ jobId: 'job-n', documents: [{ name: 'Orders.csv', rows: 2 }] });
    const file = { format: 'file', directory: dir(), directoryType: 'str' };
    const cases = [
      [{ filename: 'sales.csv', filenameType: 'str' }, {}, 'sales.csv'],
      [{ filename: 'name', filenameType: 'msg' }, { name: '../../../evil.csv' }, '_._._evil.csv'],
      [{ filename: 'name', filenameType: 'msg' }, {}, 'Orders.csv'],
      [{ filename: '"sales-" & jobId & ".csv"', filenameType: 'jsonata' }, {}, 'sales-job-n.csv'],
      [{ filename: '', filenameType: 'str' }, {}, 'Orders.csv'],
    ];
    for (const [props, extra, name] of cases) {
      const msg = await run({ ...file, ...props }, { jobId: 'job-n', ...extra });
      msg.payload.should.equal(path.join(dir(), name), JSON.stringify(props));
      fs.readFileSync(msg.payload, 'utf8').split('\n')[0].should.equal('style,color,size,qty,price');
      msg.document.name.should.equal('Orders.csv');
      await helper.unload();
    }
    fs.readdirSync(dir()).sort().should.eql(['Orders.csv', '_._._evil.csv', 'sales-job-n.csv', 'sales.csv']);
    (await run({ ...file, filename: 'name', filenameType: 'msg' }, { jobId: 'job-n', name: { a: 1 } })).error.code.should.equal('BAD_INPUT');
  });

  it('numbers the files of documents "all" under one file name: report.csv, report-2.csv, …', async () => {
    sim.addJob({ jobId: 'job-all', documents: [{ name: 'a.csv', rows: 1 }, { name: 'b.csv', rows: 2 }, { name: 'c.csv', rows: 3 }] });
    await load(flow(sim, { format: 'file', directory: dir(), filename: 'report.csv', filenameType: 'str', documents: 'all' }), creds);
    const seen = collect(helper.getNode('out'));
    const completed = collect(helper.getNode('completed'));
    helper.getNode('node').receive({ jobId: 'job-all' });
    while (completed.length === 0) await wait(10);
    seen.map((m) => path.basename(m.payload)).should.eql(['report.csv', 'report-2.csv', 'report-3.csv']);
    seen.map((m) => m.document.name).should.eql(['a.csv', 'b.csv', 'c.csv']);
    // Each file holds its own document: a header and 1, 2, 3 rows.
    seen.map((m) => fs.readFileSync(m.payload, 'utf8').trim().split('\n').length).should.eql([2, 3, 4]);
  });

  it('numbers documents "all" named alike when they keep their own names, so none overwrites another', async () => {
    const docs = [{ name: 'report.csv', rows: 1 }, { name: 'report.csv', rows: 2 }, { name: 'a/b.csv', rows: 3 }, { name: 'a_b.csv', rows: 4 }];
    sim.addJob({ jobId: 'job-alike', documents: docs });
    await load(flow(sim, { format: 'file', directory: dir(), documents: 'all' }), creds);
    const seen = collect(helper.getNode('out'));
    const completed = collect(helper.getNode('completed'));
    helper.getNode('node').receive({ jobId: 'job-alike' });
    while (completed.length === 0) await wait(10);
    seen.map((m) => path.basename(m.payload)).should.eql(['report.csv', 'report-2.csv', 'a_b.csv', 'a_b-4.csv']);
    seen.map((m) => m.document.name).should.eql(docs.map((d) => d.name));
    // Four files, each with its own document: a header and 1 to 4 rows.
    fs.readdirSync(dir()).length.should.equal(4);
    seen.map((m) => fs.readFileSync(m.payload, 'utf8').trim().split('\n').length).should.eql([2, 3, 4, 5]);
  });

  it('leaves no partial file after a truncated download', async () => {
    sim.addJob({ jobId: 'job-c', documents: [{ rows: 20000 }] });
    // Twice: a body that cannot be resumed is downloaded once more from the start.
    sim.addFault({ type: 'truncated', match: { path: DOCS }, times: 2 });
    const err = await run({ format: 'file', directory: dir() }, { jobId: 'job-c' });
    err.error.code.should.equal('NETWORK');
    fs.readdirSync(dir()).should.eql([]);
  });

  it('shows progress, and a redeploy aborts the download and removes the partial file', async () => {
    sim.addJob({ jobId: 'job-big', documents: [{ sizeBytes: 4 * 1024 * 1024 * 1024 }] });
    await load(flow(sim, { format: 'file', directory: dir() }), creds);
    const statuses = collect(helper.getNode('statuses'));
    const caught = collect(helper.getNode('caught'));
    helper.getNode('node').receive({ jobId: 'job-big' });
    while (!statuses.some((s) => /^\d+%$/.test(s.status.text))) await wait(20);
    fs.readdirSync(dir()).length.should.equal(1);
    await helper.unload();
    fs.readdirSync(dir()).should.eql([]);
    caught.length.should.equal(0);
  });

  it('ends the worker thread reading an XLSX workbook when the node closes', async () => {
    // Required here: before 0.2 workbooks were read on the event loop, and this test is to fail alone.
    const { sheetWorkers } = require('../../dist/src/lib/sheet-reader.js');
    sim.addJob({ jobId: 'job-x', documents: [{ format: 'xlsx', rows: 20000 }] });
    await load(flow(sim, { format: 'rows' }), creds);
    const seen = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    const started = sheetWorkers.started;
    helper.getNode('node').receive({ jobId: 'job-x' });
    await until(() => sheetWorkers.running === 1, 'the worker thread');
    sheetWorkers.started.should.equal(started + 1);
    await helper.unload();
    await until(() => sheetWorkers.running === 0, 'the worker thread to end');
    seen.length.should.equal(0);
    caught.length.should.equal(0);
  });

  it('refuses bad settings and a bad job id with BAD_INPUT before any request', async () => {
    for (const [props, input] of [[{ format: 'xml' }, { jobId: 'a' }], [{ rowsPerMessage: '0' }, { jobId: 'a' }], [{}, { jobId: 'a/b' }], [{}, { payload: 42 }]]) {
      (await run(props, input)).error.code.should.equal('BAD_INPUT');
      await helper.unload();
    }
    sim.log.length.should.equal(0);
  });

  it('gives each stream-rows block its own copy of the message', async () => {
    sim.addJob({ jobId: 'job-s', scope: 'Public', documents: [{ name: 'r.csv', rows: 30 }] });
    await load(flow(sim, { format: 'stream-rows', rowsPerMessage: '10' }), creds);
    const out = collect(helper.getNode('out'));
    const completed = collect(helper.getNode('completed'));
    helper.getNode('node').receive({ jobId: 'job-s', meta: { seen: [] }, parts: { id: 'outer', index: 0, count: 1 } });
    while (completed.length === 0) await wait(20);
    out.length.should.equal(3);
    // A node after this one changing its message changes no other block.
    out[0].meta.seen.push('first');
    out[0].parts.parts.index = 9;
    for (const msg of out.slice(1)) {
      msg.meta.should.eql({ seen: [] });
      msg.parts.parts.should.eql({ id: 'outer', index: 0, count: 1 });
    }
  });

  it('streams 1,000,000 CSV rows in blocks that a Join node puts back together', async function () {
    this.timeout(180000);
    sim.addJob({ jobId: 'job-m', scope: 'Public', documents: [{ rows: 1000000 }] });
    const join = { id: 'join', type: 'join', z: 'tab', mode: 'auto', build: 'array', property: 'payload', propertyType: 'msg', wires: [['joined']] };
    await load(flow(sim, { format: 'stream-rows', rowsPerMessage: '10000', wires: [['join', 'out']] }, {}, [join, { id: 'joined', type: 'helper', z: 'tab' }]), creds);
    const blocks = [];
    helper.getNode('out').on('input', (msg) => blocks.push({ rows: msg.payload.length, parts: msg.parts, doc: msg.document.name }));
    const completed = collect(helper.getNode('completed'));
    const joined = next(helper.getNode('joined'));
    helper.getNode('node').receive({ jobId: 'job-m' });
    const msg = await joined;
    msg.payload.length.should.equal(1000000);
    msg.payload[999999].style.should.equal('ST1009999');
    should(msg.parts).be.undefined();
    blocks.length.should.equal(100);
    blocks[99].parts.count.should.equal(100);
    await wait(20);
    completed.length.should.equal(1);
  });
});

describe('aims360-fetch-output: typed values', function () {
  // CSV cells that are exactly a number or boolean are handed on as one; nodes saved before it keep text.
  const CSV = 'qty,neg,yes,no,zip,exp,price,plus,space,code,nan,inf,empty,upper\n' +
    '12,-3.5,true,false,00123,1e3,12.50,+5," 7",12345678901234567890,NaN,Infinity,,TRUE\n';
  const TEXT = {
    qty: '12', neg: '-3.5', yes: 'true', no: 'false', zip: '00123', exp: '1e3', price: '12.50', plus: '+5', space: ' 7',
    code: '12345678901234567890', nan: 'NaN', inf: 'Infinity', empty: '', upper: 'TRUE',
  };
  const TYPED = { ...TEXT, qty: 12, neg: -3.5, yes: true, no: false };
  const NEW_FETCH = { version: String(fetchSpec.version) };

  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
  });

  function fetchFlow(props) {
    return [
      ...baseFlow(sim),
      { id: 'node', type: 'aims360-fetch-output', z: 'tab', server: 'server', jobId: 'job-csv', jobIdType: 'str', wires: [['out']], ...props },
      { id: 'out', type: 'helper', z: 'tab' },
    ];
  }

  /** Every payload a fetch output node with `props` sends for one message, once it completed. */
  async function fetched(props, document = { name: 'cells.csv', content: CSV }) {
    sim.addJob({ jobId: 'job-csv', scope: 'Public', documents: [document] });
    await load(fetchFlow(props), creds);
    const out = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    const completed = next(helper.getNode('completed'), helper.getNode('caught'));
    helper.getNode('node').receive({});
    await completed;
    caught.should.eql([]);
    await helper.unload();
    return out.map((m) => m.payload);
  }

  for (const [format, extra, payloadOf] of [
    ['rows', {}, ([rows]) => rows[0]],
    ['auto', {}, ([rows]) => rows[0]],
    ['stream-rows', { rowsPerMessage: '1' }, ([row]) => row],
  ]) {
    it(`hands on numbers and booleans that round-trip exactly, with format ${format}, in a new node`, async () => {
      payloadOf(await fetched({ ...NEW_FETCH, format, ...extra, typedValues: true })).should.eql(TYPED);
      // A node of this version saved without the setting: the spec's default, on.
      payloadOf(await fetched({ ...NEW_FETCH, format, ...extra })).should.eql(TYPED);
    });

    it(`keeps every CSV cell as text with format ${format} in a node saved before typed values, or with it off`, async () => {
      payloadOf(await fetched({ format, ...extra })).should.eql(TEXT);
      payloadOf(await fetched({ ...NEW_FETCH, format, ...extra, typedValues: false })).should.eql(TEXT);
    });
  }

  it('leaves text, and XLSX cells as the workbook types them (a text cell "12" stays text)', async () => {
    (await fetched({ ...NEW_FETCH, format: 'utf8', typedValues: true })).should.eql([CSV]);
    const { default: writeXlsx } = await import('write-excel-file/node');
    const content = await writeXlsx([
      [{ value: 'asText' }, { value: 'flag' }, { value: 'qty' }],
      [{ value: '12' }, { value: 'true' }, { value: 7 }],
    ]).toBuffer();
    const xlsx = { name: 'cells.xlsx', format: 'xlsx', content };
    const rows = { asText: '12', flag: 'true', qty: 7 };
    for (const format of ['rows', 'auto']) (await fetched({ ...NEW_FETCH, format, typedValues: true }, xlsx)).should.eql([[rows]]);
    (await fetched({ ...NEW_FETCH, format: 'stream-rows', rowsPerMessage: '1', typedValues: true }, xlsx)).should.eql([rows]);
  });

  it('aims360-fetch-output: refuses a typed values setting that is not true or false at deploy, with a red status and a clear message', async () => {
    await load(fetchFlow({ ...NEW_FETCH, typedValues: 'yes' }), creds);
    await expectRefusedSetting(sim, 'Typed values must be true or false.', 'BAD_INPUT: typed values must be true or false');
  });
});

describe('aims360-fetch-output: changes only', function () {
  // A node saved by this version (typed values on).
  const CHANGED = { version: String(fetchSpec.version), changes: 'changed', keyColumns: 'Order No' };
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
  });

  /** CSV of orders: [no, qty] pairs. */
  const csv = (orders) => `Order No,Qty\n${orders.map(([no, qty]) => `${no},${qty}`).join('\n')}\n`;
  const rows = (orders) => orders.map(([no, qty]) => ({ 'Order No': no, Qty: qty }));
  const ORDERS = Array.from({ length: 25 }, (_, i) => [`ORD-${i + 1}`, i + 1]);
  let jobs = 0;

  /** A finished job whose document holds these orders (or this CSV text). */
  function job(orders, document = {}) {
    const jobId = `job-c${++jobs}`;
    sim.addJob({ jobId, scope: 'Public', documents: [{ name: 'orders.csv', content: typeof orders === 'string' ? orders : csv(orders), ...document }] });
    return jobId;
  }

  /** Sends one job to the loaded node; resolves every output message and the Catch message, once it completed. */
  async function runJob(jobId) {
    const out = [];
    const caught = [];
    const onOut = (msg) => out.push(msg);
    const onCaught = (msg) => caught.push(msg);
    helper.getNode('out').on('input', onOut);
    helper.getNode('caught').on('input', onCaught);
    const ended = next(helper.getNode('completed'), helper.getNode('caught'));
    helper.getNode('node').receive({ jobId });
    await ended;
    helper.getNode('out').removeListener('input', onOut);
    helper.getNode('caught').removeListener('input', onCaught);
    return { out, error: caught[0]?.error };
  }

  it('rows: every row as added first, then only new and changed rows with the removed keys, and [] when nothing changed', async () => {
    await load(flow(sim, { format: 'rows', ...CHANGED }), creds);
    const first = await runJob(job(ORDERS));
    first.out.length.should.equal(1);
    first.out[0].payload.should.eql(rows(ORDERS));
    first.out[0].changes.should.eql({ added: 25, changed: 0, removed: 0, unchanged: 0 });
    first.out[0].removed.should.eql([]);

    const next = [...ORDERS.slice(1, 24), ['ORD-3', 300], ['ORD-26', 26]].filter(([no], i, all) => all.findIndex(([n]) => n === no) === i);
    next[1] = ['ORD-3', 300];
    const second = await runJob(job(next));
    second.out[0].payload.should.eql(rows([['ORD-3', 300], ['ORD-26', 26]]));
    second.out[0].removed.should.eql([{ 'Order No': 'ORD-1' }, { 'Order No': 'ORD-25' }]);
    second.out[0].changes.should.eql({ added: 1, changed: 1, removed: 2, unchanged: 22 });

    const third = await runJob(job(next));
    third.out.length.should.equal(1);
    third.out[0].payload.should.eql([]);
    third.out[0].changes.should.eql({ added: 0, changed: 0, removed: 0, unchanged: 24 });
    // The node's own context, not the flow context the user sees.
    helper.getNode('node').context().flow.keys().should.eql([]);
    helper.getNode('node').context().get('aims360-changes').keys.split('\n').length.should.equal(24);
  });

  it('stream-rows: blocks of new and changed rows that a Join node puts together, removed keys and counts on the last', async () => {
    const join = { id: 'join', type: 'join', z: 'tab', mode: 'auto', build: 'array', property: 'payload', propertyType: 'msg', wires: [['joined']] };
    await load(flow(sim, { format: 'stream-rows', rowsPerMessage: '10', ...CHANGED, wires: [['join', 'out']] }, {}, [join, { id: 'joined', type: 'helper', z: 'tab' }]), creds);
    let joined = next(helper.getNode('joined'));
    const first = await runJob(job(ORDERS));
    first.out.map((m) => m.payload.length).should.eql([10, 10, 5]);
    (await joined).payload.should.eql(rows(ORDERS));

    const changed = ORDERS.map(([no, qty], i) => [no, i % 4 === 0 ? qty * 10 : qty]).slice(0, 24);
    joined = next(helper.getNode('joined'));
    const second = await runJob(job(changed));
    second.out.map((m) => m.payload.length).should.eql([6]);
    const [last] = second.out;
    last.parts.should.match({ index: 0, count: 1, type: 'array' });
    last.changes.should.eql({ added: 0, changed: 6, removed: 1, unchanged: 18 });
    last.removed.should.eql([{ 'Order No': 'ORD-25' }]);
    (await joined).payload.map((r) => r['Order No']).should.eql(['ORD-1', 'ORD-5', 'ORD-9', 'ORD-13', 'ORD-17', 'ORD-21']);

    joined = next(helper.getNode('joined'));
    const third = await runJob(job(changed));
    third.out.length.should.equal(1);
    third.out[0].payload.should.eql([]);
    third.out[0].changes.should.eql({ added: 0, changed: 0, removed: 0, unchanged: 24 });
    (await joined).payload.should.eql([]);
  });

  it('keeps the fingerprints through a redeploy', async () => {
    const f = flow(sim, { format: 'rows', ...CHANGED });
    await load(f, creds);
    await runJob(job(ORDERS));
    await setFlows(f.map((n) => (n.x === undefined && n.z ? { x: 100, y: 100, ...n } : n)), 'full', creds);
    const again = await runJob(job(ORDERS));
    again.out[0].payload.should.eql([]);
    again.out[0].changes.unchanged.should.equal(25);
  });

  it('changes nothing when a run fails part way (download cut, TOO_LARGE, a failed job, a bad key): the next run compares with the last good one', async () => {
    await load(flow(sim, { format: 'stream-rows', rowsPerMessage: '5', maxSizeMB: '0.01', ...CHANGED }), creds);
    helper.getNode('server').client.retryPolicy.baseDelayMs = 5;
    await runJob(job(ORDERS));
    const changed = ORDERS.map(([no, qty]) => [no, qty + 1]);
    // Cut after the first blocks went out, and the document replaced meanwhile: not resumable.
    sim.addFault({ type: 'cut', atByte: 200, replace: true, match: { path: DOCS } });
    const cut = await runJob(job(changed));
    cut.error.code.should.equal('NETWORK');
    cut.out.length.should.be.above(0);
    sim.clearFaults();
    // An XLSX workbook is held whole: over Max size it is refused before a row is read.
    (await runJob(job(ORDERS, { name: 'orders.xlsx', format: 'xlsx', content: undefined, rows: 2000 }))).error.code.should.equal('TOO_LARGE');
    const failed = `job-f${jobs}`;
    sim.addJob({ jobId: failed, outcome: 'Failed' });
    (await runJob(failed)).error.code.should.equal('JOB_FAILED');
    (await runJob(job([...changed, ['ORD-1', 1]]))).error.code.should.equal('BAD_INPUT');

    const after = await runJob(job(changed));
    after.out.at(-1).changes.should.eql({ added: 0, changed: 25, removed: 0, unchanged: 0 });
  });

  it('refuses an empty key, a key twice and a key column missing from the document with BAD_INPUT naming key and row', async () => {
    await load(flow(sim, { format: 'rows', ...CHANGED }), creds);
    const bad = async (text, words) => {
      const { out, error } = await runJob(job(text));
      out.should.eql([]);
      error.code.should.equal('BAD_INPUT');
      error.message.should.match(words);
    };
    await bad('Order No,Qty\nA,1\n,2\n', /data row 2 of orders\.csv has no value in the key column "Order No"/);
    await bad('Order No,Qty\nA,1\nB,2\nA,3\n', /data row 3 of orders\.csv has the key Order No = A/);
    await bad('Order,Qty\nA,1\n', /the key column "Order No" is not in orders\.csv/);
    // None of them replaced the fingerprints: there were none, so every row is added.
    (await runJob(job(ORDERS))).out[0].changes.added.should.equal(25);
  });

  it('two key columns identify a row: Style,Size', async () => {
    await load(flow(sim, { format: 'rows', ...CHANGED, keyColumns: 'Style, Size' }), creds);
    await runJob(job('Style,Size,Qty\nS1,M,1\nS1,L,1\nS2,M,1\n'));
    const second = await runJob(job('Style,Size,Qty\nS1,M,2\nS1,L,1\n'));
    second.out[0].payload.should.eql([{ Style: 'S1', Size: 'M', Qty: 2 }]);
    second.out[0].removed.should.eql([{ Style: 'S2', Size: 'M' }]);
  });

  it('is refused at deploy with another format than rows or stream-rows, or without key columns', async () => {
    for (const [props, words] of [[{ format: 'json', ...CHANGED }, /Changes only works with Hand on as rows or stream rows, not json/], [{ format: 'rows', changes: 'changed' }, /Changes only needs Key columns/]]) {
      await load(flow(sim, props), creds);
      const { error } = await runJob(job(ORDERS));
      error.code.should.equal('BAD_INPUT');
      error.message.should.match(words);
      await helper.unload();
      sim.log.filter((e) => e.path.startsWith(DOCS)).length.should.equal(0);
    }
  });
});
