// src/lib/export.ts: the export settings and the body it posts (the documented example, msg.exportBody
// merged over it, every bad input refused in plain words), and an export started against the simulator.
require('should');
const vm = require('node:vm');
const { AimsClient } = require('../../dist/src/lib/client.js');
const {
  EXPORT_PATH, EARLIER_EXPORT_PATH, EXPORT_FORMATS, EXPORT_SCOPES, exportRequest,
  readExportSettings, readExportBody, buildExportBody, startExport,
} = require('../../dist/src/lib/export.js');
const { startSim, apiCalls, rejection, TOKEN } = require('../support/sim');

const VIEW = { source: 'Orders', viewName: 'All orders' };
const DOCUMENTED_EXAMPLE =
  '{"exportType":"View","exportDataSettings":{"Source":"Orders","viewName":"All orders"},' +
  '"exportCriteriaVersion":"v1.0","outputFormat":"JSON","publishLinkAccessScope":"Public"}';

/** Every bad input: the setting (or msg.exportBody) and the words its error must hold. */
const BAD_INPUTS = [
  [{ ...VIEW, source: '' }, undefined, /Source is required/],
  [{ ...VIEW, source: '   ' }, undefined, /Source is required/],
  [{ viewName: 'All orders' }, undefined, /Source is required/],
  [{ ...VIEW, source: 5 }, undefined, /Source must be text/],
  [{ ...VIEW, source: ['Orders'] }, undefined, /Source must be text/],
  [{ ...VIEW, viewName: '' }, undefined, /View name is required/],
  [{ ...VIEW, viewName: null }, undefined, /View name is required/],
  [{ ...VIEW, viewName: { name: 'x' } }, undefined, /View name must be text/],
  [{ ...VIEW, outputFormat: 'PDF' }, undefined, /output format must be one of CSV, Excel, JSON, not "PDF"/],
  [{ ...VIEW, outputFormat: ' json ' }, undefined, /output format must be one of CSV, Excel, JSON, not " json "/],
  [{ ...VIEW, outputFormat: 3 }, undefined, /output format must be one of CSV, Excel, JSON\./],
  [{ ...VIEW, outputFormat: 3n }, undefined, /output format must be one of CSV, Excel, JSON\./],
  [{ ...VIEW, scope: 'Everyone' }, undefined, /access scope must be one of Private, Public, PeopleInOrganization, not "Everyone"/],
  // One word, as the API and the dialog spell it (any case): as the deploy check and the editor say.
  [{ ...VIEW, scope: 'People in Organization' }, undefined, /access scope must be one of Private, Public, PeopleInOrganization, not "People in Organization"/],
  [{ ...VIEW, path: ' /reports/v1.0/exportdata ' }, undefined, /endpoint path is not in the expected form/],
  [{ ...VIEW, scope: true }, undefined, /access scope/],
  [{ ...VIEW, criteriaVersion: 1 }, undefined, /criteria version/],
  [{ ...VIEW, path: 42 }, undefined, /endpoint path/],
  [VIEW, null, /exportBody must be an object.*not null/],
  [VIEW, [{ a: 1 }], /exportBody must be an object.*not a list/],
  [VIEW, '{"a":1}', /exportBody must be an object.*not a string/],
  [VIEW, 7, /exportBody must be an object.*not a number/],
  [VIEW, Buffer.from('{}'), /exportBody must be an object.*not a Buffer/],
  [VIEW, new Date(), /exportBody must be an object.*not a Date/],
  // "an" before a vowel, in any case; an object of another kind than a plain one is "an object".
  [VIEW, new Error('x'), /exportBody must be an object.*not an Error\./],
  [VIEW, Object.create({ inherited: 1 }), /exportBody must be an object.*not an object\./],
  [VIEW, () => 1, /exportBody must be an object.*not a function\./],
  [VIEW, { exportDataSettings: 'Orders' }, /exportDataSettings must be an object, not a string/],
  [VIEW, { exportDataSettings: null }, /exportDataSettings must be an object, not null/],
  [VIEW, { exportDataSettings: [] }, /exportDataSettings must be an object, not a list/],
];

/** No error, in any of its words or fields, carries the token. */
function shouldHoldNoToken(err) {
  const text = [err.message, String(err), JSON.stringify(err), JSON.stringify(err.cause ?? null), err.stack].join('\n');
  text.should.not.containEql(TOKEN);
}

