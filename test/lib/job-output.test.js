// src/lib/job-output.ts: a finished job's output as the fetch output node reads it, from job
// objects written here in the spellings AIMS360 uses (documents, links, scopes, checks), and
// from the simulator's jobs.
const should = require('should');
const out = { ...require('../../dist/src/lib/job-output.js'), ...require('../../dist/src/lib/formats.js') };
const output = require('../../dist/src/lib/job-output.js');
const { startSim } = require('../support/sim');

const MB = 1024 * 1024;

describe('lib: job output without a download', () => {
  it('tells Publishlink from In-line JSON by responseType in any spelling, else by a publishLink', () => {
    out.isPublishlink({ responseType: 'Publishlink' }).should.be.true();
    out.isPublishlink({ ResponseType: 'PUBLISH LINK' }).should.be.true();
    out.isPublishlink({ responseType: 'In-line JSON', publishLink: 'https://x/y' }).should.be.false();
    out.isPublishlink({ responseType: 'inline_json' }).should.be.false();
    out.isPublishlink({ publishLink: 'https://x/y' }).should.be.true();
    out.isPublishlink({ PublishLink: 'https://x/y' }).should.be.true();
    out.isPublishlink({ publishLink: '' }).should.be.false();
    out.isPublishlink({}).should.be.false();
  });

  it('reads an In-line JSON response from a string, as JSON, or as nothing', () => {
    out.inlineOutput({ response: '{"rows":[1]}' }).should.eql({ rows: [1] });
    out.inlineOutput({ Response: [1, 2] }).should.eql([1, 2]);
    should(out.inlineOutput({ response: '  ' })).be.null();
    should(out.inlineOutput({ response: null })).be.null();
    should(out.inlineOutput({})).be.null();
    (() => out.inlineOutput({ jobId: 'j9', response: 'not json' })).should.throw({ code: 'BAD_RESPONSE', message: 'The response of job j9 is not valid JSON.' });
  });

  it('lists each document with the fields AIMS360 gives, in its spellings', () => {
    const docs = out.jobDocuments({
      jobID: 'j1',
      publishLink: 'https://apieast.aims360.rest/pub',
      response: JSON.stringify([
        { documentName: 'Forecast.xlsx', DownloadLink: 'https://apieast.aims360.rest/d1', SizeInMB: 1.5, Type: '.XLSX', DocumentID: 'id-1', ExpiryDate: '2030-01-01T00:00:00Z' },
        { DocumentName: 'b.CSV', downloadLink: 'https://apieast.aims360.rest/d2', sizeInMB: 0, documentId: 'id-2' },
        { name: 'c', downloadlink: 'https://apieast.aims360.rest/d3', type: 'json', DocumentGUID: 'g-3', expiryDate: '2031-01-01' },
        { SizeInMB: 'n/a' },
      ]),
    });
    docs.should.eql([
      { info: { name: 'Forecast.xlsx', type: 'xlsx', sizeBytes: Math.round(1.5 * MB), expiryDate: '2030-01-01T00:00:00Z', documentId: 'id-1' }, link: 'https://apieast.aims360.rest/d1' },
      { info: { name: 'b.CSV', type: 'csv', documentId: 'id-2' }, link: 'https://apieast.aims360.rest/d2' },
      { info: { name: 'c', type: 'json', expiryDate: '2031-01-01', documentId: 'g-3' }, link: 'https://apieast.aims360.rest/d3' },
      // Nothing but a size: the job's id as name, the publishLink as link.
      { info: { name: 'j1', type: '' }, link: 'https://apieast.aims360.rest/pub' },
    ]);
  });

  it('takes a single document object, and the publishLink alone when none is listed', () => {
    out.jobDocuments({ jobId: 'j2', response: { documentName: 'a.csv', DownloadLink: 'https://x/a' } })
      .should.eql([{ info: { name: 'a.csv', type: 'csv' }, link: 'https://x/a' }]);
    out.jobDocuments({ jobId: 'j3', PublishLink: 'https://x/p', response: '[]' })
      .should.eql([{ info: { name: 'j3', type: '' }, link: 'https://x/p' }]);
    (() => out.jobDocuments({ jobId: 'j4', response: [{ documentName: 'a.csv' }] }))
      .should.throw({ code: 'BAD_RESPONSE', message: 'Document "a.csv" of job j4 has no DownloadLink and the job no publishLink.' });
    (() => out.jobDocuments({ jobId: 'j5', response: '[]' }))
      .should.throw({ code: 'BAD_RESPONSE', message: 'Job j5 is a Publishlink job but lists no document and no publishLink.' });
  });

  it('sends the token unless the scope is Public, in any spelling', () => {
    out.needsToken({ publishLinkAccessScope: 'PUBLIC' }).should.be.false();
    out.needsToken({ PublishLinkAccessScope: 'Public' }).should.be.false();
    out.needsToken({ publishLinkAccessScope: 'Private' }).should.be.true();
    out.needsToken({ publishLinkAccessScope: 'PeopleInOrganization' }).should.be.true();
    // No scope said: the safe side is to authenticate (only ever to a trusted host).
    out.needsToken({}).should.be.true();
  });


  it('takes a job object in msg.payload as the job only when it has id, status and a response', () => {
    out.looksLikeJob({ jobId: 'a', jobStatus: 'Completed', responseType: 'Publishlink' }).should.be.true();
    out.looksLikeJob({ jobID: 'a', jobStatus: 'Completed', response: null }).should.be.true();
    out.looksLikeJob({ jobId: 'a', jobStatus: 'Completed' }).should.be.false();
    out.looksLikeJob({ jobId: 'a', responseType: 'Publishlink' }).should.be.false();
    out.looksLikeJob({ jobStatus: 'Completed', responseType: 'Publishlink' }).should.be.false();
    out.looksLikeJob('a').should.be.false();
  });

  it('says why a job has no output yet, in the user\'s words', () => {
    (() => out.checkCompleted({ jobId: 'j1', jobStatus: 'Failed', jobStatusText: 'View not found' }))
      .should.throw({ code: 'JOB_FAILED', message: 'Job j1 failed: View not found. It has no output: rerun it (rerun job node) and wait for it again.' });
    (() => out.checkCompleted({ jobId: 'j1', jobStatus: 'Failed', jobStatusText: '' })).should.throw({ message: /^Job j1 failed\. It has/ });
    (() => out.checkCompleted({ jobId: 'j2', jobStatus: 'Inprogress' }))
      .should.throw({ code: 'JOB_NOT_COMPLETED', message: 'Job j2 is Inprogress, not Completed: put a wait for job node before this one.' });
    (() => out.checkCompleted({})).should.throw({ code: 'JOB_NOT_COMPLETED', message: /^Job \? is in an unknown state/ });
    out.checkCompleted({ jobId: 'j3', jobStatus: 'COMPLETED' });
  });
});

