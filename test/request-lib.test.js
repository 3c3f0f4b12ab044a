require('should');
const { AimsClient } = require('../dist/src/lib/client.js');
const { readMethod, readPath, encodeQuery, bodyOptions, safeHeaders } = require('../dist/src/lib/request.js');
const { rerunPath, checkCanRerun, postRerun } = require('../dist/src/lib/rerun.js');
const { readCanReRun, namedJob } = require('../dist/src/lib/job.js');
const { startSim, apiCalls, rejection, TOKEN } = require('./support/sim');

describe('lib: any-endpoint requests', () => {
  it('reads the method, GET by default, and refuses others', () => {
    readMethod(undefined).should.equal('GET');
    readMethod('').should.equal('GET');
    readMethod('POST').should.equal('POST');
    // The request spec's rule, as at deploy and in the dialog: written as listed.
    for (const bad of ['get', 'post', ' GET', 'HEAD', 'OPTIONS', 'CONNECT', 'GET ME']) (() => readMethod(bad)).should.throw({ code: 'BAD_INPUT' });
  });

  it('needs a path as text', () => {
    readPath(' reports/v1.0/exportdata ').should.equal('reports/v1.0/exportdata');
    for (const bad of [undefined, '', '  ', 5, {}]) (() => readPath(bad)).should.throw({ code: 'BAD_INPUT' });
  });

  it('encodes a query object with %20, repeats the key of a list and leaves out null', () => {
    encodeQuery({ $filter: "jobStatus eq 'Failed'", $top: 5, flag: true, a: ['x y', 'z+'], none: null, gone: undefined })
      .should.equal("%24filter=jobStatus%20eq%20'Failed'&%24top=5&flag=true&a=x%20y&a=z%2B");
    (encodeQuery(undefined) === undefined).should.be.true();
    (encodeQuery('') === undefined).should.be.true();
    (encodeQuery({}) === undefined).should.be.true();
    for (const bad of ['a=b', 5, [1], Buffer.from('x'), { a: { b: 1 } }, { a: [{}] }, { n: NaN }]) {
      (() => encodeQuery(bad)).should.throw({ code: 'BAD_INPUT' });
    }
  });

  it('sends objects as JSON, JSON text as JSON, other text as text and buffers as bytes', () => {
    bodyOptions({ a: 1 }).should.eql({ json: { a: 1 } });
    bodyOptions([1]).should.eql({ json: [1] });
    bodyOptions(0).should.eql({ json: 0 });
    bodyOptions('{"a":1}').headers['content-type'].should.equal('application/json');
    bodyOptions('hello').headers['content-type'].should.match(/^text\/plain/);
    bodyOptions(Buffer.from('x')).headers['content-type'].should.equal('application/octet-stream');
    bodyOptions(undefined).should.eql({});
    bodyOptions(null).should.eql({});
  });

  it('passes on headers without cookies', () => {
    safeHeaders({ 'content-type': 'application/json', 'set-cookie': ['s=1'], gone: undefined }).should.eql({ 'content-type': 'application/json' });
  });

  it('reads canReRun tolerantly and the job an answer names', () => {
    ['Yes', 'YES', 'yes ', true].forEach((v) => readCanReRun({ canReRun: v }).should.be.true());
    readCanReRun({ CanReRun: 'Yes' }).should.be.true();
    ['No', '', undefined, 'Y', false].forEach((v) => readCanReRun({ canReRun: v }).should.be.false());
    namedJob({ jobId: 'a', jobStatus: 'QUEUED' }).should.eql({ jobId: 'a', jobStatus: 'Queued' });
    namedJob({ jobID: 'b' }).should.eql({ jobId: 'b', jobStatus: undefined });
    namedJob({ jobId: 'c', jobStatus: 'Odd' }).should.eql({ jobId: 'c', jobStatus: 'Odd' });
    [undefined, 'a', [{ jobId: 'a' }], { value: [] }, { jobId: 5 }].forEach((v) => (namedJob(v) === undefined).should.be.true());
  });

  it('builds the rerun path from a checked id only', () => {
    rerunPath('job-1').should.equal('/jobsmanagement/v1.0/backgroundjob/job-1/rerun');
    (() => rerunPath('../x')).should.throw({ code: 'BAD_INPUT' });
  });
});

describe('lib: rerun against the simulator', () => {
  let sim;
  let client;
  before(async () => {
    sim = await startSim();
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.reset();
    client = new AimsClient({ baseUrl: sim.url, auth: { type: 'token', token: TOKEN }, retry: { baseDelayMs: 5 } });
  });
  afterEach(() => client.close());

  it('checks canReRun before, and posts once', async () => {
    sim.addJob({ jobId: 'yes' });
    sim.addJob({ jobId: 'no', canReRun: 'No' });
    (await checkCanRerun(client, 'yes')).jobID.should.equal('yes');
    (await rejection(checkCanRerun(client, 'no'))).code.should.equal('RERUN_NOT_ALLOWED');
    (await postRerun(client, 'yes')).should.match({ jobId: 'yes', jobStatus: 'Queued' });
    apiCalls(sim).filter((e) => e.method === 'POST').length.should.equal(1);
  });

  it('says what canReRun was, in whichever spelling it came', async () => {
    sim.addFault({ type: 'status', status: 200, body: JSON.stringify({ value: [{ jobID: 'spelt', jobStatus: 'Failed', canRerun: 'No' }] }) });
    (await rejection(checkCanRerun(client, 'spelt'))).message.should.containEql('canReRun is "No"');
  });

  it('turns the API\'s refusals into RERUN_NOT_ALLOWED and JOB_NOT_FOUND, other errors kept', async () => {
    sim.addJob({ jobId: 'no', canReRun: 'No' });
    (await rejection(postRerun(client, 'no'))).should.match({ code: 'RERUN_NOT_ALLOWED', status: 400 });
    (await rejection(postRerun(client, 'missing'))).should.match({ code: 'JOB_NOT_FOUND', status: 404 });
    sim.addFault({ type: 'status', status: 400, body: '{"Message":"The request is invalid."}' });
    (await rejection(postRerun(client, 'no'))).should.match({ code: 'API_ERROR', status: 400 });
    sim.addFault({ type: 'status', status: 503, times: -1 });
    (await rejection(postRerun(client, 'no'))).should.match({ code: 'API_ERROR', status: 503 });
    apiCalls(sim).filter((e) => e.status === 503).length.should.equal(1);
    sim.clearFaults();
    sim.addFault({ type: 'status', status: 200, body: '"text"' });
    (await rejection(postRerun(client, 'no'))).code.should.equal('BAD_RESPONSE');
  });
});
