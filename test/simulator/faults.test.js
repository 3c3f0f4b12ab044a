// The AIMS360 simulator, simulator/faults.ts: the faults a test can queue (statuses, resets, hangs, malformed and cut bodies).
require('should');
const { rejection } = require('../support/sim');
const { useSimulator, AUTH, JOBS } = require('../support/simulator');

describe('AIMS360 simulator', function () {
  let sim;
  const { get, filter } = useSimulator((started) => (sim = started));

  describe('faults', () => {
    it('answers a status fault with its body and Retry-After, as many times as asked', async () => {
      sim.addJob({ jobId: 'x' });
      sim.addFault({ type: 'status', status: 503, retryAfter: 7, times: 2, body: '{"Message":"busy"}' });
      for (let i = 0; i < 2; i++) {
        const res = await get(JOBS);
        res.status.should.equal(503);
        res.headers.get('retry-after').should.equal('7');
        (await res.json()).should.eql({ Message: 'busy' });
      }
      (await get(JOBS)).status.should.equal(200);
      sim.addFault({ type: 'status', status: 429, retryAfter: 'Wed, 21 Oct 2099 07:28:00 GMT' });
      const limited = await get(JOBS);
      limited.status.should.equal(429);
      limited.headers.get('retry-after').should.equal('Wed, 21 Oct 2099 07:28:00 GMT');
    });

    it('keeps an endless fault until cleared and matches method, path and query', async () => {
      sim.addFault({ type: 'status', status: 500, times: -1, match: { method: 'GET', path: '/jobsmanagement/', query: "jobId eq 'bad'" } });
      for (let i = 0; i < 3; i++) (await filter("jobId eq 'bad'")).status.should.equal(500);
      (await filter("jobId eq 'good'")).status.should.equal(200);
      (await get('/reports/v1.0/exportdata', AUTH, { method: 'POST', body: '{}' })).status.should.not.equal(500);
      sim.addFault({ type: 'status', status: 502, times: Infinity, match: { method: 'POST' } });
      (await get(JOBS)).status.should.equal(200);
      sim.clearFaults();
      (await filter("jobId eq 'bad'")).status.should.equal(200);
    });

    it('hits about the given share of requests with probability', async () => {
      sim.addFault({ type: 'status', status: 503, times: -1, probability: 0.5 });
      let hits = 0;
      for (let i = 0; i < 200; i++) if ((await get(JOBS)).status === 503) hits++;
      hits.should.be.within(60, 140);
      sim.clearFaults();
      sim.addFault({ type: 'status', status: 503, times: -1, probability: 0 });
      for (let i = 0; i < 20; i++) (await get(JOBS)).status.should.equal(200);
    });

    it('resets the connection', async () => {
      sim.addFault({ type: 'reset' });
      (await rejection(get(JOBS))).should.be.an.Error();
      (await get(JOBS)).status.should.equal(200);
    });

    it('hangs until the client gives up', async () => {
      sim.addFault({ type: 'hang' });
      const err = await rejection(get(JOBS, AUTH, { signal: AbortSignal.timeout(200) }));
      err.name.should.equal('TimeoutError');
    });

    it('sends malformed JSON, a truncated body, or an empty list', async () => {
      sim.addJob({ jobId: 'x' });
      sim.addFault({ type: 'malformed' });
      const malformed = await get(JOBS);
      malformed.status.should.equal(200);
      (await rejection(malformed.json())).should.be.an.Error();

      sim.addFault({ type: 'truncated' });
      const truncated = await get(JOBS);
      truncated.status.should.equal(200);
      Number(truncated.headers.get('content-length')).should.be.above(0);
      (await rejection(truncated.text())).should.be.an.Error();

      sim.addFault({ type: 'empty' });
      (await filter("jobId eq 'x'")).body.should.eql({ value: [] });
      (await filter("jobId eq 'x'")).body.value.length.should.equal(1);
    });

    it('does not apply to the control API, and validates specs', async () => {
      sim.addFault({ type: 'status', status: 500, times: -1 });
      (await fetch(`${sim.url}/_sim/jobs`)).status.should.equal(200);
      (() => sim.addFault({ type: 'nope' })).should.throw();
      (() => sim.addFault({ type: 'status' })).should.throw();
      (() => sim.addFault({ type: 'reset', probability: 2 })).should.throw();
    });
  });
});
