// The AIMS360 simulator, simulator/jobs.ts: a job's lifecycle (queued, in progress, finished) and its rerun.
require('should');
const { useSimulator, AUTH, sleep } = require('../support/simulator');

describe('AIMS360 simulator', function () {
  let sim;
  const { filter } = useSimulator((started) => (sim = started));

  describe('lifecycle', () => {
    it('moves Queued -> Inprogress (percent rising) -> Completed from timestamps', async () => {
      sim.addJob({ jobId: 'life', queuedMs: 300, runMs: 600 });
      const job = async () => (await filter("jobId eq 'life'")).body.value[0];
      let j = await job();
      j.jobStatus.should.equal('Queued');
      j.percentCompleted.should.equal(0);
      (j.startDate === null).should.be.true();
      (j.response === null).should.be.true();
      await sleep(450);
      j = await job();
      j.jobStatus.should.equal('Inprogress');
      j.percentCompleted.should.be.within(5, 60);
      j.startDate.should.be.a.String();
      (j.completedDate === null).should.be.true();
      const firstPercent = j.percentCompleted;
      await sleep(200);
      j = await job();
      j.jobStatus.should.equal('Inprogress');
      j.percentCompleted.should.be.above(firstPercent);
      await sleep(400);
      j = await job();
      j.jobStatus.should.equal('Completed');
      j.percentCompleted.should.equal(100);
      j.completedDate.should.be.a.String();
      (Date.parse(j.completedDate) - Date.parse(j.startDate)).should.be.within(550, 650);
    });

    it('runs a job created in the past from its createdDate, so it has ended already', async () => {
      const created = new Date(Date.now() - 3600 * 1000).toISOString();
      sim.addJob({ jobId: 'earlier', createdDate: created, queuedMs: 1000, runMs: 4000, outcome: 'Failed' });
      const j = (await filter("jobId eq 'earlier'")).body.value[0];
      j.jobStatus.should.equal('Failed');
      j.createdDate.should.equal(created);
      (Date.parse(j.startDate) - Date.parse(created)).should.equal(1000);
      (Date.parse(j.completedDate) - Date.parse(created)).should.equal(5000);
    });

    it('ends Failed with the given status text, and setJob can force a status', async () => {
      sim.addJob({ jobId: 'f', outcome: 'Failed', jobStatusText: 'Database timeout.' });
      const failed = sim.getJob('f');
      failed.jobStatus.should.equal('Failed');
      failed.jobStatusText.should.equal('Database timeout.');
      sim.addJob({ jobId: 'slow', queuedMs: 60000 });
      sim.setJob('slow', { jobStatus: 'Inprogress', percentCompleted: 42 }).percentCompleted.should.equal(42);
      sim.setJob('slow', { jobStatus: 'Completed', percentCompleted: null }).jobStatus.should.equal('Completed');
      sim.setJob('slow', { jobStatus: null }).jobStatus.should.equal('Queued');
      (sim.setJob('nope', {}) === undefined).should.be.true();
    });
  });

  describe('modifiedDate', () => {
    const ago = (ms) => new Date(Date.now() - ms).toISOString();
    const at = (iso, ms) => new Date(Date.parse(iso) + ms).toISOString();

    it('is written by every change: queued, started, each percent, ended', () => {
      const queued = ago(500);
      sim.addJob({ jobId: 'q', createdDate: queued, queuedMs: 60000 }).modifiedDate.should.equal(queued);
      const running = ago(3000);
      const r = sim.addJob({ jobId: 'r', createdDate: running, queuedMs: 1000, runMs: 100000 });
      r.jobStatus.should.equal('Inprogress');
      // The moment the percent it shows was reached, not the time of the answer.
      r.modifiedDate.should.equal(at(running, 1000 + r.percentCompleted * 1000));
      const done = ago(10000);
      sim.addJob({ jobId: 'c', createdDate: done, queuedMs: 1000, runMs: 4000 }).modifiedDate.should.equal(at(done, 5000));
      const failed = sim.addJob({ jobId: 'f', createdDate: done, queuedMs: 1000, runMs: 2000, outcome: 'Failed' });
      failed.modifiedDate.should.equal(failed.completedDate);
    });

    it('is written by a rerun and a forced status, from the simulator clock', () => {
      sim.addJob({ jobId: 'again', createdDate: ago(10000), queuedMs: 60000, runMs: 1000 });
      sim.setJob('again', { jobStatus: 'Completed' });
      const before = Date.now();
      const forced = sim.setJob('again', { jobStatus: 'Failed' });
      Date.parse(forced.modifiedDate).should.be.within(before, Date.now());
      const rerunAt = Date.now();
      const rerun = sim.setJob('again', { restart: true });
      rerun.jobStatus.should.equal('Queued');
      Date.parse(rerun.modifiedDate).should.be.within(rerunAt, Date.now());
    });

    it('modifiedLagMs shows a change late, with the modifiedDate it happened at', () => {
      const created = ago(10000);
      const late = sim.addJob({ jobId: 'late', createdDate: created, queuedMs: 0, runMs: 8000, modifiedLagMs: 5000 });
      // Ended 2 s ago, but the answer is the job as it was 5 s ago.
      late.jobStatus.should.equal('Inprogress');
      Date.parse(late.modifiedDate).should.be.below(Date.now() - 5000 + 1);
      const now = sim.setJob('late', { modifiedLagMs: 0 });
      now.jobStatus.should.equal('Completed');
      now.completedDate.should.equal(at(created, 8000));
      // The knob is no change of the job: its modifiedDate stays its end.
      now.modifiedDate.should.equal(now.completedDate);
    });
  });

  describe('rerun', () => {
    const rerun = (id) => fetch(`${sim.url}/jobsmanagement/v1.0/backgroundjob/${encodeURIComponent(id)}/rerun`, { method: 'POST', headers: AUTH });

    it('restarts a rerunnable job with the same timings and the rerun outcome', async () => {
      sim.addJob({ jobId: 'r1', outcome: 'Failed', rerunOutcome: 'Completed', queuedMs: 0, runMs: 300, scope: 'Public', responseType: 'Publishlink' });
      await sleep(320);
      sim.getJob('r1').jobStatus.should.equal('Failed');
      const res = await rerun('r1');
      res.status.should.equal(200);
      const body = await res.json();
      body.should.eql({ jobId: 'r1', jobStatus: 'Queued', publishLink: sim.getJob('r1').publishLink, publishLinkAccessScope: 'PUBLIC' });
      sim.getJob('r1').jobStatus.should.equal('Inprogress');
      await sleep(320);
      sim.getJob('r1').jobStatus.should.equal('Completed');
    });

    it('refuses canReRun No with 400 and unknown jobs with 404', async () => {
      sim.addJob({ jobId: 'r2', canReRun: 'No' });
      const no = await rerun('r2');
      no.status.should.equal(400);
      (await no.json()).should.eql({ Message: 'Job cannot be rerun.' });
      const unknown = await rerun('missing');
      unknown.status.should.equal(404);
      (await unknown.json()).should.eql({ Message: 'Job not found.' });
      (await fetch(`${sim.url}/jobsmanagement/v1.0/backgroundjob/r2/rerun`, { method: 'POST' })).status.should.equal(401);
    });
  });
});
