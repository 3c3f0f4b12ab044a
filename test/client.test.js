require('should');
const { AimsClient } = require('../dist/src/lib/client.js');
const { fetchJob, queryJobs, JOBS_PATH } = require('../dist/src/lib/jobs-endpoint.js');
const { startSim, apiCalls, rejection, TOKEN } = require('./support/sim');

const FAST_RETRY = { baseDelayMs: 10, maxDelayMs: 50 };


describe('AimsClient against the simulator', function () {
  let sim;
  const clients = [];
  const client = (options = {}) => {
    const c = new AimsClient({ baseUrl: sim.url, auth: { type: 'token', token: TOKEN }, timeout: 2000, retry: FAST_RETRY, ...options });
    clients.push(c);
    return c;
  };

  before(async () => {
    sim = await startSim();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  it('reads one job with the bearer token and a strictly encoded $filter', async () => {
    const job = sim.addJob({ jobId: 'job-1' });
    const found = await fetchJob(client(), 'job-1');
    found.jobID.should.equal(job.jobID);
    const [call] = apiCalls(sim);
    call.headers.authorization.should.equal(`Bearer ${TOKEN}`);
    call.query.should.containEql('%20eq%20');
    call.query.should.not.containEql('+');
  });

  it('answers JOB_NOT_FOUND for an unknown id and BAD_INPUT before any request for a bad one', async () => {
    (await rejection(fetchJob(client(), 'nope'))).code.should.equal('JOB_NOT_FOUND');
    sim.clearLog();
    for (const bad of ["x' or jobStatus eq 'Failed", '', 'a b', 'a'.repeat(129), '../x']) {
      (await rejection(fetchJob(client(), bad))).code.should.equal('BAD_INPUT');
    }
    sim.log.length.should.equal(0);
  });

  for (const status of [429, 502, 503, 504]) {
    it(`retries ${status} and then succeeds`, async () => {
      sim.addJob({ jobId: 'job-r' });
      sim.addFault({ type: 'status', status, times: 2, match: { path: JOBS_PATH } });
      await fetchJob(client(), 'job-r');
      apiCalls(sim).length.should.equal(3);
    });
  }

  it('retries a connection reset and a truncated body', async () => {
    sim.addJob({ jobId: 'job-n' });
    sim.addFault({ type: 'reset', times: 1 });
    sim.addFault({ type: 'truncated', times: 1 });
    await fetchJob(client(), 'job-n');
    apiCalls(sim).length.should.equal(3);
  });

  it('gives up after the retry limit with the right code', async () => {
    sim.addFault({ type: 'status', status: 429, times: -1 });
    const err = await rejection(fetchJob(client({ retry: { ...FAST_RETRY, limit: 2 } }), 'job-x'));
    err.code.should.equal('RATE_LIMITED');
    err.status.should.equal(429);
    apiCalls(sim).length.should.equal(3);
    sim.clearLog();
    sim.clearFaults();
    sim.addFault({ type: 'status', status: 503, times: -1 });
    const err503 = await rejection(fetchJob(client({ retry: { ...FAST_RETRY, limit: 1 } }), 'job-x'));
    err503.code.should.equal('API_ERROR');
    err503.status.should.equal(503);
    sim.clearFaults();
    sim.addFault({ type: 'reset', times: -1 });
    (await rejection(fetchJob(client({ retry: { ...FAST_RETRY, limit: 1 } }), 'job-x'))).code.should.equal('NETWORK');
  });

  it('honours Retry-After in seconds', async () => {
    sim.addJob({ jobId: 'job-ra' });
    sim.addFault({ type: 'status', status: 429, retryAfter: 1, times: 1 });
    const started = Date.now();
    await fetchJob(client(), 'job-ra');
    (Date.now() - started).should.be.aboveOrEqual(950);
  });

  it('stops retrying when the total retry time would pass its bound', async () => {
    sim.addFault({ type: 'status', status: 503, retryAfter: 5, times: -1 });
    const started = Date.now();
    const err = await rejection(fetchJob(client({ retry: { ...FAST_RETRY, maxTotalMs: 1000 } }), 'job-x'));
    err.code.should.equal('API_ERROR');
    (Date.now() - started).should.be.below(1000);
    apiCalls(sim).length.should.equal(1);
  });

  it('does not retry 500, 400, 403 or 410, nor a malformed body', async () => {
    // 410 is LINK_EXPIRED only from a document link (output.test.js), not from the API.
    for (const [status, code] of [[500, 'API_ERROR'], [400, 'API_ERROR'], [403, 'AUTH_FAILED'], [410, 'API_ERROR']]) {
      sim.clearLog();
      sim.addFault({ type: 'status', status, times: 1, body: '{"Message":"no way"}' });
      const err = await rejection(fetchJob(client(), 'job-x'));
      err.code.should.equal(code);
      err.status.should.equal(status);
      err.message.should.containEql('no way');
      apiCalls(sim).length.should.equal(1);
    }
    sim.clearLog();
    sim.addFault({ type: 'malformed', times: 1 });
    (await rejection(fetchJob(client(), 'job-x'))).code.should.equal('BAD_RESPONSE');
    apiCalls(sim).length.should.equal(1);
  });

  it('answers TIMEOUT when the API hangs past the timeout', async function () {
    sim.addFault({ type: 'hang', times: -1 });
    const err = await rejection(fetchJob(client({ timeout: 200, retry: { ...FAST_RETRY, limit: 1 } }), 'job-x'));
    err.code.should.equal('TIMEOUT');
    apiCalls(sim).length.should.equal(2);
  });

  it('does not retry a POST unless asked', async () => {
    const posts = () => sim.log.filter((entry) => entry.path === '/reports/v1.0/exportdata').length;
    sim.addFault({ type: 'status', status: 503, times: 1 });
    (await rejection(client().request('/reports/v1.0/exportdata', { method: 'POST', json: {} }))).code.should.equal('API_ERROR');
    posts().should.equal(1);
    sim.addFault({ type: 'status', status: 503, times: 1 });
    const answer = await client().request('/reports/v1.0/exportdata', { method: 'POST', json: { outputFormat: 'csv' }, retry: true });
    answer.statusCode.should.equal(200);
    posts().should.equal(3);
  });

  it('sends the token only to trusted hosts', async () => {
    const c = client({ trustedHosts: 'files.example.com, *.blob.example.net' });
    c.isTrustedHost('https://files.example.com/x').should.be.true();
    c.isTrustedHost('https://a.blob.example.net/x').should.be.true();
    c.isTrustedHost('https://apiwest.aims360.rest/x').should.be.true();
    c.isTrustedHost('https://evil.example.com/x').should.be.false();
    c.isTrustedHost('https://blob.example.net.evil.com/x').should.be.false();
    (await rejection(c.request('https://evil.example.com/jobs'))).code.should.equal('UNTRUSTED_HOST');
    sim.log.length.should.equal(0);
  });

  it('keeps a path prefix of the base URL and strips a trailing slash', () => {
    const c = client({ baseUrl: 'https://gw.example.com/aims/' });
    c.resolve('/jobsmanagement/x').href.should.equal('https://gw.example.com/aims/jobsmanagement/x');
    c.resolve('reports/v1.0/exportdata').href.should.equal('https://gw.example.com/aims/reports/v1.0/exportdata');
    c.resolve('/aims/jobsmanagement/x?a=1').href.should.equal('https://gw.example.com/aims/jobsmanagement/x?a=1');
  });

  it('refuses bad settings with BAD_INPUT', () => {
    const bad = [
      { baseUrl: 'ftp://x' },
      { baseUrl: 'not a url' },
      { timeout: -1 },
      { timeout: 'abc' },
      { trustedHosts: 'https://files.example.com/path' },
      { trustedHosts: 'ftp://files.example.com' },
      { trustedHosts: 'files.example.com:0' },
      { trustedHosts: 'files.example.com:65536' },
      { trustedHosts: '*.com' },
      { auth: { type: 'token', token: '' } },
      { auth: { type: 'oauth2', tokenUrl: 'http://x/t', clientId: 'a', clientSecret: '', username: 'u', password: 'p' } },
      { auth: { type: 'oauth2', tokenUrl: 'nope', clientId: 'a', clientSecret: 's', username: 'u', password: 'p' } },
    ];
    for (const options of bad) {
      (() => client(options)).should.throw({ code: 'BAD_INPUT' });
    }
    client({ timeout: '1500' }).timeout.should.equal(1500);
  });

  it('follows nextLink on the base URL only, up to maxPages, and stops on an empty page', async () => {
    sim.setConfig({ pageSize: 2, nextLinkHost: 'elsewhere.example.com' });
    for (let i = 0; i < 5; i++) sim.addJob({ jobId: `page-${i}`, outcome: 'Failed' });
    const all = await queryJobs(client(), { filter: "jobStatus eq 'Failed'" }, 10);
    all.jobs.length.should.equal(5);
    (all.nextLink === undefined).should.be.true();
    sim.log.every((entry) => entry.host.startsWith('127.0.0.1')).should.be.true();
    const some = await queryJobs(client(), { filter: "jobStatus eq 'Failed'" }, 2);
    some.jobs.length.should.equal(4);
    some.nextLink.should.startWith(`${sim.url}/jobsmanagement/`);
  });

  it('stops at an empty page even when it carries a nextLink', async () => {
    const next = `${sim.url}${JOBS_PATH}?$skip=2`;
    sim.addFault({ type: 'status', status: 200, body: JSON.stringify({ value: [], '@odata.nextLink': next }), times: -1, match: { path: JOBS_PATH } });
    const result = await queryJobs(client(), { filter: "jobStatus eq 'Failed'" }, 10);
    result.jobs.length.should.equal(0);
    (result.nextLink === undefined).should.be.true();
    apiCalls(sim).length.should.equal(1);
  });

  it('answers JOB_NOT_FOUND when the answer holds only other jobs', async () => {
    const other = JSON.stringify({ value: [{ jobID: 'job-other', jobStatus: 'Completed' }] });
    sim.addFault({ type: 'status', status: 200, body: other, times: 1, match: { path: JOBS_PATH } });
    (await rejection(fetchJob(client(), 'job-asked'))).code.should.equal('JOB_NOT_FOUND');
    // Ids are compared without case, as the poller does.
    const upper = JSON.stringify({ value: [{ jobID: 'JOB-ASKED', jobStatus: 'Completed' }] });
    sim.addFault({ type: 'status', status: 200, body: upper, times: 1, match: { path: JOBS_PATH } });
    (await fetchJob(client(), 'job-asked')).jobID.should.equal('JOB-ASKED');
  });

  it('answers BAD_RESPONSE for an answer without a value list', async () => {
    sim.addFault({ type: 'status', status: 200, body: '{"something":1}', times: 1 });
    (await rejection(fetchJob(client(), 'job-x'))).code.should.equal('BAD_RESPONSE');
  });

  it('redacts the token from what the API says back', async () => {
    sim.addFault({ type: 'status', status: 400, body: JSON.stringify({ Message: `bad token ${TOKEN}` }), times: 1 });
    const err = await rejection(fetchJob(client(), 'job-x'));
    err.message.should.not.containEql(TOKEN);
    JSON.stringify(err).should.not.containEql(TOKEN);
    String(err.stack).should.not.containEql(TOKEN);
  });

  it('ends requests in flight on close', async () => {
    sim.addFault({ type: 'hang', times: -1 });
    const c = client({ timeout: 60000 });
    const pending = rejection(fetchJob(c, 'job-x'));
    await new Promise((r) => setTimeout(r, 100));
    c.close();
    (await pending).code.should.equal('NETWORK');
    (await rejection(fetchJob(c, 'job-x'))).code.should.equal('NETWORK');
  });

  describe('OAuth2 password grant', () => {
    const oauth = (extra = {}) => ({
      type: 'oauth2',
      tokenUrl: `${sim.url}/connect/token`,
      clientId: 'sim-client',
      clientSecret: 'sim-secret',
      username: 'operator@example.com',
      password: 'sim-password',
      ...extra,
    });
    const tokenCalls = () => sim.log.filter((entry) => entry.path === '/connect/token');

    it('fetches one token for many concurrent requests and reuses it', async () => {
      sim.addJob({ jobId: 'job-o' });
      const c = client({ auth: oauth() });
      await Promise.all(Array.from({ length: 20 }, () => fetchJob(c, 'job-o')));
      await fetchJob(c, 'job-o');
      tokenCalls().length.should.equal(1);
      apiCalls(sim).every((e) => /^Bearer .+/.test(e.headers.authorization)).should.be.true();
    });

    it('fetches a new token when the old one expires', async function () {
      await sim.close();
      sim = await startSim({ oauth: { tokenTtlSeconds: 1 } });
      sim.addJob({ jobId: 'job-e' });
      const c = client({ auth: oauth() });
      await fetchJob(c, 'job-e');
      await new Promise((r) => setTimeout(r, 1100));
      await fetchJob(c, 'job-e');
      tokenCalls().length.should.equal(2);
      apiCalls(sim).filter((e) => e.status === 401).length.should.equal(0);
    });

    it('on a 401 fetches a token again once and retries the request', async () => {
      sim.addJob({ jobId: 'job-401' });
      const c = client({ auth: oauth() });
      await fetchJob(c, 'job-401');
      sim.expireTokens();
      await fetchJob(c, 'job-401');
      tokenCalls().length.should.equal(2);
      apiCalls(sim).map((e) => e.status).should.eql([200, 401, 200]);
    });

    it('retries a 401 only once per request', async () => {
      const c = client({ auth: oauth() });
      sim.addFault({ type: 'status', status: 401, times: -1, match: { path: JOBS_PATH } });
      (await rejection(fetchJob(c, 'job-x'))).code.should.equal('AUTH_FAILED');
      apiCalls(sim).length.should.equal(2);
      tokenCalls().length.should.equal(2);
    });

    it('does not retry a 401 with a static token', async () => {
      const c = client({ auth: { type: 'token', token: 'wrong-token' } });
      const err = await rejection(fetchJob(c, 'job-x'));
      err.code.should.equal('AUTH_FAILED');
      err.status.should.equal(401);
      apiCalls(sim).length.should.equal(1);
    });

    it('answers AUTH_FAILED for a wrong password, without leaking it', async () => {
      const c = client({ auth: oauth({ password: 'wrong-password-123' }) });
      const err = await rejection(fetchJob(c, 'job-x'));
      err.code.should.equal('AUTH_FAILED');
      JSON.stringify({ m: err.message, s: err.stack }).should.not.containEql('wrong-password-123');
      apiCalls(sim).length.should.equal(0);
    });
  });
});
