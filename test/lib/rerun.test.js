// src/lib/rerun.ts: the rerun path, the canReRun check before it and the POST, against the
// simulator and through a client whose answers the test writes.
require('should');
const { AimsClient } = require('../../dist/src/lib/client.js');
const { AimsError } = require('../../dist/src/lib/errors.js');
const { rerunPath, checkCanRerun, postRerun } = require('../../dist/src/lib/rerun.js');
const { startSim, apiCalls, rejection, TOKEN } = require('../support/sim');
const { scriptedClient } = require('../support/lib');

describe('lib: the rerun path', () => {
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

describe('lib: rerun through a client whose answers the test writes', () => {
  it('says what canReRun was when a rerun is not allowed', async () => {
    const err = await checkCanRerun(scriptedClient({ value: [{ jobId: 'j1', canReRun: 'No' }] }), 'j1').catch((e) => e);
    err.should.match({ code: 'RERUN_NOT_ALLOWED', message: /canReRun is "No"/ });
    const missing = await checkCanRerun(scriptedClient({ value: [{ jobId: 'j1' }] }), 'j1').catch((e) => e);
    missing.message.should.match(/canReRun is null/);
  });

  it('reads the API\'s "cannot rerun" refusals (400) as RERUN_NOT_ALLOWED, others as they are', async () => {
    for (const words of ['Job cannot be rerun.', "You can't re-run this job", 'Rerun not allowed for this job', 'Rerun is not permitted']) {
      const err = await postRerun(scriptedClient(new AimsError('API_ERROR', words, 400)), 'j1').catch((e) => e);
      err.should.match({ code: 'RERUN_NOT_ALLOWED', status: 400 });
      err.message.should.equal(`${words} Start a new job instead.`);
    }
    const other = new AimsError('API_ERROR', 'Bad request.', 400);
    (await postRerun(scriptedClient(other), 'j1').catch((e) => e)).should.equal(other);
    // A 404 refusal whose words do not say "rerun": the job is gone.
    (await postRerun(scriptedClient(new AimsError('API_ERROR', 'Not found', 404)), 'j1').catch((e) => e)).code.should.equal('JOB_NOT_FOUND');
    const posted = scriptedClient({ jobId: 'j1', jobStatus: 'Queued' });
    (await postRerun(posted, 'j1')).should.eql({ jobId: 'j1', jobStatus: 'Queued' });
    posted.calls[0].should.match({ target: '/jobsmanagement/v1.0/backgroundjob/j1/rerun', method: 'POST' });
  });

  it('names the job it could not find, and says when the answer holds no job', async () => {
    (await postRerun(scriptedClient(new AimsError('API_ERROR', 'Not found', 404)), 'job-77').catch((e) => e))
      .message.should.equal('AIMS360 knows no job job-77 to rerun: check the id, or the job was purged.');
    (await postRerun(scriptedClient('Queued'), 'j1').catch((e) => e))
      .should.match({ code: 'BAD_RESPONSE', message: 'AIMS360 answered the rerun without a job object.' });
  });

  it('takes "cannot be rerun" as a refusal only from a 400, not from a failing server', async () => {
    const failing = new AimsError('API_ERROR', 'Job cannot be rerun while the database is down.', 500);
    (await postRerun(scriptedClient(failing), 'j1').catch((e) => e)).should.equal(failing);
  });
});

