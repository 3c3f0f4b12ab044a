// src/lib/recent-jobs.ts, the sidebar's "Recent jobs": what it asks AIMS360 and what it shows,
// through a client whose answers the test writes.
const should = require('should');
const { AimsError } = require('../../dist/src/lib/errors.js');
const { readRecentQuery, recentJobs } = require('../../dist/src/lib/recent-jobs.js');
const { badInput, scriptedClient } = require('../support/lib');

const NOW = Date.parse('2026-03-10T12:00:00.000Z');


const jobs = (...statuses) => ({ value: statuses.map((jobStatus, i) => ({ jobId: `job-${i}`, jobStatus })) });

describe('lib: recent jobs (sidebar)', () => {
  it('reads the URL parameters: 24 hours and 100 jobs by default, a status in any spelling', () => {
    readRecentQuery({}).should.eql({ hours: 24, status: undefined, top: 100 });
    readRecentQuery({ hours: '1', top: '300', status: 'in progress' }).should.eql({ hours: 1, status: 'Inprogress', top: 300 });
    readRecentQuery({ hours: '8760', status: '' }).hours.should.equal(8760);
  });

  it('refuses parameters out of range or unknown with BAD_INPUT', () => {
    for (const query of [{ hours: '0' }, { hours: '8761' }, { hours: '1.5' }, { top: '0' }, { top: '301' }, { status: 'Done' }, { status: 3 }]) {
      (() => readRecentQuery(query)).should.throw({ code: 'BAD_INPUT' }, JSON.stringify(query));
    }
    (() => readRecentQuery({ status: 'Done' })).should.throw(/Queued, Inprogress, Completed, Failed/);
  });

  it('asks for the jobs created since `hours` ago, newest first, at most top', async () => {
    const client = scriptedClient(jobs('Queued', 'Completed', 'Failed'));
    const { jobs: list, truncated } = await recentJobs(client, { hours: 2, top: 2 }, undefined, NOW);
    truncated.should.be.false();
    list.map((j) => j.jobId).should.eql(['job-0', 'job-1']);
    client.queries.should.eql(['$filter=createdDate ge 2026-03-10T10:00:00.000Z&$orderby=createdDate desc&$top=2']);
  });

  it('asks with the status when one is chosen', async () => {
    const client = scriptedClient(jobs('Failed', 'Failed'));
    const { jobs: list } = await recentJobs(client, { hours: 1, status: 'Failed', top: 1 }, undefined, NOW);
    list.should.have.length(1);
    client.queries.should.eql([
      "$filter=createdDate ge 2026-03-10T11:00:00.000Z and jobStatus eq 'Failed'&$orderby=createdDate desc&$top=1",
    ]);
  });

  it('asks by date only and keeps the status itself when the API refuses the combined filter (400)', async () => {
    const refused = new AimsError('API_ERROR', 'AIMS360 answered 400.', 400);
    const client = scriptedClient(refused, jobs('Completed', 'Failed', 'Completed', 'Completed'));
    const { jobs: list } = await recentJobs(client, { hours: 1, status: 'Completed', top: 2 }, undefined, NOW);
    list.map((j) => j.jobId).should.eql(['job-0', 'job-2']);
    client.queries.should.have.length(2);
    // No $top on the date-only query: the status is filtered here, after it.
    client.queries[1].should.equal('$filter=createdDate ge 2026-03-10T11:00:00.000Z&$orderby=createdDate desc');
  });

  it('reads at most 3 pages, and says so when jobs may be missing for it', async () => {
    const page = (n) => ({ value: [{ jobId: `job-${n}`, jobStatus: 'Failed' }], '@odata.nextLink': `https://apiwest.aims360.rest/x?$skip=${n + 1}` });
    const paged = () => scriptedClient(page(0), page(1), page(2), page(3), page(4));
    const client = paged();
    const read = await recentJobs(client, { hours: 1, top: 100 }, undefined, NOW);
    read.jobs.map((j) => j.jobId).should.eql(['job-0', 'job-1', 'job-2']);
    read.truncated.should.be.true();
    client.queries.should.have.length(3);
    // Filtered here (the API refused the status filter): one refusal and the same 3 pages.
    const refused = new AimsError('API_ERROR', 'AIMS360 answered 400.', 400);
    const filtering = scriptedClient(refused, page(0), page(1), page(2), page(3));
    (await recentJobs(filtering, { hours: 1, status: 'Failed', top: 100 }, undefined, NOW)).truncated.should.be.true();
    filtering.queries.should.have.length(4);
    // As many as asked for: nothing is missing.
    (await recentJobs(paged(), { hours: 1, top: 2 }, undefined, NOW)).truncated.should.be.false();
  });

  it('passes on every other failure as it is, asking once', async () => {
    for (const err of [new AimsError('API_ERROR', '500', 500), new AimsError('AUTH_FAILED', '400?', 400), new AimsError('NETWORK', 'down')]) {
      const client = scriptedClient(err);
      const thrown = await recentJobs(client, { hours: 1, status: 'Failed', top: 5 }, undefined, NOW).catch((e) => e);
      should(thrown).equal(err);
      client.queries.should.have.length(1);
    }
  });
});


describe('lib: the sidebar\'s query at its edges', () => {
  it('recent jobs: hours and top are whole numbers in range, status one we know', () => {
    readRecentQuery({}).should.eql({ hours: 24, status: undefined, top: 100 });
    readRecentQuery({ hours: '48', status: 'failed', top: '10' }).should.eql({ hours: 48, status: 'Failed', top: 10 });
    (() => readRecentQuery({ hours: '0' })).should.throw(badInput('hours must be a whole number from 1 to 8760.'));
    (() => readRecentQuery({ top: '2.5' })).should.throw(badInput('top must be a whole number from 1 to 300.'));
    (() => readRecentQuery({ status: ['Failed'] })).should.throw(badInput('status must be one of Queued, Inprogress, Completed, Failed.'));
  });
});
