// A finished job's output as the fetch output node reads it, from job objects written
// here in the spellings AIMS360 uses (no network): documents, links, scopes, checks.
const should = require('should');
const { AimsClient } = require('../../dist/src/lib/client.js');
const out = { ...require('../../dist/src/lib/job-output.js'), ...require('../../dist/src/lib/formats.js') };
const output = require('../../dist/src/lib/job-output.js');

const MB = 1024 * 1024;
const client = new AimsClient({ baseUrl: 'https://apiwest.aims360.rest', auth: { type: 'token', token: 't' } });
after(() => client.close());

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

  it('knows a document\'s kind by its type, its name, then its content type', () => {
    out.docKind({ name: 'x', type: 'csv' }).should.equal('csv');
    out.docKind({ name: 'x.XLSX', type: '' }).should.equal('xlsx');
    out.docKind({ name: 'x.json', type: '' }).should.equal('json');
    out.docKind({ name: 'x', type: 'pdf' }, 'application/json').should.equal('json');
    out.docKind({ name: 'x', type: '' }, 'text/CSV; charset=utf-8').should.equal('csv');
    out.docKind({ name: 'x', type: '' }, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').should.equal('xlsx');
    out.docKind({ name: 'x', type: '' }, 'application/pdf').should.equal('other');
    out.docKind({ name: 'x.csv.pdf', type: '' }).should.equal('other');
  });

  it('holds a document in memory except as a file or CSV rows streamed', () => {
    out.holdsInMemory('file', 'csv').should.be.false();
    out.holdsInMemory('stream-rows', 'csv').should.be.false();
    out.holdsInMemory('stream-rows', 'xlsx').should.be.true();
    out.holdsInMemory('auto', 'csv').should.be.true();
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

  it('reads empty settings as the defaults and says what is allowed', () => {
    out.readSettings({ format: '', documents: '', maxSizeMB: '', rowsPerMessage: '' })
      .should.eql({ format: 'auto', maxBytes: 100 * MB, documents: 'first', rowsPerMessage: 1000 });
    out.readSettings({ format: 'stream-rows', rowsPerMessage: 1_000_000, maxSizeMB: 0.001 }).should.match({ rowsPerMessage: 1_000_000 });
    (() => out.readSettings({ format: 'xml' })).should.throw({ message: 'Format must be one of auto, buffer, utf8, json, rows, file, stream-rows, not "xml".' });
    (() => out.readSettings({ documents: 'some' })).should.throw({ message: 'Documents must be one of first, all, not "some".' });
    (() => out.readSettings({ rowsPerMessage: 1_000_001 })).should.throw({ code: 'BAD_INPUT' });
  });

  it('checks before any request: expiry to the millisecond, http(s) only, announced size to the byte', () => {
    const doc = (info, link = 'https://apieast.aims360.rest/d') => [{ info: { name: 'r.csv', type: 'csv', ...info }, link }];
    const settings = { ...out.readSettings({ maxSizeMB: 1 }) };
    const now = Date.parse('2030-01-01T00:00:00Z');
    (() => out.checkBeforeRequest(client, doc({ expiryDate: '2030-01-01T00:00:00Z' }), true, settings, now))
      .should.throw({ code: 'LINK_EXPIRED', message: 'The link of document "r.csv" expired on 2030-01-01T00:00:00Z: rerun the job to get a new one.' });
    out.checkBeforeRequest(client, doc({ expiryDate: '2030-01-01T00:00:00.001Z' }), true, settings, now);
    out.checkBeforeRequest(client, doc({ expiryDate: 'someday' }), true, settings, now);
    out.checkBeforeRequest(client, doc({ sizeBytes: MB }), true, settings, now);
    (() => out.checkBeforeRequest(client, doc({ sizeBytes: MB + 1 }), true, settings, now))
      .should.throw({ code: 'TOO_LARGE', message: /^Document "r\.csv" is 1\.0 MB, more than Max size \(1 MB\)/ });
    (() => out.checkBeforeRequest(client, doc({}, 'not a link'), false, settings, now))
      .should.throw({ code: 'BAD_RESPONSE', message: 'The link of document "r.csv" is not a URL.' });
    (() => out.checkBeforeRequest(client, doc({}, 'ftp://apieast.aims360.rest/d'), false, settings, now))
      .should.throw({ code: 'BAD_RESPONSE', message: /is not http or https \(ftp:\)/ });
    out.checkBeforeRequest(client, doc({}, 'http://apieast.aims360.rest/d'), false, settings, now);
    // The token goes to https://*.aims360.rest only, not over http.
    (() => out.checkBeforeRequest(client, doc({}, 'http://apieast.aims360.rest/d'), true, settings, now))
      .should.throw({ code: 'UNTRUSTED_HOST', message: /^Document "r\.csv" is on http:\/\/apieast\.aims360\.rest, which is not a trusted host/ });
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
