require('should');
const { checkJobId, odataString, jobIdFilter, buildQueryString, pathAndQuery } = require('../dist/src/lib/odata.js');
const { readJobId, readJobStatus, readScope, readPercent, readCanReRun, findJobId } = require('../dist/src/lib/job.js');
const { jobDocuments, isPublishlink, needsToken } = require('../dist/src/lib/job-output.js');
const { readNumber, readBoolean } = require('../dist/src/lib/read-setting.js');
const { PasswordGrant } = require('../dist/src/lib/auth.js');

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

  it('finds the job id of a message in the documented order', () => {
    findJobId({ jobId: 'a', payload: { jobId: 'b' } }).should.equal('a');
    findJobId({ payload: { jobId: 'b', jobID: 'c' } }).should.equal('b');
    findJobId({ payload: { jobID: 'c' } }).should.equal('c');
    findJobId({ payload: 'd' }).should.equal('d');
    (findJobId({ payload: 5 }) === undefined).should.be.true();
  });
});

describe('lib: settings', () => {
  it('reads numbers saved as strings and refuses the rest', () => {
    readNumber('', 7, 'x').should.equal(7);
    readNumber('12', 7, 'x').should.equal(12);
    readNumber(3, 7, 'x', { min: 1, integer: true }).should.equal(3);
    (() => readNumber('1.5', 7, 'x', { integer: true })).should.throw({ code: 'BAD_INPUT' });
    (() => readNumber('0', 7, 'x', { min: 1 })).should.throw({ code: 'BAD_INPUT' });
    (() => readNumber(true, 7, 'x')).should.throw({ code: 'BAD_INPUT' });
    readBoolean('true', false).should.be.true();
    readBoolean(undefined, true).should.be.true();
  });
});

describe('lib: OAuth2 token cache', () => {
  const creds = { clientId: 'c', clientSecret: 's', username: 'u', password: 'p' };

  it('fetches once for concurrent callers and again shortly before expiry', async () => {
    let now = 0;
    let calls = 0;
    let release;
    const grant = new PasswordGrant(creds, () => {
      calls += 1;
      return new Promise((resolve) => (release = () => resolve({ access_token: `t${calls}`, expires_in: 100 })));
    }, () => now);
    const waiting = Promise.all([grant.token(), grant.token(), grant.token()]);
    release();
    (await waiting).should.eql(['t1', 't1', 't1']);
    now = 89_000;
    (await grant.token()).should.equal('t1');
    now = 91_000;
    const again = grant.token();
    release();
    (await again).should.equal('t2');
    calls.should.equal(2);
  });

  it('drops a token that failed with 401 so the next call fetches one', async () => {
    let calls = 0;
    const grant = new PasswordGrant(creds, async () => ({ access_token: `t${++calls}`, expires_in: 3600 }));
    const first = await grant.token();
    grant.invalidate('some-other-token').should.be.true();
    (await grant.token()).should.equal(first);
    grant.invalidate(first);
    (await grant.token()).should.equal('t2');
  });

  it('answers BAD_RESPONSE when the token URL sends no access_token', async () => {
    const grant = new PasswordGrant(creds, async () => ({ nope: 1 }));
    await grant.token().should.be.rejectedWith({ code: 'BAD_RESPONSE' });
  });
});