describe('lib: what a finished job offers (job-output.ts)', () => {
  it('a failed job says why when the API says it, in either spelling', () => {
    (() => output.checkCompleted({ jobId: 'j', jobStatus: 'Failed', JobStatusText: 'Out of memory' }))
      .should.throw({ code: 'JOB_FAILED', message: /^Job j failed: Out of memory\. It has no output/ });
    (() => output.checkCompleted({ jobId: 'j', jobStatus: 'Failed' })).should.throw({ message: /^Job j failed\. It has no output/ });
  });

  it('a job not finished says its status as sent', () => {
    (() => output.checkCompleted({ jobId: 'j', JobStatus: 'Queued' }))
      .should.throw({ code: 'JOB_NOT_COMPLETED', message: 'Job j is Queued, not Completed: put a wait for job node before this one.' });
  });

  it('a response that is not JSON is a BAD_RESPONSE naming the job', () => {
    (() => output.inlineOutput({ jobId: 'j9', response: '{oops' }))
      .should.throw({ code: 'BAD_RESPONSE', message: 'The response of job j9 is not valid JSON.' });
    (() => output.inlineOutput({ response: '{oops' })).should.throw({ message: 'The response of job ? is not valid JSON.' });
    (output.inlineOutput({ Response: '  ' }) === null).should.be.true();
    output.inlineOutput({ Response: '[1]' }).should.eql([1]);
  });

  it('reads each document\'s name, type, size, expiry and id in the spellings the API uses', () => {
    const docs = output.jobDocuments({
      jobId: 'j5',
      response: JSON.stringify([
        { documentName: 'a.CSV', DownloadLink: 'https://x/a', sizeInMB: 2, expiryDate: '2026-12-31', DocumentId: 'd1' },
        { name: 'b', type: '.XLSX', downloadlink: 'https://x/b', SizeInMB: '0.5', DocumentGUID: 'g2' },
        { Type: 'pdf', downloadLink: 'https://x/c', SizeInMB: 0 },
        'not a document',
      ]),
    });
    docs.should.eql([
      { info: { name: 'a.CSV', type: 'csv', sizeBytes: 2 * output.MB, expiryDate: '2026-12-31', documentId: 'd1' }, link: 'https://x/a' },
      { info: { name: 'b', type: 'xlsx', sizeBytes: output.MB / 2, documentId: 'g2' }, link: 'https://x/b' },
      { info: { name: 'j5', type: 'pdf' }, link: 'https://x/c' },
    ]);
  });

  it('a single document object, or none but a publishLink, still gives one document', () => {
    output.jobDocuments({ jobId: 'j6', response: { documentName: 'r.json', DownloadLink: 'https://x/r' } })
      .should.eql([{ info: { name: 'r.json', type: 'json' }, link: 'https://x/r' }]);
    output.jobDocuments({ publishLink: 'https://x/p', response: '[]' })
      .should.eql([{ info: { name: 'document', type: '' }, link: 'https://x/p' }]);
    // A type of only a dot: the name's extension.
    output.jobDocuments({ jobId: 'j7', response: [{ documentName: 'x.Csv', Type: '.', DownloadLink: 'https://x/x' }] })[0].info.type.should.equal('csv');
  });
});