describe('lib: export settings and body', () => {
  it('fills the documented defaults and reads format and scope in any case', () => {
    readExportSettings(VIEW).should.eql({ ...VIEW, outputFormat: 'CSV', scope: 'Private', criteriaVersion: 'v1.0', path: EXPORT_PATH });
    // What a node given only Source and View name posts, and where: the documented defaults.
    buildExportBody(readExportSettings(VIEW)).should.eql({
      exportType: 'View', exportDataSettings: { Source: 'Orders', viewName: 'All orders' },
      exportCriteriaVersion: 'v1.0', outputFormat: 'CSV', publishLinkAccessScope: 'Private',
    });
    readExportSettings(VIEW).path.should.equal('/reports/v1.0/reports/exportdata');
    const read = (more) => readExportSettings({ ...VIEW, ...more });
    // Every format and scope the editor offers is read back as itself, whatever its case.
    for (const format of EXPORT_FORMATS) read({ outputFormat: format.toLowerCase() }).outputFormat.should.equal(format);
    for (const scope of EXPORT_SCOPES) read({ scope: scope.toUpperCase() }).scope.should.equal(scope);
    read({ outputFormat: 'csv' }).outputFormat.should.equal('CSV');
    read({ outputFormat: 'EXCEL' }).outputFormat.should.equal('Excel');
    read({ outputFormat: '' }).outputFormat.should.equal('CSV');
    read({ scope: 'PUBLIC' }).scope.should.equal('Public');
    read({ scope: 'peopleinorganization' }).scope.should.equal('PeopleInOrganization');
    read({ scope: null }).scope.should.equal('Private');
    read({ criteriaVersion: ' v2.0 ' }).criteriaVersion.should.equal('v2.0');
    read({ source: ' Invoices ', viewName: ' Open invoices ' }).should.match({ source: 'Invoices', viewName: 'Open invoices' });
  });

  it('takes the default path however it is written, and any other path as is', () => {
    const path = (p) => readExportSettings({ ...VIEW, path: p }).path;
    for (const same of [undefined, '', 'reports/v1.0/reports/exportdata', '/REPORTS/v1.0/reports/exportdata/']) path(same).should.equal(EXPORT_PATH);
    path('/reports/v1.0/exportdata').should.equal(EARLIER_EXPORT_PATH);
    path('/gateway/aims/exportdata').should.equal('/gateway/aims/exportdata');
    // Only the slashes around it are ignored: one missing inside is another path.
    path('reports/v1.0reports/exportdata').should.equal('reports/v1.0reports/exportdata');
  });

  it('gives two requests the same key only when they would start the same export', () => {
    const key = (input, body) => exportRequest({ ...VIEW, ...input }, body).key;
    key({}).should.equal(key({ path: EXPORT_PATH }));
    for (const other of [key({ viewName: 'Other' }), key({ path: '/gateway/x' }), key({}, { top: 1 })]) other.should.not.equal(key({}));
  });

  it('refuses every bad input with BAD_INPUT in plain words', () => {
    for (const [input, exportBody, words] of BAD_INPUTS) {
      (() => buildExportBody(readExportSettings(input), exportBody)).should.throw({ name: 'AimsError', code: 'BAD_INPUT', message: words });
    }
  });

  it('builds the body exactly as the documentation\'s example', () => {
    const settings = readExportSettings({ ...VIEW, outputFormat: 'JSON', scope: 'Public' });
    JSON.stringify(buildExportBody(settings)).should.equal(DOCUMENTED_EXAMPLE);
    JSON.stringify(buildExportBody(settings, {})).should.equal(DOCUMENTED_EXAMPLE);
  });

  it('merges msg.exportBody over the body, and its exportDataSettings over ours', () => {
    const settings = readExportSettings({ ...VIEW, outputFormat: 'csv' });
    const body = buildExportBody(settings, {
      exportName: 'Morning orders',
      outputFormat: 'Excel',
      exportDataSettings: { criteria: { from: '2026-01-01' }, viewName: 'Open orders' },
    });
    body.should.eql({
      exportType: 'View',
      exportDataSettings: { Source: 'Orders', viewName: 'Open orders', criteria: { from: '2026-01-01' } },
      exportCriteriaVersion: 'v1.0',
      outputFormat: 'Excel',
      publishLinkAccessScope: 'Private',
      exportName: 'Morning orders',
    });
    Object.keys(body).slice(0, 5).should.eql(['exportType', 'exportDataSettings', 'exportCriteriaVersion', 'outputFormat', 'publishLinkAccessScope']);
    // Fields outside exportDataSettings leave ours whole.
    buildExportBody(settings, { exportType: 'Report' }).exportDataSettings.should.eql({ Source: 'Orders', viewName: 'All orders' });
    (readExportBody(undefined) === undefined).should.be.true();
    const bare = Object.create(null);
    (readExportBody(bare) === bare).should.be.true();
    // A function node's objects come from another realm (its vm context).
    const foreign = vm.runInNewContext('({ exportName: "x", exportDataSettings: { top: 1 } })');
    buildExportBody(settings, foreign).should.match({ exportName: 'x', exportDataSettings: { Source: 'Orders', top: 1 } });
    class Options { constructor() { this.exportName = 'x'; } }
    (() => readExportBody(new Options())).should.throw({ code: 'BAD_INPUT', message: /not an Options/ });
  });
});

