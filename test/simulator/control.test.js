// The AIMS360 simulator, simulator/control.ts: reset and the HTTP control API under /_sim/, and who may use it.
const should = require('should');
const { ControlGuard } = require('../../dist/simulator/control.js');
const { useSimulator, TOKEN, AUTH, JOBS, rawRequest } = require('../support/simulator');

describe('AIMS360 simulator', function () {
  let sim;
  const { get, filter, postJson, another } = useSimulator((started) => (sim = started));

  describe('reset and the HTTP control API', () => {
    const control = async (method, p, body) => {
      const res = await fetch(`${sim.url}/_sim${p}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    it('reset() removes jobs, faults, log and config', async () => {
      sim.addJob({ jobId: 'x' });
      sim.addFault({ type: 'status', status: 500, times: -1 });
      sim.setConfig({ pageSize: 1, rejectCombinedFilter: true, token: 'other' });
      await get(JOBS);
      sim.reset();
      sim.listJobs().length.should.equal(0);
      sim.log.length.should.equal(0);
      sim.getConfig().should.eql({
        token: TOKEN, pageSize: 100, nextLinkHost: null, rejectCombinedFilter: false, rejectModifiedDateFilter: false, exportQueuedMs: 500, exportRunMs: 2000,
        exportRows: 25, serveLatestExportPath: true, serveEarlierExportPath: true, serveRanges: true,
      });
      (await get(JOBS)).status.should.equal(200);
    });

    it('manages jobs over HTTP', async () => {
      const created = await control('POST', '/jobs', { jobId: 'h-1', queuedMs: 60000 });
      created.status.should.equal(201);
      created.body.jobID.should.equal('h-1');
      created.body.jobStatus.should.equal('Queued');
      (await control('GET', '/jobs')).body.map((j) => j.jobID).should.eql(['h-1']);
      (await control('GET', '/jobs/h-1')).body.jobID.should.equal('h-1');
      const patched = await control('PATCH', '/jobs/h-1', { jobStatus: 'Failed', canReRun: 'No' });
      patched.body.jobStatus.should.equal('Failed');
      patched.body.canReRun.should.equal('No');
      (await filter("jobId eq 'h-1'")).body.value[0].jobStatus.should.equal('Failed');
      (await control('DELETE', '/jobs/h-1')).status.should.equal(204);
      (await filter("jobId eq 'h-1'")).body.value.length.should.equal(0);
      (await control('GET', '/jobs/h-1')).status.should.equal(404);
      (await control('PATCH', '/jobs/missing', {})).status.should.equal(404);
      (await control('POST', '/jobs', { outcome: 'Maybe' })).status.should.equal(400);
      (await control('POST', '/jobs', { percentCompleted: -1 })).status.should.equal(400);
      (await control('POST', '/nowhere')).status.should.equal(404);
    });

    it('forces a status and a percent from the start when the new job asks for them', async () => {
      // By the clock it ends as it is added; what was forced holds, as setJob's does.
      const held = (await control('POST', '/jobs', { jobId: 'h-2', queuedMs: 0, runMs: 0, jobStatus: 'Inprogress', percentCompleted: 50 })).body;
      held.should.match({ jobStatus: 'Inprogress', percentCompleted: 50 });
      (await filter("jobId eq 'h-2'")).body.value[0].should.match({ jobStatus: 'Inprogress', percentCompleted: 50 });
      (await control('PATCH', '/jobs/h-2', { jobStatus: null, percentCompleted: null })).body.should.match({ jobStatus: 'Completed', percentCompleted: 100 });
    });

    it('manages faults, config, tokens, log and reset over HTTP', async () => {
      (await control('POST', '/faults', { type: 'status', status: 503, times: 'Infinity' })).status.should.equal(201);
      (await control('GET', '/faults')).body[0].remaining.should.equal(-1);
      (await get(JOBS)).status.should.equal(503);
      (await control('DELETE', '/faults')).status.should.equal(204);
      (await get(JOBS)).status.should.equal(200);
      (await control('POST', '/faults', { type: 'bogus' })).status.should.equal(400);

      const config = await control('POST', '/config', { rejectCombinedFilter: true, pageSize: 5, nextLinkHost: 'x.example.com' });
      config.body.should.containDeep({ rejectCombinedFilter: true, pageSize: 5, nextLinkHost: 'x.example.com' });
      (await filter("jobId eq 'a' or jobId eq 'b'")).status.should.equal(400);
      (await control('POST', '/config', { pageSize: 0 })).status.should.equal(400);
      (await control('POST', '/config', { token: 'http-token' })).status.should.equal(200);
      (await get(JOBS, { authorization: 'Bearer http-token' })).status.should.equal(200);

      const token = await (
        await fetch(`${sim.url}/connect/token`, {
          method: 'POST',
          body: new URLSearchParams({ grant_type: 'password', client_id: 'sim-client', client_secret: 'sim-secret', username: 'operator@example.com', password: 'sim-password' }),
        })
      ).json();
      (await control('POST', '/tokens/expire')).status.should.equal(204);
      (await get(JOBS, { authorization: `Bearer ${token.access_token}` })).status.should.equal(401);

      const log = await control('GET', '/log');
      log.body.length.should.equal(sim.log.length);
      log.body.some((e) => e.path === '/connect/token').should.be.true();
      log.body.every((e) => !e.path.startsWith('/_sim')).should.be.true();
      (await control('DELETE', '/log')).status.should.equal(204);
      sim.log.length.should.equal(0);

      (await control('POST', '/config', { serveLatestExportPath: false, exportRows: 2 })).body.should.containDeep({ serveLatestExportPath: false, exportRows: 2 });
      (await postJson('/reports/v1.0/reports/exportdata', {})).status.should.equal(404);
      (await control('POST', '/config', { exportRows: -1 })).status.should.equal(400);
      (await control('GET', '/custom-views')).body.should.eql([{ source: 'Orders', viewName: 'My Open Orders' }]);
      (await control('POST', '/custom-views', { source: 'Styles', viewName: 'Core Basics' })).status.should.equal(201);
      (await control('GET', '/custom-views')).body.length.should.equal(2);
      (await control('POST', '/custom-views', { source: 'Styles' })).status.should.equal(400);
      (await control('DELETE', '/custom-views')).status.should.equal(204);
      sim.listCustomViews().should.eql([]);

      sim.addJob({ jobId: 'r' });
      (await control('POST', '/reset')).status.should.equal(204);
      sim.listJobs().length.should.equal(0);
      sim.getConfig().pageSize.should.equal(100);
    });
  });

  describe('who may use the control API', () => {
    const port = () => new URL(sim.url).port;

    it('answers only requests addressed to loopback, the bound address or an allowed name (DNS rebinding)', async () => {
      for (const host of [`localhost:${port()}`, `127.0.0.1:${port()}`, `[::1]:${port()}`, `app.localhost:${port()}`, 'LOCALHOST']) {
        (await rawRequest(`${sim.url}/_sim/`, { headers: { host } })).status.should.equal(200, host);
      }
      for (const host of [`evil.example:${port()}`, 'evil.example', `192.168.1.20:${port()}`, 'localhost.evil.example']) {
        const answer = await rawRequest(`${sim.url}/_sim/`, { headers: { host } });
        answer.status.should.equal(403, host);
        answer.text.should.not.containEql(TOKEN);
        JSON.parse(answer.text).error.should.match(/--allow-host/);
      }
      // A refused control request changes nothing.
      sim.addJob({ jobId: 'kept' });
      (await rawRequest(`${sim.url}/_sim/reset`, { method: 'POST', headers: { host: 'evil.example' } })).status.should.equal(403);
      sim.listJobs().length.should.equal(1);
      // The API itself keeps answering whatever name a client uses for it.
      (await rawRequest(`${sim.url}${JOBS}`, { headers: { ...AUTH, host: 'api.example' } })).status.should.equal(200);

      const allowing = await another({ allowedHosts: ['sim.lan', 'Other.Lan'] });
      for (const host of ['sim.lan', `sim.lan:${new URL(allowing.url).port}`, 'other.lan']) {
        (await rawRequest(`${allowing.url}/_sim/`, { headers: { host } })).status.should.equal(200, host);
      }
      (await rawRequest(`${allowing.url}/_sim/`, { headers: { host: 'third.lan' } })).status.should.equal(403);
      // The address it is bound to, when that is no wildcard.
      const request = (host) => ({ headers: { host } });
      should(new ControlGuard('192.168.1.20').refusal(request('192.168.1.20:8360'))).be.undefined();
      should(new ControlGuard('0.0.0.0').refusal(request('192.168.1.20:8360'))).be.a.String();
      should(new ControlGuard('::').refusal(request('[fe80::1]:8360'))).be.a.String();
    });

    it('refuses web pages of other sites (Origin), a simple cross-site POST included', async () => {
      sim.addJob({ jobId: 'kept' });
      for (const origin of ['http://evil.example', 'https://evil.example:443', 'null', 'not a url']) {
        const answer = await rawRequest(`${sim.url}/_sim/reset`, { method: 'POST', headers: { origin, 'content-type': 'text/plain' }, body: 'x' });
        answer.status.should.equal(403, origin);
        JSON.parse(answer.text).error.should.match(/other sites/);
      }
      sim.listJobs().length.should.equal(1);
      // A page on this machine (Node-RED's editor on another port) may.
      for (const origin of ['http://localhost:1880', 'http://127.0.0.1:1880', 'http://[::1]:1880']) {
        (await rawRequest(`${sim.url}/_sim/`, { headers: { origin } })).status.should.equal(200, origin);
      }
    });
  });
});
