// The AIMS360 simulator, simulator/index.ts: the simulator started and closed, and its request log (what each request
// was, and its body).
require('should');
const { rejection } = require('../support/sim');
const { useSimulator, TOKEN, AUTH, JOBS, sleep, enc } = require('../support/simulator');

describe('AIMS360 simulator', function () {
  let sim;
  const { get, postJson, another } = useSimulator((started) => (sim = started));

  describe('start and close', () => {
    it('exposes url, port and token', () => {
      sim.url.should.equal(`http://127.0.0.1:${sim.port}`);
      sim.port.should.be.above(0);
      sim.token.should.equal(TOKEN);
    });

    it('close() ends hanging requests and resolves', async () => {
      const s = await another();
      s.addFault({ type: 'hang', times: -1 });
      const pending = rejection(fetch(`${s.url}${JOBS}`, { headers: AUTH }));
      // Until the request arrives (a fixed 50 ms was too short on a loaded machine).
      for (const deadline = Date.now() + 5000; s.log.length === 0 && Date.now() < deadline;) await sleep(10);
      s.log.length.should.equal(1);
      s.log[0].status.should.equal(0);
      await s.close();
      (await pending).should.be.an.Error();
    });

    it('seeds jobs in motion in demo mode', async () => {
      const s = await another({ demo: true });
      const jobs = s.listJobs();
      jobs.length.should.be.aboveOrEqual(6);
      const statuses = jobs.map((j) => j.jobStatus);
      statuses.should.containEql('Queued');
      statuses.should.containEql('Completed');
      jobs.some((j) => j.responseType === 'Publishlink' && j.publishLinkAccessScope === 'Public').should.be.true();
      jobs.some((j) => j.responseType === 'In-line JSON' && j.jobStatus === 'Completed').should.be.true();
    });
  });

  describe('request log', () => {
    it('records API calls with raw query, headers and status, not control calls', async () => {
      const answer = await (await get(`${JOBS}?$filter=${enc("jobId eq 'a'")}`)).text();
      await get(JOBS, { authorization: 'Bearer wrong' });
      await fetch(`${sim.url}/_sim/jobs`);
      sim.log.length.should.equal(2);
      const [first, second] = sim.log;
      first.method.should.equal('GET');
      first.path.should.equal(JOBS);
      first.query.should.equal('$filter=jobId%20eq%20%27a%27');
      first.url.should.equal(`${JOBS}?$filter=jobId%20eq%20%27a%27`);
      first.headers.authorization.should.equal(`Bearer ${TOKEN}`);
      first.status.should.equal(200);
      first.bytes.should.equal(Buffer.byteLength(answer));
      first.host.should.equal(`127.0.0.1:${sim.port}`);
      Date.parse(first.time).should.be.a.Number().and.not.be.NaN();
      second.status.should.equal(401);
      second.headers.authorization.should.equal('Bearer wrong');
      await get(JOBS, {});
      (sim.log[2].headers.authorization === undefined).should.be.true();
      sim.clearLog();
      sim.log.length.should.equal(0);
    });
  });

  describe('request log bodies', () => {
    it('records the body of API calls, never of token requests', async () => {
      await get('/anything/else', AUTH, { method: 'PUT', body: 'x'.repeat(70 * 1024) });
      await postJson('/reports/v1.0/exportdata', { outputFormat: 'csv' });
      await get(JOBS);
      await fetch(`${sim.url}/connect/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password&password=sim-password' });
      sim.log[0].body.length.should.equal(64 * 1024);
      JSON.parse(sim.log[1].body).should.eql({ outputFormat: 'csv' });
      sim.log[1].status.should.equal(200);
      (sim.log[2].body === undefined).should.be.true();
      sim.log[3].path.should.equal('/connect/token');
      (sim.log[3].body === undefined).should.be.true();
    });
  });
});
