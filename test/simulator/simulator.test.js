// The AIMS360 simulator (simulator/) over HTTP: authentication, job queries, lifecycle, faults, the
// request log, documents, data exports, the control API and the command line.
const should = require('should');
const { spawn } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const readXlsx = require('read-excel-file/node').default;
const { start } = require('../../dist/simulator/index.js');
const { ControlGuard } = require('../../dist/simulator/control.js');
const { rejection } = require('../support/sim');

const TOKEN = 'simulator-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const JOBS = '/jobsmanagement/odata/v1.0/backgroundjob';
const DENIED = { Message: 'Authorization has been denied for this request.' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Strict OData encoding as a careful client does it: %20 for spaces, %27 for quotes.
const enc = (s) => encodeURIComponent(s).replace(/'/g, '%27');

/** A request with headers fetch will not set as given (Host): answers status and text. */
function rawRequest(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}


describe('AIMS360 simulator', function () {
  let sim;
  const extra = [];

  const get = (p, headers = AUTH, init = {}) => fetch(sim.url + p, { headers, ...init });
  const query = async (qs, headers = AUTH) => {
    const res = await get(`${JOBS}?${qs}`, headers);
    return { status: res.status, body: await res.json(), headers: res.headers };
  };
  const filter = (f, more = '') => query(`$filter=${enc(f)}${more}`);
  const ids = (body) => body.value.map((j) => j.jobID ?? j.jobId);
  const postJson = (p, body, headers = AUTH) =>
    fetch(sim.url + p, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const documentsOf = (job) => JSON.parse(job.response);
  const another = async (options) => {
    const s = await start({ port: 0, ...options });
    extra.push(s);
    return s;
  };

  before(async () => {
    sim = await start({ port: 0 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((s) => s.close()));
  });

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

  describe('authentication', () => {
    it('answers 401 with the AIMS360 message without a valid token', async () => {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${TOKEN}` }, { authorization: TOKEN }]) {
        const res = await get(JOBS, headers);
        res.status.should.equal(401);
        res.headers.get('content-type').should.startWith('application/json');
        (await res.json()).should.eql(DENIED);
      }
      (await get(JOBS)).status.should.equal(200);
      (await get(JOBS, { authorization: `bearer ${TOKEN}` })).status.should.equal(200);
    });

    it('accepts a custom static token and one set through config', async () => {
      const s = await another({ token: 'my-token' });
      (await fetch(`${s.url}${JOBS}`, { headers: { authorization: 'Bearer my-token' } })).status.should.equal(200);
      (await fetch(`${s.url}${JOBS}`, { headers: AUTH })).status.should.equal(401);
      s.setConfig({ token: 'next' });
      (await fetch(`${s.url}${JOBS}`, { headers: { authorization: 'Bearer next' } })).status.should.equal(200);
    });

    it('answers 404 JSON for unknown routes', async () => {
      const res = await get('/nothing/here');
      res.status.should.equal(404);
      (await res.json()).should.eql({ Message: 'No HTTP resource was found that matches the request URI' });
    });

    describe('OAuth password grant', () => {
      const form = (fields) => new URLSearchParams({ grant_type: 'password', client_id: 'sim-client', client_secret: 'sim-secret', username: 'operator@example.com', password: 'sim-password', ...fields });
      const tokenCall = (s, fields, headers = {}) =>
        fetch(`${s.url}/connect/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: form(fields) });

      it('issues a bearer token that the API accepts', async () => {
        const res = await tokenCall(sim, {});
        res.status.should.equal(200);
        const body = await res.json();
        body.token_type.should.equal('Bearer');
        body.expires_in.should.equal(3600);
        body.access_token.should.be.a.String().and.not.be.empty();
        (await get(JOBS, { authorization: `Bearer ${body.access_token}` })).status.should.equal(200);
      });

      it('serves the grant at the documented /authentication/v1/authentication/token (any case) as at /connect/token', async () => {
        for (const route of ['/authentication/v1/authentication/token', '/Authentication/v1/Authentication/Token', '/connect/token']) {
          const res = await fetch(`${sim.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({}) });
          res.status.should.equal(200, route);
          const { access_token: token } = await res.json();
          (await get(JOBS, { authorization: `Bearer ${token}` })).status.should.equal(200);
        }
        const bad = await fetch(`${sim.url}/authentication/v1/authentication/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ password: 'nope' }) });
        bad.status.should.equal(400);
        // The grant holds secrets: its body stays out of the log.
        sim.log.filter((e) => /token$/i.test(e.path)).every((e) => e.body === undefined).should.be.true();
      });

      it('takes client credentials from HTTP Basic auth too', async () => {
        const basic = Buffer.from('sim-client:sim-secret').toString('base64');
        const res = await tokenCall(sim, { client_id: '', client_secret: '' }, { authorization: `Basic ${basic}` });
        res.status.should.equal(200);
      });

      it('refuses wrong credentials', async () => {
        const bad = await tokenCall(sim, { password: 'nope' });
        bad.status.should.equal(400);
        (await bad.json()).error.should.equal('invalid_grant');
        const badClient = await tokenCall(sim, { client_secret: 'nope' });
        badClient.status.should.equal(401);
        (await badClient.json()).should.eql({ error: 'invalid_client' });
      });

      it('honours custom credentials and tokenTtlSeconds', async () => {
        const s = await another({ oauth: { clientId: 'c', clientSecret: 's', username: 'u', password: 'p', tokenTtlSeconds: 1 } });
        const res = await tokenCall(s, { client_id: 'c', client_secret: 's', username: 'u', password: 'p' });
        const { access_token: token, expires_in: ttl } = await res.json();
        ttl.should.equal(1);
        const call = () => fetch(`${s.url}${JOBS}`, { headers: { authorization: `Bearer ${token}` } });
        (await call()).status.should.equal(200);
        await sleep(1100);
        const expired = await call();
        expired.status.should.equal(401);
        (await expired.json()).should.eql(DENIED);
      });

      it('expireTokens() invalidates every issued token but not the static one', async () => {
        const { access_token: token } = await (await tokenCall(sim, {})).json();
        (await get(JOBS, { authorization: `Bearer ${token}` })).status.should.equal(200);
        sim.expireTokens();
        (await get(JOBS, { authorization: `Bearer ${token}` })).status.should.equal(401);
        (await get(JOBS)).status.should.equal(200);
      });
    });
  });

  describe('job queries', () => {
    it('finds one job by jobId or jobID and answers the documented shape', async () => {
      sim.addJob({ jobId: 'job-1', category: 'Reports', subCategory: 'Production Forecasting Report' });
      sim.addJob({ jobId: 'job-2' });
      for (const field of ['jobId', 'jobID']) {
        const { status, body } = await filter(`${field} eq 'job-1'`);
        status.should.equal(200);
        body['@odata.context'].should.equal(`${sim.url}/jobsmanagement/odata/v1.0/$metadata#backgroundjob`);
        body.value.length.should.equal(1);
        const job = body.value[0];
        Object.keys(job).should.eql([
          '@odata.etag', 'categoryName', 'subCategoryName', 'jobDescription', 'clientRequestId', 'jobStatus', 'jobStatusText',
          'publishLink', 'requestURL', 'publishLinkAccessScope', 'percentCompleted', 'jobID', 'responseType', 'response',
          'startDate', 'completedDate', 'purgeDateTime', 'clientID', 'DatabaseName', 'accountCode', 'canReRun', 'createdBy',
          'createdDate', 'modifiedBy', 'modifiedDate',
        ]);
        job['@odata.etag'].should.match(/^W\/"[A-Za-z0-9+/=]+"$/);
        job.jobID.should.equal('job-1');
        job.jobStatus.should.equal('Completed');
        job.percentCompleted.should.equal(100);
        job.responseType.should.equal('In-line JSON');
        job.response.should.be.a.String();
        JSON.parse(job.response).should.be.an.Array();
        job.publishLinkAccessScope.should.equal('Private');
        job.canReRun.should.equal('Yes');
      }
    });

    it('generates real-looking ids and honours spellings and raw JSON responses', async () => {
      const job = sim.addJob();
      job.jobID.should.match(/^[0-9a-f-]{36}-\d{17}$/);
      sim.addJob({ jobId: 'spelled', idSpelling: 'jobId', scopeSpelling: 'PUBLIC', responseAsJson: true, inline: { a: 1 } });
      const { body } = await filter("jobId eq 'spelled'");
      const found = body.value[0];
      found.jobId.should.equal('spelled');
      found.should.not.have.property('jobID');
      found.publishLinkAccessScope.should.equal('PUBLIC');
      found.response.should.eql({ a: 1 });
    });

    it('supports or, and, status, parentheses and not', async () => {
      sim.addJob({ jobId: 'a', category: 'Reports' });
      sim.addJob({ jobId: 'b', outcome: 'Failed', category: 'Reports' });
      sim.addJob({ jobId: 'c', outcome: 'Failed', category: 'Imports' });
      sim.addJob({ jobId: 'd', queuedMs: 60000 });
      ids((await filter("jobId eq 'a' or jobId eq 'c' or jobID eq 'd'")).body).should.eql(['a', 'c', 'd']);
      ids((await filter("jobStatus eq 'Failed' and categoryName eq 'Reports'")).body).should.eql(['b']);
      ids((await filter("(jobId eq 'a' or jobId eq 'b') and jobStatus eq 'Failed'")).body).should.eql(['b']);
      ids((await filter("jobStatus eq 'Queued'")).body).should.eql(['d']);
      ids((await filter("not (jobStatus eq 'Failed') and jobStatus ne 'Queued'")).body).should.eql(['a']);
      // Filters that name ids alongside other terms: only ids on every branch narrow the search.
      ids((await filter("jobId eq 'd' or jobStatus eq 'Failed'")).body).should.eql(['b', 'c', 'd']);
      ids((await filter("jobStatus eq 'Failed' or jobId eq 'a'")).body).should.eql(['a', 'b', 'c']);
      ids((await filter("not (jobId eq 'a')")).body).should.eql(['b', 'c', 'd']);
      ids((await filter("jobStatus eq 'Failed' and (jobId eq 'c' or jobId eq 'a')")).body).should.eql(['c']);
      ids((await filter("jobId eq 'd' or jobId eq 'b'")).body).should.eql(['b', 'd']);
    });

    it("reads '' as an escaped quote", async () => {
      sim.addJob({ jobId: "o'brien" });
      ids((await filter("jobId eq 'o''brien'")).body).should.eql(["o'brien"]);
    });

    it('compares createdDate with datetime literals and quoted strings', async () => {
      sim.addJob({ jobId: 'old', createdDate: '2020-01-01T00:00:00Z' });
      sim.addJob({ jobId: 'new', createdDate: '2024-06-01T12:00:00Z' });
      ids((await filter('createdDate ge 2024-01-01T00:00:00Z')).body).should.eql(['new']);
      ids((await filter("createdDate lt '2024-01-01T00:00:00.000Z'")).body).should.eql(['old']);
      ids((await filter('createdDate gt 2019-12-31T00:00:00Z and createdDate le 2024-06-01T12:00:00Z')).body).should.eql(['old', 'new']);
    });

    it("refuses a '+' for a space and malformed filters with an OData error", async () => {
      sim.addJob({ jobId: 'job-1' });
      const plus = await query("$filter=jobId+eq+'job-1'");
      plus.status.should.equal(400);
      plus.body.error.code.should.equal('');
      plus.body.error.message.should.containEql('+');
      for (const bad of ["jobId eq 'job-1", 'jobId eq', "jobId eq 'a' or", "(jobId eq 'a'", "nosuch eq 'a'", "jobId like 'a'", "createdDate ge 'yesterday'"]) {
        const res = await filter(bad);
        res.status.should.equal(400, bad);
        res.body.should.have.property('error');
        res.body.error.message.should.be.a.String();
      }
      (await query('$top=abc')).status.should.equal(400);
      (await query('$skip=-1')).status.should.equal(400);
      (await query('$orderby=jobStatus%20sideways')).status.should.equal(400);
      (await query('$select=nosuch')).status.should.equal(400);
      (await query('$expand=x')).status.should.equal(400);
    });

    it('answers 400 to or-filters when combined filters are rejected', async () => {
      sim.addJob({ jobId: 'a' });
      sim.setCombinedFilterRejected(true);
      (await filter("jobId eq 'a' or jobId eq 'b'")).status.should.equal(400);
      (await filter("jobId eq 'a'")).status.should.equal(200);
      sim.setCombinedFilterRejected(false);
      (await filter("jobId eq 'a' or jobId eq 'b'")).status.should.equal(200);
    });

    it('applies $top, $skip, $orderby and $select', async () => {
      sim.addJob({ jobId: 'j1', createdDate: '2024-01-03T00:00:00Z', outcome: 'Failed' });
      sim.addJob({ jobId: 'j2', createdDate: '2024-01-01T00:00:00Z' });
      sim.addJob({ jobId: 'j3', createdDate: '2024-01-02T00:00:00Z', outcome: 'Failed' });
      ids((await query('$orderby=createdDate%20desc')).body).should.eql(['j1', 'j3', 'j2']);
      ids((await query('$orderby=createdDate')).body).should.eql(['j2', 'j3', 'j1']);
      ids((await query('$orderby=jobStatus%20asc,createdDate%20desc')).body).should.eql(['j2', 'j1', 'j3']);
      ids((await query('$orderby=createdDate%20asc&$top=2')).body).should.eql(['j2', 'j3']);
      ids((await query('$orderby=createdDate%20asc&$skip=1&$top=1')).body).should.eql(['j3']);
      const selected = await query('$select=jobID,jobStatus&$top=1');
      selected.body.value[0].should.eql({ '@odata.etag': selected.body.value[0]['@odata.etag'], jobID: 'j1', jobStatus: 'Failed' });
      selected.body['@odata.context'].should.endWith('#backgroundjob(jobID,jobStatus)');
    });

    it('never returns purged jobs', async () => {
      sim.addJob({ jobId: 'gone', purged: true });
      sim.addJob({ jobId: 'purged-later' });
      sim.purgeJob('purged-later').should.be.true();
      (await query('')).body.value.length.should.equal(0);
      (sim.getJob('purged-later') === undefined).should.be.true();
    });

    describe('paging', () => {
      it('pages with absolute nextLinks until the end', async () => {
        sim.setConfig({ pageSize: 2 });
        for (let i = 0; i < 5; i++) sim.addJob({ jobId: `p-${i}`, outcome: 'Failed' });
        const seen = [];
        let link = `${sim.url}${JOBS}?$filter=${enc("jobStatus eq 'Failed'")}`;
        let pages = 0;
        while (link) {
          link.should.startWith(`${sim.url}${JOBS}?`);
          const body = await (await fetch(link, { headers: AUTH })).json();
          seen.push(...ids(body));
          link = body['@odata.nextLink'];
          pages++;
        }
        pages.should.equal(3);
        seen.should.eql(['p-0', 'p-1', 'p-2', 'p-3', 'p-4']);
        sim.log[1].query.should.containEql('$filter=jobStatus%20eq%20%27Failed%27');
        sim.log[1].query.should.containEql('$skip=2');
      });

      it('keeps $top across pages', async () => {
        sim.setConfig({ pageSize: 2 });
        for (let i = 0; i < 6; i++) sim.addJob({ jobId: `t-${i}` });
        const first = (await query('$top=3')).body;
        ids(first).should.eql(['t-0', 't-1']);
        const second = await (await fetch(first['@odata.nextLink'], { headers: AUTH })).json();
        ids(second).should.eql(['t-2']);
        (second['@odata.nextLink'] === undefined).should.be.true();
      });

      it('gives a single-job answer a nextLink to an empty page, as the real API does', async () => {
        sim.addJob({ jobId: 'only' });
        const { body } = await filter("jobId eq 'only'");
        body.value.length.should.equal(1);
        body['@odata.nextLink'].should.equal(`${sim.url}${JOBS}?$filter=jobId%20eq%20%27only%27&$skip=100`);
        const next = await (await fetch(body['@odata.nextLink'], { headers: AUTH })).json();
        next.value.should.eql([]);
        (next['@odata.nextLink'] === undefined).should.be.true();
        (await filter("jobId eq 'missing'")).body.should.not.have.property('@odata.nextLink');
      });

      it('uses nextLinkHost in nextLinks when configured', async () => {
        sim.setConfig({ pageSize: 1, nextLinkHost: 'other.example.com' });
        sim.addJob({ jobId: 'h1' });
        sim.addJob({ jobId: 'h2' });
        const { body } = await query('');
        const next = new URL(body['@odata.nextLink']);
        next.hostname.should.equal('other.example.com');
        next.pathname.should.equal(JOBS);
        next.search.should.equal('?$skip=1');
      });
    });
  });

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

  describe('documents', () => {
    const addDocJob = (spec) => {
      const job = sim.addJob({ responseType: 'Publishlink', ...spec });
      return { job, docs: documentsOf(job) };
    };

    it('lists documents as the API does and serves a public one without auth', async () => {
      const { job, docs } = addDocJob({ scope: 'Public', documents: [{ name: 'Orders.csv', format: 'csv', rows: 37 }] });
      docs.length.should.equal(1);
      const doc = docs[0];
      Object.keys(doc).should.eql(['DocumentGUID', 'documentName', 'DownloadLink', 'SizeInMB', 'Type', 'DocumentID', 'ExpiryDate', 'Version']);
      doc.documentName.should.equal('Orders.csv');
      doc.Type.should.equal('.csv');
      doc.Version.should.equal('1.0');
      doc.DownloadLink.should.startWith(`${sim.url}/documentmanagement/v1.0/aimsdocument/${doc.DocumentGUID}/`);
      job.publishLink.should.equal(doc.DownloadLink);
      const res = await fetch(doc.DownloadLink);
      res.status.should.equal(200);
      res.headers.get('content-type').should.startWith('text/csv');
      res.headers.get('content-disposition').should.containEql('filename="Orders.csv"');
      const text = await res.text();
      Number(res.headers.get('content-length')).should.equal(Buffer.byteLength(text));
      doc.SizeInMB.should.equal(Buffer.byteLength(text) / 1048576);
      const lines = text.trim().split('\n');
      lines[0].should.equal('style,color,size,qty,price');
      lines.length.should.equal(38);
    });

    it('needs a bearer token for Private and PeopleInOrganization documents', async () => {
      for (const scope of ['Private', 'PeopleInOrganization']) {
        const { docs } = addDocJob({ scope });
        const anonymous = await fetch(docs[0].DownloadLink);
        anonymous.status.should.equal(403);
        (await anonymous.text()).should.equal('Access Denied');
        (await fetch(docs[0].DownloadLink, { headers: { authorization: 'Bearer wrong' } })).status.should.equal(403);
        (await fetch(docs[0].DownloadLink, { headers: AUTH })).status.should.equal(200);
      }
    });

    it('refuses a wrong link token, expired links and unknown documents', async () => {
      const { docs } = addDocJob({ scope: 'Public', documents: [{ format: 'csv' }, { format: 'csv', expiresInMs: -1000 }] });
      const wrong = docs[0].DownloadLink.replace(/\/[^/]+$/, '/not-the-token');
      (await fetch(wrong)).status.should.equal(403);
      Date.parse(docs[1].ExpiryDate).should.be.below(Date.now());
      const expired = await fetch(docs[1].DownloadLink);
      expired.status.should.equal(410);
      (await expired.json()).Message.should.containEql('expired');
      (await fetch(`${sim.url}/documentmanagement/v1.0/aimsdocument/nope/nope`)).status.should.equal(404);
    });

    it('answers 404 for a document whose job is not completed yet', async () => {
      const job = sim.addJob({ responseType: 'Publishlink', scope: 'Public', queuedMs: 60000 });
      (job.response === null).should.be.true();
      (await fetch(job.publishLink)).status.should.equal(404);
    });

    it('keeps hostile names verbatim and honours host and noDownloadLink', async () => {
      const { docs } = addDocJob({
        documents: [{ name: '../../etc/passwd.csv', format: 'csv' }, { format: 'txt', host: 'evil.example.com' }, { format: 'json', noDownloadLink: true }],
      });
      docs[0].documentName.should.equal('../../etc/passwd.csv');
      const res = await fetch(docs[0].DownloadLink, { headers: AUTH });
      res.status.should.equal(200);
      res.headers.get('content-disposition').should.containEql("filename*=UTF-8''..%2F..%2Fetc%2Fpasswd.csv");
      new URL(docs[1].DownloadLink).hostname.should.equal('evil.example.com');
      docs[1].Type.should.equal('.txt');
      docs[2].should.not.have.property('DownloadLink');
    });

    it('serves JSON, text, PDF and exact content', async () => {
      const { docs } = addDocJob({
        scope: 'Public',
        documents: [{ format: 'json', rows: 4 }, { format: 'txt', rows: 2 }, { format: 'pdf' }, { format: 'csv', content: 'a,b\n1,2\n' }],
      });
      const [json, txt, pdf, exact] = await Promise.all(docs.map((d) => fetch(d.DownloadLink)));
      json.headers.get('content-type').should.startWith('application/json');
      (await json.json()).length.should.equal(4);
      (await txt.text()).trim().split('\n').length.should.equal(3);
      pdf.headers.get('content-type').should.equal('application/pdf');
      (await pdf.text()).should.startWith('%PDF-');
      (await exact.text()).should.equal('a,b\n1,2\n');
    });

    it('serves a real xlsx workbook', async () => {
      sim.addJob({ jobId: 'xl', scope: 'Public', documents: [{ name: 'Stock.xlsx', format: 'xlsx', rows: 12 }] });
      const job = (await filter("jobId eq 'xl'")).body.value[0];
      const [doc] = documentsOf(job);
      doc.Type.should.equal('.xlsx');
      const res = await fetch(doc.DownloadLink);
      res.status.should.equal(200);
      res.headers.get('content-type').should.equal('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const buf = Buffer.from(await res.arrayBuffer());
      buf.subarray(0, 2).toString('latin1').should.equal('PK');
      Number(res.headers.get('content-length')).should.equal(buf.length);
      doc.SizeInMB.should.equal(buf.length / 1048576);
      const [sheet] = await readXlsx(buf);
      sheet.data.length.should.equal(13);
      sheet.data[0].should.eql(['style', 'color', 'size', 'qty', 'price']);
    });

    it('streams a large generated document with exact length and flat memory', async function () {
      this.timeout(60000);
      const size = 50 * 1024 * 1024;
      const { docs } = addDocJob({ scope: 'Public', documents: [{ name: 'big.csv', format: 'csv', sizeBytes: size }] });
      docs[0].SizeInMB.should.equal(50);
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const res = await fetch(docs[0].DownloadLink);
      Number(res.headers.get('content-length')).should.equal(size);
      let bytes = 0;
      let last = 0;
      for await (const chunk of res.body) {
        bytes += chunk.length;
        last = chunk[chunk.length - 1];
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      bytes.should.equal(size);
      last.should.equal(10);
      (peak - baseline).should.be.below(60 * 1024 * 1024);
    });

    describe('ranges and cuts', () => {
      const bodyOf = async (res) => Buffer.from(await res.arrayBuffer());
      let link;
      let whole;
      beforeEach(async () => {
        sim.reset();
        const { docs } = addDocJob({ scope: 'Public', documents: [{ format: 'csv', sizeBytes: 300000 }] });
        link = docs[0].DownloadLink;
        const res = await fetch(link);
        whole = await bodyOf(res);
        whole.length.should.equal(300000);
        res.headers.get('accept-ranges').should.equal('bytes');
        res.headers.get('etag').should.match(/^"[^"]+"$/);
        new Date(res.headers.get('last-modified')).getTime().should.not.be.NaN();
      });

      it('answers 206 with Content-Range and exactly the bytes asked for, in every form of a single range', async () => {
        for (const [range, first, last] of [['bytes=100000-', 100000, 299999], ['bytes=5-9', 5, 9], ['bytes=-10', 299990, 299999], ['bytes=299000-999999', 299000, 299999], ['bytes=0-0', 0, 0]]) {
          const res = await fetch(link, { headers: { range } });
          res.status.should.equal(206, range);
          res.headers.get('content-range').should.equal(`bytes ${first}-${last}/300000`);
          Number(res.headers.get('content-length')).should.equal(last - first + 1);
          (await bodyOf(res)).equals(whole.subarray(first, last + 1)).should.be.true(range);
        }
      });

      it('answers 416 with the size for a range past the end, and the whole body for what it does not serve', async () => {
        for (const range of ['bytes=300000-', 'bytes=-0']) {
          const res = await fetch(link, { headers: { range } });
          res.status.should.equal(416, range);
          res.headers.get('content-range').should.equal('bytes */300000');
          await res.arrayBuffer();
        }
        for (const range of ['bytes=0-1,5-9', 'lines=1-2', 'bytes=9-5']) {
          const res = await fetch(link, { headers: { range } });
          res.status.should.equal(200, range);
          (await bodyOf(res)).equals(whole).should.be.true(range);
        }
      });

      it('serves a range only while If-Range still matches: touchDocument changes the ETag and Last-Modified', async () => {
        const first = await fetch(link, { method: 'GET' });
        const etag = first.headers.get('etag');
        const modified = first.headers.get('last-modified');
        await first.arrayBuffer();
        (await fetch(link, { headers: { range: 'bytes=10-', 'if-range': etag } })).status.should.equal(206);
        (await fetch(link, { headers: { range: 'bytes=10-', 'if-range': modified } })).status.should.equal(206);
        sim.touchDocument(new URL(link).pathname.split('/')[4]);
        const changed = await fetch(link, { headers: { range: 'bytes=10-', 'if-range': etag } });
        changed.status.should.equal(200);
        changed.headers.get('etag').should.not.equal(etag);
        changed.headers.get('last-modified').should.not.equal(modified);
        (await bodyOf(changed)).equals(whole).should.be.true();
        (() => sim.touchDocument('nope')).should.throw(/No document/);
      });

      it('can stop offering ranges: no Accept-Ranges, and a Range gets the whole body', async () => {
        sim.setConfig({ serveRanges: false });
        const res = await fetch(link, { headers: { range: 'bytes=10-' } });
        res.status.should.equal(200);
        (res.headers.get('accept-ranges') === null).should.be.true();
        (await bodyOf(res)).equals(whole).should.be.true();
      });

      /** The bytes a download got before its connection ended, and whether it ended early. */
      async function receive(headers = {}) {
        const res = await fetch(link, { headers });
        const chunks = [];
        try {
          for await (const chunk of res.body) chunks.push(chunk);
          return { status: res.status, bytes: Buffer.concat(chunks), cut: false };
        } catch {
          return { status: res.status, bytes: Buffer.concat(chunks), cut: true };
        }
      }

      it('cuts a document body at a given byte, once or every time, and never other answers', async () => {
        sim.addFault({ type: 'cut', atByte: 120000, match: { path: '/documentmanagement/' } });
        const cut = await receive();
        cut.should.containDeep({ status: 200, cut: true });
        cut.bytes.length.should.equal(120000);
        cut.bytes.equals(whole.subarray(0, 120000)).should.be.true();
        const rest = await receive({ range: 'bytes=120000-' });
        rest.should.containDeep({ status: 206, cut: false });
        Buffer.concat([cut.bytes, rest.bytes]).equals(whole).should.be.true();
        sim.addFault({ type: 'cut', atByte: 1000, times: -1 });
        (await query('$top=1')).status.should.equal(200);
        for (const headers of [{}, { range: 'bytes=5000-' }]) {
          const again = await receive(headers);
          again.cut.should.be.true();
          again.bytes.length.should.equal(1000);
        }
        sim.listFaults().at(-1).hits.should.equal(2);
        (() => sim.addFault({ type: 'cut' })).should.throw(/atByte/);
        (() => sim.addFault({ type: 'cut', atByte: -1 })).should.throw(/atByte/);
      });
    });

    it('refuses impossible document specs', () => {
      (() => sim.addJob({ documents: [{ format: 'docx' }] })).should.throw();
      (() => sim.addJob({ documents: [{ format: 'xlsx', sizeBytes: 1e6 }] })).should.throw();
      (() => sim.addJob({ documents: [{ format: 'csv', sizeBytes: 10 }] })).should.throw();
    });
  });

  describe('exportdata', () => {
    const exportData = (body, headers = AUTH) => postJson('/reports/v1.0/exportdata', body, headers);

    it('creates a queued job with a publish link that completes with the document', async () => {
      sim.setConfig({ exportQueuedMs: 50, exportRunMs: 100 });
      const res = await exportData({ exportType: 'View', outputFormat: 'csv', publishLinkAccessScope: 'Public' });
      res.status.should.equal(200);
      const answer = await res.json();
      answer.jobStatus.should.equal('Queued');
      answer.publishLinkAccessScope.should.equal('PUBLIC');
      answer.publishLink.should.startWith(`${sim.url}/documentmanagement/`);
      const queued = sim.getJob(answer.jobId);
      queued.jobStatus.should.equal('Queued');
      queued.responseType.should.equal('Publishlink');
      await sleep(200);
      sim.getJob(answer.jobId).jobStatus.should.equal('Completed');
      const doc = await fetch(answer.publishLink);
      doc.status.should.equal(200);
      (await doc.text()).should.startWith('style,');
    });

    it('uses default timings, In-line JSON for JSON, xlsx for Excel', async () => {
      const json = await (await exportData({ exportType: 'View', outputFormat: 'JSON' })).json();
      const jsonJob = sim.getJob(json.jobId);
      jsonJob.responseType.should.equal('In-line JSON');
      jsonJob.jobStatus.should.equal('Queued');
      (json.publishLink === null).should.be.true();
      json.publishLinkAccessScope.should.equal('PRIVATE');
      const excel = await (await exportData({ exportType: 'Report', outputFormat: 'Excel', publishLinkAccessScope: 'PeopleInOrganization' })).json();
      excel.publishLinkAccessScope.should.equal('PEOPLEINORGANIZATION');
      sim.setJob(excel.jobId, { jobStatus: 'Completed' });
      documentsOf(sim.getJob(excel.jobId))[0].Type.should.equal('.xlsx');
    });

    it('refuses bad input and missing auth', async () => {
      (await exportData({ outputFormat: 'docx' })).status.should.equal(400);
      (await exportData({ outputFormat: 'csv', publishLinkAccessScope: 'Everyone' })).status.should.equal(400);
      (await get('/reports/v1.0/exportdata', { ...AUTH, 'content-type': 'application/json' }, { method: 'POST', body: '{nope' })).status.should.equal(400);
      (await exportData({ outputFormat: 'csv' }, {})).status.should.equal(401);
      (await get('/reports/v1.0/exportdata')).status.should.equal(405);
    });
  });

  describe('documented data exports', () => {
    const LATEST = '/reports/v1.0/reports/exportdata';
    const EARLIER = '/reports/v1.0/exportdata';
    // The documentation's one full example, verbatim.
    const DOC_BODY = { exportType: 'View', exportDataSettings: { Source: 'Orders', viewName: 'All orders' }, exportCriteriaVersion: 'v1.0', outputFormat: 'JSON', publishLinkAccessScope: 'Public' };
    const ORDER_COLUMNS = ['orderNo', 'customer', 'customerPO', 'orderDate', 'startDate', 'cancelDate', 'status', 'warehouse', 'totalQty', 'totalAmount'];
    const body = (over = {}, settings = {}) => ({ ...DOC_BODY, ...over, exportDataSettings: { ...DOC_BODY.exportDataSettings, ...settings } });
    const started = async (p, b) => {
      const res = await postJson(p, b);
      const answer = await res.json();
      res.status.should.equal(200, JSON.stringify(answer));
      return answer;
    };
    /** The finished job's output: In-line rows, or the first document's response. */
    const output = async (answer, headers = {}) => {
      sim.setJob(answer.jobId, { jobStatus: 'Completed' });
      const job = sim.getJob(answer.jobId);
      if (job.responseType === 'In-line JSON') return { job, rows: JSON.parse(job.response) };
      const [doc] = documentsOf(job);
      return { job, doc, res: await fetch(doc.DownloadLink, { headers }) };
    };
    const csvLines = async (res) => (await res.text()).trim().split('\n');

    it('accepts the documented body on both paths: a queued job with a timestamped GUID, its scope in capitals, small JSON In-line', async () => {
      for (const p of [LATEST, EARLIER]) {
        const answer = await started(p, DOC_BODY);
        answer.should.have.keys('jobId', 'jobStatus', 'publishLink', 'publishLinkAccessScope');
        answer.jobId.should.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d{17}$/);
        answer.jobStatus.should.equal('Queued');
        answer.publishLinkAccessScope.should.equal('PUBLIC');
        const { job, rows } = await output(answer);
        job.subCategoryName.should.equal('View export');
        job.publishLinkAccessScope.should.equal('Public');
        rows.length.should.equal(25);
        Object.keys(rows[0]).should.eql(ORDER_COLUMNS);
        rows[1].should.eql({ orderNo: 'SO100001', customer: 'Coastal Kids', customerPO: 'PO-7013', orderDate: '2026-01-06', startDate: '2026-01-20', cancelDate: '2026-02-20', status: 'Hold', warehouse: 'WEST', totalQty: 65, totalAmount: 485.55 });
      }
      sim.log.map((e) => e.path).should.eql([LATEST, EARLIER]);
    });

    it('writes CSV and real Excel files with the columns of the Source, the same rows every time', async () => {
      const csv = await output(await started(LATEST, body({ outputFormat: 'csv' })));
      csv.doc.Type.should.equal('.csv');
      csv.doc.documentName.should.match(/^All_orders_\d{14}\.csv$/);
      const lines = await csvLines(csv.res);
      lines.length.should.equal(26);
      lines[0].should.equal(ORDER_COLUMNS.join(','));
      lines[1].should.equal('SO100000,Bloom Boutique,PO-7000,2026-01-05,2026-01-19,2026-02-19,Open,MAIN,12,78.00');
      const again = await output(await started(EARLIER, body({ outputFormat: 'CSV' })));
      (await csvLines(again.res)).should.eql(lines);

      const excel = await output(await started(LATEST, body({ outputFormat: 'excel' }, { Source: 'invoices', viewName: 'BALANCE OWING' })));
      excel.doc.Type.should.equal('.xlsx');
      const [sheet] = await readXlsx(Buffer.from(await excel.res.arrayBuffer()));
      sheet.data.length.should.equal(26);
      sheet.data[0].should.eql(['invoiceNo', 'orderNo', 'customer', 'invoiceDate', 'dueDate', 'terms', 'totalQty', 'invoiceAmount', 'balance']);
      sheet.data[1][0].should.equal('INV300000');
      sheet.data[2][7].should.be.a.Number();
    });

    it('serves a big JSON result as a .json document, and as many rows as exportRows says', async () => {
      sim.setConfig({ exportRows: 101 });
      const big = await output(await started(LATEST, DOC_BODY));
      big.job.responseType.should.equal('Publishlink');
      big.doc.Type.should.equal('.json');
      const rows = await big.res.json();
      rows.length.should.equal(101);
      rows[100].orderNo.should.equal('SO100100');
      sim.setConfig({ exportRows: 100 });
      (await output(await started(LATEST, DOC_BODY))).rows.length.should.equal(100);
      sim.setConfig({ exportRows: 3 });
      (await output(await started(LATEST, body({ outputFormat: 'csv' })))).doc.should.be.ok();
      (await csvLines((await output(await started(LATEST, body({ outputFormat: 'csv' })))).res)).length.should.equal(4);
    });

    it('keeps the requested scope: Public without auth, Private and PeopleInOrganization with the bearer token only', async () => {
      for (const [scope, shown] of [['private', 'PRIVATE'], ['People in Organization', 'PEOPLEINORGANIZATION'], ['PUBLIC', 'PUBLIC']]) {
        const answer = await started(LATEST, body({ outputFormat: 'CSV', publishLinkAccessScope: scope }));
        answer.publishLinkAccessScope.should.equal(shown);
        answer.publishLink.should.startWith(`${sim.url}/documentmanagement/v1.0/aimsdocument/`);
        const anonymous = await output(answer);
        anonymous.res.status.should.equal(shown === 'PUBLIC' ? 200 : 403, scope);
        (await fetch(answer.publishLink, { headers: AUTH })).status.should.equal(200);
      }
    });

    it('has plausible columns for common Sources and generic ones for the rest', async () => {
      const columnsOf = async (Source, viewName) => Object.keys((await output(await started(LATEST, body({}, { Source, viewName })))).rows[0]);
      (await columnsOf('Styles', 'Active Styles')).should.containEql('wholesalePrice');
      (await columnsOf('Purchase Orders', "Open PO's")).should.eql(['poNo', 'vendor', 'poDate', 'expectedDate', 'status', 'warehouse', 'totalQty', 'totalCost']);
      (await columnsOf('Shipments', 'All Shipments')).should.containEql('trackingNo');
      (await columnsOf('Invoices', 'All Invoices')).should.containEql('balance');
      const zip = (await output(await started(LATEST, body({}, { Source: 'Zip Codes', viewName: 'Default View' })))).rows;
      Object.keys(zip[0]).should.eql(['code', 'name', 'status', 'createdDate', 'modifiedDate', 'modifiedBy']);
      zip[0].should.containEql({ code: 'ZC1000', name: 'Zip Codes 1' });
    });

    it('answers 400 with the reason for a missing or wrong field, and starts no job', async () => {
      const cases = [
        [body({ exportType: undefined }), 'The exportType field is required.'],
        [body({ exportType: 'Report' }), "The exportType 'Report' is not supported. Use View."],
        // Without it the earlier path reads the older simulator body (below).
        [{ ...DOC_BODY, exportDataSettings: undefined }, 'The exportDataSettings field is required.', [LATEST]],
        [{ ...DOC_BODY, exportDataSettings: 'Orders' }, 'The exportDataSettings field must be an object.'],
        [body({}, { Source: '' }), 'The exportDataSettings.Source field is required.'],
        [body({}, { Source: 7 }), 'The exportDataSettings.Source field must be a string.'],
        [body({}, { viewName: undefined }), 'The exportDataSettings.viewName field is required.'],
        [body({}, { Source: 'Orderz' }), "The Source 'Orderz' is not valid."],
        [body({}, { viewName: 'Orders of the moon' }), "The view 'Orders of the moon' was not found for the Source 'Orders'."],
        [body({}, { Source: 'Styles' }), "The view 'All orders' was not found for the Source 'Styles'."],
        [body({ exportCriteriaVersion: undefined }), 'The exportCriteriaVersion field is required.'],
        [body({ exportCriteriaVersion: 'v2.0' }), "The exportCriteriaVersion 'v2.0' is not supported. Use v1.0."],
        [body({ outputFormat: undefined }), 'The outputFormat field is required.'],
        [body({ outputFormat: 'PDF' }), "The outputFormat 'PDF' is not valid. Use CSV, Excel or JSON."],
        [body({ publishLinkAccessScope: undefined }), 'The publishLinkAccessScope field is required.'],
        [body({ publishLinkAccessScope: 'Everyone' }), "The publishLinkAccessScope 'Everyone' is not valid. Use Public, Private or PeopleInOrganization."],
        [[DOC_BODY], 'The request is invalid.'],
      ];
      for (const [b, message, paths = [LATEST, EARLIER]] of cases) {
        for (const p of paths) {
          const res = await postJson(p, b);
          res.status.should.equal(400, `${p} ${JSON.stringify(b)}`);
          (await res.json()).should.eql({ Message: message });
        }
      }
      // The older simulator body is read on the earlier path only.
      (await postJson(LATEST, { exportType: 'View', outputFormat: 'csv' })).status.should.equal(400);
      (await postJson(LATEST, DOC_BODY, {})).status.should.equal(401);
      sim.listJobs().length.should.equal(0);
      // The documentation's lower-case `source` is read too.
      await started(LATEST, { ...DOC_BODY, exportDataSettings: { source: 'Orders', viewName: 'Open Orders' } });
    });

    it('exports custom views: one by default, more added, none after clearing, the default back on reset', async () => {
      const custom = (Source, viewName) => postJson(LATEST, body({}, { Source, viewName }));
      sim.listCustomViews().should.eql([{ source: 'Orders', viewName: 'My Open Orders' }]);
      (await custom('Orders', 'my open orders')).status.should.equal(200);
      (await custom('Orders', 'Weekly Bookings')).status.should.equal(400);
      sim.addCustomView({ source: 'orders', viewName: 'Weekly Bookings' });
      sim.addCustomView({ source: 'Showroom Samples', viewName: 'Everything' });
      sim.addCustomView({ source: 'Orders', viewName: 'WEEKLY BOOKINGS' }).length.should.equal(3);
      const weekly = await output(await started(LATEST, body({}, { Source: 'Orders', viewName: 'Weekly Bookings' })));
      Object.keys(weekly.rows[0]).should.eql(ORDER_COLUMNS);
      const samples = await output(await started(EARLIER, body({}, { Source: 'showroom samples', viewName: 'Everything' })));
      samples.rows[0].name.should.equal('Showroom Samples 1');
      (() => sim.addCustomView({ source: 'Orders' })).should.throw(/viewName/);
      sim.clearCustomViews();
      (await custom('Orders', 'My Open Orders')).status.should.equal(400);
      sim.reset();
      (await custom('Orders', 'My Open Orders')).status.should.equal(200);
      const none = await another({ customViews: [{ source: 'Styles', viewName: 'Core Basics' }] });
      none.listCustomViews().should.eql([{ source: 'Styles', viewName: 'Core Basics' }]);
    });

    it('switches either path to 404, as an API without it, until turned back on or reset', async () => {
      sim.setExportPathServed('latest', false);
      const missing = await postJson(LATEST, DOC_BODY, {});
      missing.status.should.equal(404);
      (await missing.json()).should.eql({ Message: 'No HTTP resource was found that matches the request URI' });
      (await get(LATEST)).status.should.equal(404);
      await started(EARLIER, DOC_BODY);
      sim.setExportPathServed('earlier', false);
      (await postJson(EARLIER, DOC_BODY)).status.should.equal(404);
      sim.setExportPathServed('latest', true);
      await started(LATEST, DOC_BODY);
      sim.reset();
      await started(EARLIER, DOC_BODY);
      (() => sim.setExportPathServed('newest', false)).should.throw();
      const old = await another({ exportPaths: { latest: false } });
      const oldPost = (p) => fetch(old.url + p, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify(DOC_BODY) });
      (await oldPost(LATEST)).status.should.equal(404);
      (await oldPost(EARLIER)).status.should.equal(200);
      old.reset();
      (await oldPost(LATEST)).status.should.equal(404);
    });
  });

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
        token: TOKEN, pageSize: 100, nextLinkHost: null, rejectCombinedFilter: false, exportQueuedMs: 500, exportRunMs: 2000,
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
      (await control('POST', '/nowhere')).status.should.equal(404);
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

  describe('command line', () => {
    it('prints the URL and token, serves, and exits cleanly on SIGTERM', async function () {
      this.timeout(10000);
      const cli = path.join(__dirname, '..', '..', 'dist', 'simulator', 'cli.js');
      const child = spawn(process.execPath, [cli, '--port', '0', '--token', 'cli-token', '--demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        let out = '';
        const url = await new Promise((resolve, reject) => {
          child.stdout.on('data', (d) => {
            out += d;
            const m = /listening on (http:\/\/\S+)/.exec(out);
            if (m && out.includes('cli-token')) resolve(m[1]);
          });
          child.once('exit', (code) => reject(new Error(`cli exited early with ${code}`)));
        });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        const res = await fetch(`${url}${JOBS}`, { headers: { authorization: 'Bearer cli-token' } });
        res.status.should.equal(200);
        (await res.json()).value.length.should.be.aboveOrEqual(6);
        const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
        child.kill('SIGTERM');
        (await exited).should.eql({ code: 0, signal: null });
        // Bound to loopback: nothing to warn about.
        err.should.equal('');
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });

    it('warns loudly when bound beyond loopback, and answers the names given with --allow-host', async function () {
      this.timeout(10000);
      const cli = path.join(__dirname, '..', '..', 'dist', 'simulator', 'cli.js');
      const child = spawn(process.execPath, [cli, '--port', '0', '--host', '0.0.0.0', '--allow-host', 'sim.lan,sim.home'], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        let out = '';
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        const url = await new Promise((resolve, reject) => {
          child.stdout.on('data', (d) => {
            out += d;
            const m = /listening on (http:\/\/\S+)/.exec(out);
            if (m) resolve(m[1]);
          });
          child.once('exit', (code) => reject(new Error(`cli exited early with ${code}: ${err}`)));
        });
        err.should.match(/WARNING: the simulator listens on 0\.0\.0\.0 \(every network interface\)/);
        err.should.match(/no authentication/);
        for (const host of ['sim.lan', 'sim.home:8360', 'localhost']) (await rawRequest(`${url}/_sim/`, { headers: { host } })).status.should.equal(200, host);
        (await rawRequest(`${url}/_sim/`, { headers: { host: 'evil.example' } })).status.should.equal(403);
      } finally {
        child.kill('SIGKILL');
      }
    });

    it('refuses unknown options', async () => {
      const cli = path.join(__dirname, '..', '..', 'dist', 'simulator', 'cli.js');
      const child = spawn(process.execPath, [cli, '--bogus'], { stdio: ['ignore', 'ignore', 'pipe'] });
      const code = await new Promise((resolve) => child.once('exit', resolve));
      code.should.equal(2);
    });
  });
});