describe('lib: starting an export against the simulator', () => {
  let sim;
  let client;
  let logged;
  const exports = () => apiCalls(sim, '/reports/');
  const start = (input = VIEW, exportBody, options = {}) =>
    startExport(client, input, exportBody, { log: (text) => logged.push(text), ...options });
  const latest404 = () => sim.addFault({ type: 'status', status: 404, times: -1, match: { path: EXPORT_PATH }, body: '{"Message":"No HTTP resource was found that matches the request URI"}' });
  const latestAnswers = (answer, times = -1) =>
    sim.addFault({ type: 'status', status: 200, times, match: { path: EXPORT_PATH }, body: JSON.stringify(answer) });

  before(async () => {
    sim = await startSim();
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.reset();
    logged = [];
    client = new AimsClient({ baseUrl: sim.url, auth: { type: 'token', token: TOKEN }, retry: { baseDelayMs: 5 } });
  });
  afterEach(() => client.close());

  it('falls back once to the earlier path on a 404, remembers it for the client and logs it once', async () => {
    latest404();
    const first = await start({ ...VIEW, outputFormat: 'JSON', scope: 'Public' });
    first.should.match({ path: EARLIER_EXPORT_PATH, jobStatus: 'Queued', answer: { jobStatus: 'Queued' } });
    first.jobId.should.be.a.String().and.equal(first.answer.jobId);
    exports().map((e) => [e.method, e.path, e.status]).should.eql([
      ['POST', EXPORT_PATH, 404],
      ['POST', EARLIER_EXPORT_PATH, 200],
    ]);
    // The body on the wire, field names and order exactly as documented, on both attempts.
    exports().map((e) => e.body).should.eql([DOCUMENTED_EXAMPLE, DOCUMENTED_EXAMPLE]);
    exports()[1].headers['content-type'].should.match(/^application\/json/);
    logged.should.have.length(1);
    logged[0].should.containEql(EARLIER_EXPORT_PATH);

    sim.log.length = 0;
    (await start()).path.should.equal(EARLIER_EXPORT_PATH);
    exports().map((e) => e.path).should.eql([EARLIER_EXPORT_PATH]);
    logged.should.have.length(1);

    // Another config node (client) finds its own path.
    const other = new AimsClient({ baseUrl: sim.url, auth: { type: 'token', token: TOKEN } });
    try {
      sim.log.length = 0;
      await startExport(other, VIEW);
      exports().map((e) => e.path).should.eql([EXPORT_PATH, EARLIER_EXPORT_PATH]);
    } finally {
      other.close();
    }
  });

  it('logs once when two exports find the earlier path at the same time', async () => {
    latest404();
    const both = await Promise.all([start(), start({ ...VIEW, viewName: 'Open orders' })]);
    both.map((s) => s.path).should.eql([EARLIER_EXPORT_PATH, EARLIER_EXPORT_PATH]);
    both[0].jobId.should.not.equal(both[1].jobId);
    logged.should.have.length(1);
  });

  it('uses the latest path when it answers, reads jobID tolerantly, and does not fall back later', async () => {
    latestAnswers({ jobID: 'latest-1', JobStatus: 'QUEUED', publishLink: 'x' }, 1);
    (await start()).should.eql({ answer: { jobID: 'latest-1', JobStatus: 'QUEUED', publishLink: 'x' }, jobId: 'latest-1', jobStatus: 'Queued', path: EXPORT_PATH });
    latest404();
    const err = await rejection(start());
    err.should.match({ code: 'API_ERROR', status: 404 });
    exports().map((e) => e.path).should.eql([EXPORT_PATH, EXPORT_PATH]);
    logged.should.be.empty();
  });

  it('posts to a custom path as is: no fallback on its 404', async () => {
    const err = await rejection(start({ ...VIEW, path: '/gateway/exportdata' }));
    err.should.match({ code: 'API_ERROR', status: 404 });
    exports().map((e) => e.path).should.eql([]);
    sim.log.map((e) => e.path).should.eql(['/gateway/exportdata']);
    shouldHoldNoToken(err);
    // The earlier path set by hand is used straight away.
    sim.log.length = 0;
    (await start({ ...VIEW, path: 'reports/v1.0/exportdata' })).path.should.equal('reports/v1.0/exportdata');
    exports().map((e) => e.path).should.eql([EARLIER_EXPORT_PATH]);
    logged.should.be.empty();
  });

  it('says so clearly when both documented paths answer 404, and remembers nothing', async () => {
    latest404();
    sim.addFault({ type: 'status', status: 404, times: -1, match: { path: EARLIER_EXPORT_PATH } });
    const err = await rejection(start());
    err.should.match({ name: 'AimsError', code: 'API_ERROR', status: 404 });
    err.message.should.containEql(EXPORT_PATH).and.containEql(EARLIER_EXPORT_PATH).and.match(/endpoint path/);
    shouldHoldNoToken(err);
    exports().map((e) => e.path).should.eql([EXPORT_PATH, EARLIER_EXPORT_PATH]);
    logged.should.be.empty();
    sim.clearFaults();
    latest404();
    sim.log.length = 0;
    (await start()).path.should.equal(EARLIER_EXPORT_PATH);
    exports().should.have.length(2);
  });

  it('passes the API\'s 400 on as API_ERROR with its own words, posted once', async () => {
    const said = "The view 'Nope' was not found for Source 'Orders'.";
    sim.addFault({ type: 'status', status: 400, match: { path: EXPORT_PATH }, body: JSON.stringify({ Message: said }) });
    const err = await rejection(start({ ...VIEW, viewName: 'Nope' }));
    err.should.match({ code: 'API_ERROR', status: 400 });
    err.message.should.containEql(said);
    shouldHoldNoToken(err);
    exports().should.have.length(1);
  });

  it('never retries the POST, and never falls back on other failures', async () => {
    sim.addFault({ type: 'status', status: 503, match: { path: EXPORT_PATH } });
    const err = await rejection(start());
    err.should.match({ code: 'API_ERROR', status: 503 });
    err.message.should.not.match(/retr/);
    shouldHoldNoToken(err);
    exports().should.have.length(1);
  });

  it('sends the POST again after a 429 (refused unread), once per refusal, and starts one job', async () => {
    const jobsBefore = sim.listJobs().length;
    sim.addFault({ type: 'status', status: 429, retryAfter: 0, match: { path: EXPORT_PATH } });
    const started = await start();
    started.should.have.property('path', EXPORT_PATH);
    exports().should.have.length(2);
    sim.listJobs().should.have.length(jobsBefore + 1);
  });

  it('refuses an answer that names no job', async () => {
    latestAnswers({ Message: 'ok' }, 1);
    const err = await rejection(start());
    err.should.match({ code: 'BAD_RESPONSE' });
  });

  it('sends the merged msg.exportBody', async () => {
    latest404();
    // The simulator knows only criteria v1.0 and answers 400: what counts here is the body sent.
    const err = await rejection(start({ ...VIEW, outputFormat: 'excel', scope: 'PeopleInOrganization', criteriaVersion: 'v1.1' },
      { exportName: 'Morning', exportDataSettings: { top: 10 } }));
    err.should.match({ code: 'API_ERROR', message: /v1\.1/ });
    JSON.parse(exports()[1].body).should.eql({
      exportType: 'View',
      exportDataSettings: { Source: 'Orders', viewName: 'All orders', top: 10 },
      exportCriteriaVersion: 'v1.1',
      outputFormat: 'Excel',
      publishLinkAccessScope: 'PeopleInOrganization',
      exportName: 'Morning',
    });
  });

  it('refuses every bad input before any request', async () => {
    for (const [input, exportBody, words] of BAD_INPUTS) {
      const err = await rejection(start(input, exportBody));
      err.should.match({ code: 'BAD_INPUT', message: words });
      shouldHoldNoToken(err);
    }
    sim.log.should.be.empty();
    sim.requestCount.should.equal(0);
  });

  it('carries no token in a refusal of the credentials', async () => {
    const wrong = new AimsClient({ baseUrl: sim.url, auth: { type: 'token', token: `${TOKEN}-wrong` } });
    try {
      const err = await rejection(startExport(wrong, VIEW));
      err.should.match({ code: 'AUTH_FAILED', status: 401 });
      err.message.should.not.containEql(`${TOKEN}-wrong`);
      shouldHoldNoToken(err);
    } finally {
      wrong.close();
    }
  });
});
