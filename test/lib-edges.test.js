// The small lib modules at their edges: what each says when a value is wrong (the text a
// user reads on a Catch node), and how the API's objects are read when fields are missing,
// null, spelled otherwise or of another type.
require('should');
const { AimsError } = require('../dist/src/lib/errors.js');
const job = require('../dist/src/lib/job.js');
const output = require('../dist/src/lib/job-output.js');
const request = require('../dist/src/lib/request.js');
const { readRecentQuery } = require('../dist/src/lib/recent-jobs.js');
const { readNumberSetting } = require('../dist/src/lib/read-setting.js');
const { tokenUrlFor, PasswordGrant } = require('../dist/src/lib/auth.js');
const { WaitRegistry } = require('../dist/src/lib/wait-registry.js');

const badInput = (message) => ({ code: 'BAD_INPUT', message });

describe('lib: edges of the small modules', () => {
  describe('reading the API\'s objects (job.ts)', () => {
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

  describe('what a finished job offers (job-output.ts)', () => {
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

  describe('the request node\'s inputs (request.ts)', () => {
    it('a method as the request spec lists it; empty is GET; anything else says the five', () => {
      request.readMethod('POST').should.equal('POST');
      request.readMethod(undefined).should.equal('GET');
      request.readMethod(null).should.equal('GET');
      request.readMethod('').should.equal('GET');
      for (const bad of ['FETCH', ' post ', 'get']) {
        (() => request.readMethod(bad)).should.throw(badInput(`The method must be one of GET, POST, PUT, PATCH, DELETE, not "${bad}".`));
      }
      (() => request.readMethod(0)).should.throw(badInput('The method must be one of GET, POST, PUT, PATCH, DELETE.'));
      request.BODY_METHODS.should.eql(['POST', 'PUT', 'PATCH']);
    });

    it('a path must be text', () => {
      request.readPath(' /x ').should.equal('/x');
      for (const bad of ['', '  ', undefined, 5]) {
        (() => request.readPath(bad)).should.throw(badInput('No path: set the Path property, e.g. reports/v1.0/reports/exportdata.'));
      }
    });

    it('a query is an object of text, numbers, booleans or lists of them', () => {
      request.encodeQuery({ a: 'x y', b: 2, c: true, d: [1, null, 'z'], e: undefined }).should.equal('a=x%20y&b=2&c=true&d=1&d=z');
      for (const bad of [[1], 'a=b', 5, Buffer.from('a')]) {
        (() => request.encodeQuery(bad)).should.throw(badInput('The query must be an object of names and values, e.g. {"$top": 10}.'));
      }
      for (const bad of [{ n: { deep: 1 } }, { n: NaN }, { n: [Infinity] }]) {
        (() => request.encodeQuery(bad)).should.throw(badInput('The query value of "n" must be text, a number, a boolean or a list of them.'));
      }
    });
  });

  describe('numbers and the sidebar\'s query', () => {
    it('a number setting names itself by its label, and is read as a number even without a number rule', () => {
      (() => readNumberSetting('x', { value: 5, label: 'interval', rule: { kind: 'number', min: 1 } }))
        .should.throw(badInput('Interval (s) must be a number of at least 1.'));
      (() => readNumberSetting('x', { value: 5, label: 'top' })).should.throw(badInput('Top must be a number.'));
      readNumberSetting('', { value: 5 }).should.equal(5);
    });

    it('recent jobs: hours and top are whole numbers in range, status one we know', () => {
      readRecentQuery({}).should.eql({ hours: 24, status: undefined, top: 100 });
      readRecentQuery({ hours: '48', status: 'failed', top: '10' }).should.eql({ hours: 48, status: 'Failed', top: 10 });
      (() => readRecentQuery({ hours: '0' })).should.throw(badInput('hours must be a whole number from 1 to 8760.'));
      (() => readRecentQuery({ top: '2.5' })).should.throw(badInput('top must be a whole number from 1 to 300.'));
      (() => readRecentQuery({ status: ['Failed'] })).should.throw(badInput('status must be one of Queued, Inprogress, Completed, Failed.'));
    });
  });

  describe('auth and the wait list', () => {
    it('the token URL: the config\'s own, else the documented path under the base URL whatever its trailing slashes', () => {
      tokenUrlFor('https://a.example//', '').should.equal('https://a.example/authentication/v1/authentication/token');
      tokenUrlFor(' https://a.example/api/ ', undefined).should.equal('https://a.example/api/authentication/v1/authentication/token');
      tokenUrlFor('https://a.example', ' https://id.example/t ').should.equal('https://id.example/t');
    });

    it('a password-grant token is used until its refresh time, then fetched again', async () => {
      let now = 0;
      let asked = 0;
      const token = new PasswordGrant({ clientId: 'c', clientSecret: 's', username: 'u', password: 'p' },
        async () => ({ access_token: `t${++asked}`, expires_in: 100 }), () => now);
      (await token.token()).should.equal('t1');
      // expires_in 100 s, refreshed 10 s ahead: at 90 s.
      now = 89_999;
      (await token.token()).should.equal('t1');
      now = 90_000;
      (await token.token()).should.equal('t2');
      asked.should.equal(2);
    });

    it('an answer without access_token says to check the Token URL', async () => {
      const token = new PasswordGrant({ clientId: 'c', clientSecret: 's', username: 'u', password: 'p' }, async () => ({ token: 'x' }));
      await token.token().should.be.rejectedWith({ code: 'BAD_RESPONSE', message: 'The token URL answered without an access_token: check the Token URL.' });
    });

    it('lists waits started together by job id, whatever order they came in', () => {
      const registry = new WaitRegistry();
      const owner = { id: 'n', name: '', type: 't', server: 's', cancel: () => 1 };
      for (const id of ['job-c', 'job-a', 'job-d', 'job-b', 'job-e']) registry.add(owner, id, 1000);
      registry.list(Infinity, 2000).map((w) => w.jobId).should.eql(['job-a', 'job-b', 'job-c', 'job-d', 'job-e']);
    });
  });

  it('every error here is an AimsError', () => {
    (() => request.readPath('')).should.throw(AimsError);
  });
});
