// Job queries through a client whose answers the test writes (no network): what
// fetchJob and queryJobs hand back for the answers AIMS360 can give.
const should = require('should');
const { AimsClient } = require('../../dist/src/lib/client.js');
const { checkJobId, odataString, jobIdFilter, buildQueryString, pathAndQuery, fetchJob, queryJobs, JOBS_PATH } = require('../../dist/src/lib/odata.js');
const { rejection } = require('../support/sim');

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

describe('lib: job queries (odata)', () => {
  it('says "No job id" for an empty id, and what an id may hold for a bad one', () => {
    // The two messages tell the user different fixes: set an id, or correct it.
    (() => checkJobId('')).should.throw({ code: 'BAD_INPUT', message: /^No job id/ });
    (() => checkJobId('a b')).should.throw({ code: 'BAD_INPUT', message: /letters, digits/ });
  });

  it('leaves out empty query options and names $skip and $select', () => {
    // An empty filter from the editor must not become "$filter=" (the API would refuse it).
    buildQueryString({ filter: '', orderby: '', top: 5 }).should.equal('$top=5');
    buildQueryString({ skip: 100, select: 'jobId,jobStatus' }).should.equal('$skip=100&$select=jobId%2CjobStatus');
    buildQueryString({ top: 0 }).should.equal('$top=0');
  });

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
    (await rejection(fetchJob(scriptedClient({ value: [] }), 'job-gone'))).code.should.equal('JOB_NOT_FOUND');
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
    // Only the link's path and query are kept: the token never goes to another host.
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

  it('queryJobs answers BAD_RESPONSE for a nextLink that is not a URL', async () => {
    const client = scriptedClient({ value: [{ jobId: 'a' }], '@odata.nextLink': 'http://[not a host' });
    const err = await rejection(queryJobs(client, {}, 5));
    err.code.should.equal('BAD_RESPONSE');
    err.message.should.match(/nextLink/);
  });
});

describe('lib: OData building', () => {
  it('accepts plausible job ids and refuses the rest with BAD_INPUT', () => {
    checkJobId('d29fac30-650a-4ff2-b2b1-acab3c7472ea-20190607060819639').should.be.a.String();
    checkJobId('A_b-9').should.equal('A_b-9');
    for (const bad of [undefined, null, 1, {}, '', ' ', "a'b", 'a b', 'a%20b', 'a&b', 'é', 'x'.repeat(129)]) {
      (() => checkJobId(bad)).should.throw({ code: 'BAD_INPUT' });
    }
  });

  it('doubles quotes inside string literals', () => {
    odataString("O'Brien").should.equal("'O''Brien'");
    jobIdFilter(['a', 'b']).should.equal("jobId eq 'a' or jobId eq 'b'");
  });

  it('encodes spaces as %20, never +, and keeps & and = inside values', () => {
    const q = buildQueryString({ filter: "jobStatus eq 'a&b=c'", top: 5, orderby: 'createdDate desc' });
    q.should.equal("$filter=jobStatus%20eq%20'a%26b%3Dc'&$orderby=createdDate%20desc&$top=5");
    buildQueryString({}).should.equal('');
  });

  it('keeps only path and query of a nextLink', () => {
    pathAndQuery('https://evil.example.com/jobsmanagement/odata/v1.0/backgroundjob?$skip=100').should.equal('/jobsmanagement/odata/v1.0/backgroundjob?$skip=100');
    pathAndQuery('/x?y=1').should.equal('/x?y=1');
  });
});
