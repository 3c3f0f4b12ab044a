// What users read from the small lib helpers: setting errors, job fields, error
// objects, the token source, and calls through a client whose answers the test writes.
const should = require('should');
const { AimsClient } = require('../dist/src/lib/client.js');
const { AimsError, toAimsError, isAimsError } = require('../dist/src/lib/errors.js');
const { readNumber, readBoolean } = require('../dist/src/lib/settings.js');
const { readJobStatus, readPercent, readScope, findJobId, isFinished, readCanReRun } = require('../dist/src/lib/job.js');
const { tokenUrlFor, StaticToken, PasswordGrant, DEFAULT_TOKEN_PATH } = require('../dist/src/lib/auth.js');
const { callApi } = require('../dist/src/lib/request.js');
const { checkCanRerun, postRerun } = require('../dist/src/lib/rerun.js');

/** A client whose request/requestJson answer (or throw) the given items in turn and log their calls. */
function scriptedClient(...answers) {
  const client = new AimsClient({ baseUrl: 'https://apiwest.aims360.rest', auth: { type: 'token', token: 't' } });
  client.calls = [];
  client.request = async (target, options = {}) => {
    client.calls.push({ target, ...options });
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return { statusCode: 200, headers: {}, body: next };
  };
  client.requestJson = client.request;
  return client;
}

const creds = { clientId: 'c', clientSecret: 's', username: 'u', password: 'p' };

