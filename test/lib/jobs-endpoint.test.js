// src/lib/jobs-endpoint.ts: fetchJob and queryJobs, through a client whose answers the test
// writes (no network), and against the simulator: what they hand back for the answers AIMS360
// can give, and how the page reader follows nextLinks.
const should = require('should');
const { AimsClient } = require('../../dist/src/lib/client.js');
const { fetchJob, queryJobs, JOBS_PATH } = require('../../dist/src/lib/jobs-endpoint.js');
const { startSim, apiCalls, rejection, TOKEN } = require('../support/sim');

const BASE = 'https://apiwest.aims360.rest';

/** A real client (resolve, trusted hosts) whose requestJson answers the given bodies in turn. */
function scriptedClient(...bodies) {
  const client = new AimsClient({ baseUrl: BASE, auth: { type: 'token', token: 't' } });
  client.calls = [];
  client.requestJson = async (target, options = {}) => {
    client.calls.push({ target, query: options.query });
    if (bodies.length === 0) throw new Error('no more answers scripted');
    return { statusCode: 200, headers: {}, body: bodies.shift() };
  };
  return client;
}

describe('lib: job queries (jobs-endpoint)', () => {
  it('fetchJob asks by id and gives the job with that id when the answer lists several', async () => {
    // The documented query ($filter=jobId eq '…') retrieves the details of that job;
    // ids are compared without case, as the poller does.
    const client = scriptedClient({
      value: [
        { jobID: 'job-other', jobStatus: 'Failed' },
        { jobID: 'JOB-Asked', jobStatus: 'Completed' },
      ],
    });
    const job = await fetchJob(client, 'job-asked');
    job.jobID.should.equal('JOB-Asked');
    client.calls.should.have.length(1);
    client.calls[0].target.should.equal(JOBS_PATH);
    client.calls[0].query.should.equal("$filter=jobId%20eq%20'job-asked'");
  });

  it('fetchJob answers JOB_NOT_FOUND for an empty list, BAD_RESPONSE without one', async () => {
    (await rejection(fetchJob(scriptedClient({ value: [] }), 'job-gone'))).should.match({
      code: 'JOB_NOT_FOUND', message: 'AIMS360 knows no job job-gone: check the id, or the job was purged.',
    });
    const err = await rejection(fetchJob(scriptedClient({ items: [] }), 'job-x'));
    err.code.should.equal('BAD_RESPONSE');
    err.message.should.match(/"value" list/);
    (await rejection(fetchJob(scriptedClient({ value: [1, 2] }), 'job-x'))).code.should.equal('BAD_RESPONSE');
  });

  it('queryJobs follows nextLinks on the base URL and joins the pages', async () => {
    const client = scriptedClient(
      { value: [{ jobId: 'a' }], '@odata.nextLink': 'https://elsewhere.example/jobsmanagement/odata/v1.0/backgroundjob?$skip=1' },
      { value: [{ jobId: 'b' }] },
    );
    const result = await queryJobs(client, { filter: "jobStatus eq 'Failed'" }, 5);
    result.jobs.map((j) => j.jobId).should.eql(['a', 'b']);
    should(result.nextLink).be.undefined();
    // The first page is asked with the query; the next only by the link's path and query,
    // so the token never goes to another host.
    client.calls[0].should.eql({ target: JOBS_PATH, query: "$filter=jobStatus%20eq%20'Failed'" });
    client.calls[1].should.eql({ target: '/jobsmanagement/odata/v1.0/backgroundjob?$skip=1', query: undefined });
  });

  it('queryJobs stops at an empty page even when it carries a nextLink', async () => {
    // Otherwise a server that always sends a nextLink is read to maxPages and
    // reported as having pages left.
    const client = scriptedClient(
      { value: [{ jobId: 'a' }], '@odata.nextLink': `${BASE}${JOBS_PATH}?$skip=1` },
      { value: [], '@odata.nextLink': `${BASE}${JOBS_PATH}?$skip=2` },
      { value: [{ jobId: 'never' }] },
    );
    const result = await queryJobs(client, {}, 10);
    result.jobs.map((j) => j.jobId).should.eql(['a']);
    should(result.nextLink).be.undefined();
    client.calls.should.have.length(2);
  });

  it('queryJobs stops after maxPages and says where reading stopped, on the base URL', async () => {
    const client = scriptedClient(
      { value: [{ jobId: 'a' }], '@odata.nextLink': 'https://other.example/x?$skip=1' },
      { value: [{ jobId: 'b' }], '@odata.nextLink': 'https://other.example/x?$skip=2' },
    );
    const result = await queryJobs(client, {}, 2);
    result.jobs.should.have.length(2);
    result.nextLink.should.equal(`${BASE}/x?$skip=2`);
  });

  it('queryJobs takes a nextLink only as text: any other value ends the list', async () => {
    for (const next of [5, true, { href: '/x' }]) {
      const client = scriptedClient({ value: [{ jobId: 'a' }], '@odata.nextLink': next });
      const result = await queryJobs(client, {}, 5);
      result.jobs.map((j) => j.jobId).should.eql(['a'], JSON.stringify(next));
      should(result.nextLink).be.undefined();
      client.calls.should.have.length(1);
    }
  });

  it('queryJobs answers BAD_RESPONSE for a nextLink that is not a URL', async () => {
    const client = scriptedClient({ value: [{ jobId: 'a' }], '@odata.nextLink': 'http://[not a host' });
    const err = await rejection(queryJobs(client, {}, 5));
    err.code.should.equal('BAD_RESPONSE');
    err.message.should.match(/nextLink/);
  });
});

const FAST_RETRY = { baseDelayMs: 10, maxDelayMs: 50 };

describe('lib: job queries against the simulator', function () {
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

  it('answers JOB_NOT_FOUND for an unknown id and BAD_INPUT before any request for a bad one', async () => {
    (await rejection(fetchJob(client(), 'nope'))).code.should.equal('JOB_NOT_FOUND');
    sim.clearLog();
    for (const bad of ["x' or jobStatus eq 'Failed", '', 'a b', 'a'.repeat(129), '../x']) {
      (await rejection(fetchJob(client(), bad))).code.should.equal('BAD_INPUT');
    }
    sim.log.length.should.equal(0);
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
});
