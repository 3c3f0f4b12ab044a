// src/lib/job.ts: the API's job objects read tolerantly (ids, statuses, scopes and canReRun in
// every spelling, null as absent, other types refused).
const should = require('should');
const job = require('../../dist/src/lib/job.js');
const { readJobId, readJobStatus, readScope, readPercent, readCanReRun, isFinished, namedJob } = job;
const { jobDocuments, isPublishlink, needsToken } = require('../../dist/src/lib/job-output.js');

describe('lib: reading jobs tolerantly', () => {
  it('reads both id spellings, statuses in any case and the scope spellings', () => {
    readJobId({ jobID: 'a' }).should.equal('a');
    readJobId({ jobId: 'b' }).should.equal('b');
    (readJobId({ jobId: 3 }) === undefined).should.be.true();
    readJobStatus({ jobStatus: 'InProgress' }).should.equal('Inprogress');
    readJobStatus({ jobStatus: 'COMPLETED' }).should.equal('Completed');
    (readJobStatus({ jobStatus: 'Weird' }) === undefined).should.be.true();
    readPercent({ percentCompleted: '40' }).should.equal(40);
    ['Public', 'PUBLIC', 'public'].forEach((s) => readScope(s).should.equal('Public'));
    ['PeopleInOrganization', 'People in Organization', 'PEOPLE_IN_ORGANIZATION'].forEach((s) => readScope(s).should.equal('PeopleInOrganization'));
    (readScope('Everyone') === undefined).should.be.true();
  });

  it('reads a null as absent, for the job and its documents alike', () => {
    readJobId({ jobId: null, jobID: 'a' }).should.equal('a');
    readJobStatus({ jobStatus: null, JobStatus: 'Failed' }).should.equal('Failed');
    readCanReRun({ canReRun: null, CanReRun: 'Yes' }).should.be.true();
    const job = {
      jobID: 'a', jobStatus: 'Completed', responseType: null, ResponseType: 'Publishlink',
      publishLink: null, PublishLink: 'https://x.aims360.rest/p', publishLinkAccessScope: null, PublishLinkAccessScope: 'Public',
      response: null, Response: JSON.stringify([{ documentName: null, DocumentName: 'r.csv', DownloadLink: null, downloadLink: 'https://x.aims360.rest/d' }]),
    };
    isPublishlink(job).should.be.true();
    needsToken(job).should.be.false();
    jobDocuments(job).should.eql([{ info: { name: 'r.csv', type: 'csv' }, link: 'https://x.aims360.rest/d' }]);
  });
});

describe('lib: job fields', () => {
  it('reads the status in every spelling AIMS360 writes, and JobStatus', () => {
    readJobStatus({ JobStatus: 'in_progress' }).should.equal('Inprogress');
    readJobStatus({ jobStatus: 'Queued' }).should.equal('Queued');
    readJobStatus({ jobStatus: 'failed' }).should.equal('Failed');
    should(readJobStatus({ jobStatus: 3 })).be.undefined();
    should(readJobStatus({})).be.undefined();
  });

  it('reads the percentage as a number only when it is one', () => {
    readPercent({ PercentCompleted: 75 }).should.equal(75);
    should(readPercent({ percentCompleted: 'half' })).be.undefined();
    should(readPercent({})).be.undefined();
  });

  it('reads Private, refuses what is not a scope, and finishes on Completed and Failed only', () => {
    readScope('PRIVATE').should.equal('Private');
    should(readScope(1)).be.undefined();
    isFinished('Completed').should.be.true();
    isFinished('Failed').should.be.true();
    isFinished('Inprogress').should.be.false();
    isFinished(undefined).should.be.false();
    readCanReRun({ canRerun: 'Yes' }).should.be.true();
    readCanReRun({ canReRun: 'Yes', CanReRun: 'No' }).should.be.true();
  });
});

describe('lib: job fields and the job an answer names', () => {
  it('reads canReRun tolerantly and the job an answer names', () => {
    ['Yes', 'YES', 'yes ', true].forEach((v) => readCanReRun({ canReRun: v }).should.be.true());
    readCanReRun({ CanReRun: 'Yes' }).should.be.true();
    ['No', '', undefined, 'Y', false].forEach((v) => readCanReRun({ canReRun: v }).should.be.false());
    namedJob({ jobId: 'a', jobStatus: 'QUEUED' }).should.eql({ jobId: 'a', jobStatus: 'Queued' });
    namedJob({ jobID: 'b' }).should.eql({ jobId: 'b', jobStatus: undefined });
    namedJob({ jobId: 'c', jobStatus: 'Odd' }).should.eql({ jobId: 'c', jobStatus: 'Odd' });
    [undefined, 'a', [{ jobId: 'a' }], { value: [] }, { jobId: 5 }].forEach((v) => (namedJob(v) === undefined).should.be.true());
  });
});

describe('lib: reading the API\'s objects (job.ts)', () => {
  it('takes the first spelling present, null or undefined counting as absent', () => {
    job.readField({ jobId: null, jobID: 'b' }, 'jobId', 'jobID').should.equal('b');
    job.readField({ jobId: undefined, JobId: 'c' }, 'jobId', 'JobId').should.equal('c');
    job.readField({ jobId: 0 }, 'jobId').should.equal(0);
    (job.readField({}, 'jobId') === undefined).should.be.true();
    // Only the object's own fields: not one its prototype lends.
    (job.readField(Object.create({ jobId: 'inherited' }), 'jobId') === undefined).should.be.true();
  });

  it('reads a job id in each of its four spellings, only as text', () => {
    for (const name of ['jobId', 'jobID', 'JobId', 'JobID']) job.readJobId({ [name]: 'j1' }).should.equal('j1', name);
    (job.readJobId({ jobId: 7 }) === undefined).should.be.true();
  });

  it('names the job an answer carries, with its status as sent when it is not one we know', () => {
    job.namedJob({ jobID: 'j2', jobStatus: 'In Progress' }).should.eql({ jobId: 'j2', jobStatus: 'Inprogress' });
    job.namedJob({ JobID: 'j3', JobStatus: 'Paused' }).should.eql({ jobId: 'j3', jobStatus: 'Paused' });
    job.namedJob({ jobId: 'j4' }).should.eql({ jobId: 'j4', jobStatus: undefined });
    (job.namedJob({ JobStatus: 'Queued' }) === undefined).should.be.true();
    (job.namedJob([{ jobId: 'x' }]) === undefined).should.be.true();
  });
});