describe('lib: settings read from the editor', () => {
  it('says what a number must be, with its range', () => {
    // The message is what a user sees under the node: it names the limits to stay within.
    (() => readNumber('0', 5, 'Interval (s)', { min: 1, max: 10, integer: true })).should.throw({ code: 'BAD_INPUT', message: 'Interval (s) must be a whole number from 1 to 10.' });
    (() => readNumber('11', 5, 'Interval (s)', { min: 1, max: 10 })).should.throw({ message: 'Interval (s) must be a number from 1 to 10.' });
    (() => readNumber('-1', 5, 'Timeout', { min: 0 })).should.throw({ message: 'Timeout must be a number of at least 0.' });
    (() => readNumber('abc', 5, 'Size')).should.throw({ message: 'Size must be a number.' });
    (() => readNumber(Infinity, 5, 'Size')).should.throw({ code: 'BAD_INPUT' });
  });

  it('takes the bounds themselves, a number with spaces, and null or blanks as the default', () => {
    readNumber('1', 5, 'x', { min: 1, max: 10, integer: true }).should.equal(1);
    readNumber(10, 5, 'x', { min: 1, max: 10, integer: true }).should.equal(10);
    readNumber(' 2.5 ', 5, 'x').should.equal(2.5);
    readNumber(null, 5, 'x').should.equal(5);
    readNumber('   ', 5, 'x').should.equal(5);
  });

  it('reads false as false, whatever the default', () => {
    readBoolean(false, true).should.be.false();
    readBoolean('false', true).should.be.false();
    readBoolean(true, false).should.be.true();
    readBoolean('', false).should.be.false();
    readBoolean('yes', true).should.be.true();
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

  it('finds a job id in msg.jobId even when it is empty, and nothing in a list', () => {
    // An empty msg.jobId is the message's own (wrong) value: BAD_INPUT later, not a silent fallback.
    findJobId({ jobId: '', payload: 'other' }).should.equal('');
    should(findJobId({ payload: ['a'] })).be.undefined();
    should(findJobId({})).be.undefined();
  });
});

describe('lib: errors', () => {
  it('carries the code, the status (also as cause for the Catch node) and only its message', () => {
    const err = new AimsError('API_ERROR', 'AIMS360 answered 500.', 500);
    err.should.be.instanceOf(Error);
    err.name.should.equal('AimsError');
    err.code.should.equal('API_ERROR');
    err.status.should.equal(500);
    err.cause.should.eql({ status: 500 });
    String(err).should.equal('AIMS360 answered 500.');
    const plain = new AimsError('BAD_INPUT', 'No path.');
    should(plain.status).be.undefined();
    should(plain.cause).be.undefined();
  });

  it('wraps anything else as INTERNAL (a bug of the pack) with its message, copying nothing else', () => {
    const mine = new AimsError('TIMEOUT', 'late');
    toAimsError(mine).should.equal(mine);
    const other = Object.assign(new Error('boom'), { options: { headers: { authorization: 'Bearer x' } } });
    const wrapped = toAimsError(other);
    isAimsError(wrapped).should.be.true();
    wrapped.should.match({ code: 'INTERNAL', key: 'aims360.errors.internal', message: 'Unexpected failure: boom' });
    wrapped.should.not.have.property('options');
    toAimsError('text').message.should.equal('Unexpected failure: text');
    isAimsError(other).should.be.false();
  });
});

describe('lib: token sources', () => {
  it('uses the token URL given, else the documented endpoint under the base URL', () => {
    tokenUrlFor('https://apiwest.aims360.rest/', '').should.equal(`https://apiwest.aims360.rest${DEFAULT_TOKEN_PATH}`);
    tokenUrlFor(' https://apiwest.aims360.rest ', undefined).should.equal(`https://apiwest.aims360.rest${DEFAULT_TOKEN_PATH}`);
    tokenUrlFor('https://apiwest.aims360.rest', ' https://login.example/token ').should.equal('https://login.example/token');
    DEFAULT_TOKEN_PATH.should.equal('/authentication/v1/authentication/token');
  });

  it('needs a token, never asks again for a static one, and hides it', async () => {
    (() => new StaticToken('')).should.throw({ code: 'BAD_INPUT', message: /No token/ });
    const source = new StaticToken('abc');
    (await source.token()).should.equal('abc');
    source.invalidate('abc').should.be.false();
    source.secrets().should.eql(['abc']);
  });

  it('names every OAuth2 field left empty', () => {
    (() => new PasswordGrant({ ...creds, clientSecret: '', password: '' }, async () => ({}))).should.throw({
      code: 'BAD_INPUT', message: 'OAuth2 needs clientSecret, password: fill them in on the config node.',
    });
  });

  it('posts the password grant form and hides the secret, the password and the token', async () => {
    let form;
    const grant = new PasswordGrant(creds, async (f) => ((form = f), { access_token: 'tok', expires_in: 3600 }));
    grant.secrets().should.eql(['s', 'p']);
    (await grant.token()).should.equal('tok');
    form.should.eql({ grant_type: 'password', client_id: 'c', client_secret: 's', username: 'u', password: 'p' });
    grant.secrets().should.eql(['s', 'p', 'tok']);
  });

  it('refreshes a minute before expiry (a tenth of a short lifetime), an hour without expires_in', async () => {
    let now = 0;
    let n = 0;
    const grant = (expires) => new PasswordGrant(creds, async () => ({ access_token: `t${++n}`, expires_in: expires }), () => now);
    const long = grant(3600);
    await long.token();
    now = 3_539_000;
    (await long.token()).should.equal('t1');
    now = 3_541_000;
    (await long.token()).should.equal('t2');

    now = 0;
    const none = grant(undefined);
    (await none.token()).should.equal('t3');
    now = 3_539_000;
    (await none.token()).should.equal('t3');
    now = 3_541_000;
    (await none.token()).should.equal('t4');

    // A lifetime of 0 (or below) is no lifetime: an hour, as without one.
    now = 0;
    const zero = grant(0);
    const first = await zero.token();
    now = 3_539_000;
    (await zero.token()).should.equal(first);

    now = 0;
    const short = grant(10);
    await short.token();
    now = 8_900;
    (await short.token()).should.equal('t6');
    now = 9_100;
    (await short.token()).should.equal('t7');
  });

  it('refuses an empty access_token and an answer that is no object', async () => {
    await new PasswordGrant(creds, async () => ({ access_token: '' })).token().should.be.rejectedWith({ code: 'BAD_RESPONSE' });
    await new PasswordGrant(creds, async () => 'access_token=x').token().should.be.rejectedWith({ code: 'BAD_RESPONSE' });
  });
});

describe('lib: calls through the client', () => {
  it('sends no body with GET, the body with others, and retries POST only when asked', async () => {
    const client = scriptedClient({}, {}, {});
    await callApi(client, { method: 'GET', path: '/a', query: { $top: 1 }, body: { x: 1 } });
    await callApi(client, { method: 'POST', path: '/b', body: { x: 1 } });
    await callApi(client, { method: 'POST', path: '/c', body: 'text', retryPost: true });
    client.calls[0].should.match({ target: '/a', method: 'GET', query: '%24top=1' });
    client.calls[0].should.not.have.property('json');
    should(client.calls[0].retry).be.undefined();
    client.calls[1].should.match({ target: '/b', method: 'POST', json: { x: 1 } });
    should(client.calls[1].retry).be.undefined();
    client.calls[2].should.match({ body: 'text', retry: true });
  });

  it('says what canReRun was when a rerun is not allowed', async () => {
    const err = await checkCanRerun(scriptedClient({ value: [{ jobId: 'j1', canReRun: 'No' }] }), 'j1').catch((e) => e);
    err.should.match({ code: 'RERUN_NOT_ALLOWED', message: /canReRun is "No"/ });
    const missing = await checkCanRerun(scriptedClient({ value: [{ jobId: 'j1' }] }), 'j1').catch((e) => e);
    missing.message.should.match(/canReRun is null/);
  });

  it('reads the API\'s "cannot rerun" refusals (400) as RERUN_NOT_ALLOWED, others as they are', async () => {
    for (const words of ['Job cannot be rerun.', "You can't re-run this job", 'Rerun not allowed for this job', 'Rerun is not permitted']) {
      const err = await postRerun(scriptedClient(new AimsError('API_ERROR', words, 400)), 'j1').catch((e) => e);
      err.should.match({ code: 'RERUN_NOT_ALLOWED', status: 400 });
      err.message.should.equal(`${words} Start a new job instead.`);
    }
    const other = new AimsError('API_ERROR', 'Bad request.', 400);
    (await postRerun(scriptedClient(other), 'j1').catch((e) => e)).should.equal(other);
    // A 404 refusal whose words do not say "rerun": the job is gone.
    (await postRerun(scriptedClient(new AimsError('API_ERROR', 'Not found', 404)), 'j1').catch((e) => e)).code.should.equal('JOB_NOT_FOUND');
    const posted = scriptedClient({ jobId: 'j1', jobStatus: 'Queued' });
    (await postRerun(posted, 'j1')).should.eql({ jobId: 'j1', jobStatus: 'Queued' });
    posted.calls[0].should.match({ target: '/jobsmanagement/v1.0/backgroundjob/j1/rerun', method: 'POST' });
  });
});
