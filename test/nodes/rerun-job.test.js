// The aims360-rerun-job node (nodes/rerun-job) in Node-RED against the simulator: the rerun, what it
// refuses, errors and secrets.
const should = require('should');
const {
  helper, baseFlow, load, next, collect, wait, inTimeZone, useSimAndNodeRed, sendOne, jobIdLookups, typedJobIdCases, itRefusesBadJobIds,
} = require('../support/red');
const { startSim, apiCalls, TOKEN } = require('../support/sim');

const creds = { server: { token: TOKEN } };

function flow(sim, props = {}, config = {}) {
  return [
    ...baseFlow(sim, config),
    { id: 'node', type: 'aims360-rerun-job', z: 'tab', server: 'server', wires: [['out']], ...props },
    { id: 'out', type: 'helper', z: 'tab' },
  ];
}

const posts = (sim) => apiCalls(sim).filter((c) => c.method === 'POST');

describe('aims360-rerun-job', function () {
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
  });

  const run = (props, input, context) => sendOne(flow(sim, props), creds, input, context);

  it('checks the job first by default, then reruns it and answers the API\'s response', async () => {
    sim.addJob({ jobId: 'job-failed', outcome: 'Failed', rerunOutcome: 'Completed', scope: 'Public', queuedMs: 60000 });
    sim.setJob('job-failed', { jobStatus: 'Failed' });
    const msg = await run({ name: 'again' }, { jobId: 'job-failed', topic: 'keep' });
    helper.getNode('node').should.have.property('name', 'again');
    Object.keys(msg.payload).sort().should.eql(['jobId', 'jobStatus', 'publishLink', 'publishLinkAccessScope']);
    msg.payload.should.match({ jobId: 'job-failed', jobStatus: 'Queued', publishLinkAccessScope: 'PUBLIC' });
    msg.jobId.should.equal('job-failed');
    msg.jobStatus.should.equal('Queued');
    msg.topic.should.equal('keep');
    apiCalls(sim).map((c) => c.method).should.eql(['GET', 'POST']);
    posts(sim)[0].path.should.equal('/jobsmanagement/v1.0/backgroundjob/job-failed/rerun');
    sim.getJob('job-failed').jobStatus.should.equal('Queued');
  });

  for (const [where, make] of jobIdLookups) {
    it(`finds the job id in ${where} by default`, async () => {
      sim.addJob({ jobId: 'job-a' });
      (await run({}, make('job-a'))).jobId.should.equal('job-a');
    });
  }

  it('reads the job id from a typed input (msg, str, env, flow, global, jsonata)', async () => {
    sim.addJob({ jobId: 'job-t' });
    for (const [props, input, context] of typedJobIdCases()) {
      (await run(props, input, context)).jobId.should.equal('job-t');
      await helper.unload();
    }
    posts(sim).length.should.equal(6);
  });

  it('feeds job status (and so wait for job) with no node between', async () => {
    sim.addJob({ jobId: 'job-f', outcome: 'Failed', rerunOutcome: 'Completed', runMs: 60000 });
    await load([
      ...flow(sim, { wires: [['status-node']] }),
      { id: 'status-node', type: 'aims360-job-status', z: 'tab', server: 'server', wires: [['out']] },
    ], creds);
    const out = next(helper.getNode('out'));
    helper.getNode('node').receive({ payload: 'job-f' });
    const msg = await out;
    msg.payload.jobID.should.equal('job-f');
    msg.jobStatus.should.equal('Inprogress');
  });

  /** Reruns one job: the node's statuses, the local HH:MM the answer may show, what completed. */
  async function rerunStatuses(jobId) {
    await load(flow(sim), creds);
    const statuses = collect(helper.getNode('statuses'));
    const completed = collect(helper.getNode('completed'));
    // A zone off UTC by half an hour: the time must be the runtime's local one.
    const { times } = await inTimeZone('Asia/Kolkata', async () => {
      const out = next(helper.getNode('out'), helper.getNode('caught'));
      helper.getNode('node').receive({ jobId });
      await out;
    });
    await wait(50);
    return { statuses: statuses.map((m) => m.status), times, completed };
  }

  it('shows checking, rerunning, then the answered job status with its local time as a ring (not live), and completes once', async () => {
    sim.addJob({ jobId: 'job-s' });
    const { statuses, times, completed } = await rerunStatuses('job-s');
    statuses.slice(0, 2).should.match([
      { fill: 'blue', text: 'aims360-rerun-job.status.checking' },
      { fill: 'blue', text: 'aims360-rerun-job.status.rerunning' },
    ]);
    statuses[2].should.match({ fill: 'yellow', shape: 'ring' });
    times.map((t) => `queued ${t}`).should.containEql(statuses[2].text);
    statuses.length.should.equal(3);
    completed.length.should.equal(1);
  });

  it('shows "rerun" and the time when the answer names no job status', async () => {
    sim.addJob({ jobId: 'job-n' });
    sim.addFault({ type: 'status', status: 200, body: '{"jobId":"job-n"}', match: { method: 'POST' } });
    const { statuses, times } = await rerunStatuses('job-n');
    statuses[2].should.match({ fill: 'green', shape: 'ring' });
    times.map((t) => `rerun ${t}`).should.containEql(statuses[2].text);
  });

  it('with checkFirst off (saved as false or "false"), posts straight away', async () => {
    sim.addJob({ jobId: 'job-d' });
    for (const checkFirst of [false, 'false']) {
      (await run({ checkFirst }, { jobId: 'job-d' })).jobStatus.should.equal('Queued');
      await helper.unload();
    }
    apiCalls(sim).map((c) => c.method).should.eql(['POST', 'POST']);
  });

  describe('refusals', () => {
    it('refuses with RERUN_NOT_ALLOWED and posts nothing when canReRun is not Yes', async () => {
      sim.addJob({ jobId: 'job-no', canReRun: 'No' });
      const msg = await run({}, { jobId: 'job-no' });
      msg.error.code.should.equal('RERUN_NOT_ALLOWED');
      msg.error.message.should.containEql('job-no');
      posts(sim).length.should.equal(0);
      apiCalls(sim).length.should.equal(1);
      sim.getJob('job-no').jobStatus.should.equal('Completed');
    });

    it('reads canReRun in any case', async () => {
      sim.addJob({ jobId: 'job-y' });
      const job = { ...sim.getJob('job-y'), canReRun: 'YES' };
      sim.addFault({ type: 'status', status: 200, body: JSON.stringify({ value: [job] }), match: { method: 'GET' } });
      (await run({}, { jobId: 'job-y' })).jobStatus.should.equal('Queued');
      posts(sim).length.should.equal(1);
    });

    it('with checkFirst off, turns the API\'s "cannot be rerun" into RERUN_NOT_ALLOWED', async () => {
      sim.addJob({ jobId: 'job-no', canReRun: 'No' });
      const msg = await run({ checkFirst: false }, { jobId: 'job-no' });
      msg.error.code.should.equal('RERUN_NOT_ALLOWED');
      msg.error.message.should.containEql('Job cannot be rerun.');
      msg.error.cause.status.should.equal(400);
      posts(sim).length.should.equal(1);
    });

    it('answers JOB_NOT_FOUND for an unknown or purged job, checked first or not', async () => {
      sim.addJob({ jobId: 'job-purged' });
      sim.purgeJob('job-purged');
      for (const checkFirst of [true, false]) {
        for (const id of ['job-unknown', 'job-purged']) {
          const msg = await run({ checkFirst }, { jobId: id });
          msg.error.code.should.equal('JOB_NOT_FOUND');
          msg.error.message.should.containEql(id);
          await helper.unload();
        }
      }
      posts(sim).length.should.equal(2);
    });

    itRefusesBadJobIds(() => sim, () => load(flow(sim), creds));
  });

  describe('errors and secrets', () => {
    it('never retries the POST: a 503 is API_ERROR after one attempt', async () => {
      sim.addJob({ jobId: 'job-r' });
      sim.addFault({ type: 'status', status: 503, times: -1, match: { method: 'POST' } });
      const msg = await run({}, { jobId: 'job-r' });
      msg.error.should.match({ code: 'API_ERROR', cause: { status: 503 } });
      posts(sim).length.should.equal(1);
    });

    it('retries the check (a GET) on 503', async () => {
      sim.addJob({ jobId: 'job-r' });
      sim.addFault({ type: 'status', status: 503, match: { method: 'GET' } });
      (await run({}, { jobId: 'job-r' })).jobStatus.should.equal('Queued');
      apiCalls(sim).map((c) => `${c.method} ${c.status}`).should.eql(['GET 503', 'GET 200', 'POST 200']);
    });

    it('answers BAD_RESPONSE when the rerun answer is not a job object', async () => {
      sim.addJob({ jobId: 'job-b' });
      sim.addFault({ type: 'status', status: 200, body: '[]', match: { method: 'POST' } });
      (await run({}, { jobId: 'job-b' })).error.code.should.equal('BAD_RESPONSE');
    });

    it('shows the token in no message, status, log line or error', async () => {
      sim.addJob({ jobId: 'job-ok' });
      sim.addJob({ jobId: 'job-no', canReRun: 'No' });
      await load(flow(sim), creds);
      const seen = [];
      for (const id of ['out', 'caught', 'statuses', 'completed']) seen.push(collect(helper.getNode(id)));
      const node = helper.getNode('node');
      node.receive({ jobId: 'job-ok' });
      node.receive({ jobId: 'job-no' });
      node.receive({ jobId: 'job-missing' });
      await wait(200);
      sim.addFault({ type: 'status', status: 401, body: JSON.stringify({ Message: `token ${TOKEN} refused` }) });
      node.receive({ jobId: 'job-ok' });
      await wait(200);
      seen[0].length.should.equal(1);
      seen[1].map((m) => m.error.code).sort().should.eql(['AUTH_FAILED', 'JOB_NOT_FOUND', 'RERUN_NOT_ALLOWED']);
      should(JSON.stringify({ seen, log: helper.log().args }).includes(TOKEN)).be.false();
    });
  });
});