describe('lib: job output of the simulator\'s jobs', () => {
  let sim;
  before(async () => {
    sim = await startSim();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('reads In-line JSON whether response is a JSON string or JSON', () => {
    for (const responseAsJson of [false, true]) {
      const job = sim.addJob({ jobId: `job-i-${responseAsJson}`, inline: { a: [1, 2] }, responseAsJson });
      out.isPublishlink(job).should.be.false();
      out.inlineOutput(job).should.eql({ a: [1, 2] });
    }
    (() => out.inlineOutput({ jobID: 'x', response: '{oops' })).should.throw({ code: 'BAD_RESPONSE' });
  });

  it('lists documents with DownloadLink, else the publishLink', () => {
    const job = sim.addJob({ jobId: 'job-l', documents: [{ name: 'a.csv' }, { name: 'b.pdf', format: 'pdf', noDownloadLink: true }] });
    const docs = out.jobDocuments(job);
    docs.map((d) => d.info.name).should.eql(['a.csv', 'b.pdf']);
    docs.map((d) => d.info.type).should.eql(['csv', 'pdf']);
    docs[1].link.should.equal(job.publishLink);
    docs[0].info.should.have.properties(['expiryDate', 'documentId', 'sizeBytes']);
    out.jobDocuments({ jobID: 'p', responseType: 'Publishlink', publishLink: 'http://x/y', response: null })[0].link.should.equal('http://x/y');
    (() => out.jobDocuments({ jobID: 'p', responseType: 'Publishlink', response: '[]' })).should.throw({ code: 'BAD_RESPONSE' });
  });

  it('refuses JOB_NOT_COMPLETED and JOB_FAILED', () => {
    (() => out.checkCompleted(sim.addJob({ jobId: 'q', queuedMs: 60000 }))).should.throw({ code: 'JOB_NOT_COMPLETED' });
    (() => out.checkCompleted(sim.addJob({ jobId: 'f', outcome: 'Failed' }))).should.throw({ code: 'JOB_FAILED' });
    out.checkCompleted(sim.addJob({ jobId: 'c' }));
  });
});
