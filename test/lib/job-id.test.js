// src/lib/job-id.ts: a message's job id found (msg.jobId, then msg.payload's), and checked
// before it goes into a query (BAD_INPUT, with a message that says what to fix).
const path = require('node:path');
const should = require('should');
const { checkJobId, findJobId, jobIdSource } = require('../../dist/src/lib/job-id.js');
const { problemOf } = require('../../dist/src/lib/rules.js');
const { problemText } = require('../../dist/src/lib/read-setting.js');
const { jobIdSetting } = require('../../dist/src/lib/settings.js');
const { sharedCatalog } = require('../support/locales');

describe('lib: job ids (job-id)', () => {
  it('says "No job id" for an empty id, and what an id may hold for a bad one', () => {
    // The two messages tell the user different fixes: set an id, or correct it.
    (() => checkJobId('')).should.throw({ code: 'BAD_INPUT', message: /^No job id/ });
    (() => checkJobId('a b')).should.throw({ code: 'BAD_INPUT', message: /letters, digits/ });
  });

  it('accepts plausible job ids and refuses the rest with BAD_INPUT', () => {
    checkJobId('d29fac30-650a-4ff2-b2b1-acab3c7472ea-20190607060819639').should.be.a.String();
    checkJobId('A_b-9').should.equal('A_b-9');
    for (const bad of [undefined, null, 1, {}, '', ' ', "a'b", 'a b', 'a%20b', 'a&b', 'é', 'x'.repeat(129)]) {
      (() => checkJobId(bad)).should.throw({ code: 'BAD_INPUT' });
    }
  });

  it('finds the job id of a message in the documented order', () => {
    findJobId({ jobId: 'a', payload: { jobId: 'b' } }).should.equal('a');
    findJobId({ payload: { jobId: 'b', jobID: 'c' } }).should.equal('b');
    findJobId({ payload: { jobID: 'c' } }).should.equal('c');
    findJobId({ payload: 'd' }).should.equal('d');
    (findJobId({ payload: 5 }) === undefined).should.be.true();
  });

  it('finds a job id in msg.jobId even when it is empty, and nothing in a list', () => {
    // An empty msg.jobId is the message's own (wrong) value: BAD_INPUT later, not a silent fallback.
    findJobId({ jobId: '', payload: 'other' }).should.equal('');
    should(findJobId({ payload: ['a'] })).be.undefined();
    should(findJobId({})).be.undefined();
  });

  it('words a malformed id once: the dialog, the deploy check and a message\'s id say the same', () => {
    const said = sharedCatalog().rules.jobId;
    (() => checkJobId('a b')).should.throw({ message: said });
    const setting = jobIdSetting();
    const atDeploy = problemOf({ settings: { jobId: setting } }, 'jobId', (name) => ({ jobId: 'a b', jobIdType: 'str' })[name]);
    problemText(atDeploy).should.equal(said);
    // The dialog shows its key's text, from the same catalogue.
    atDeploy.key.should.equal('aims360.rules.jobId');
  });

  it('every node that takes a job id offers the types CONTRACT.md lists, msg by default', () => {
    const PACKAGE = require('../../package.json');
    let seen = 0;
    for (const file of Object.values(PACKAGE['node-red'].nodes)) {
      const { spec } = require(`../../${path.dirname(file)}/spec.js`);
      if (!spec.settings.jobId) continue;
      seen++;
      [...spec.settings.jobId.typed.types].sort().should.eql(['env', 'flow', 'global', 'jsonata', 'msg', 'str'], spec.type);
      spec.settings.jobId.typed.default.should.equal('msg', spec.type);
    }
    seen.should.be.above(3);
  });

  it('names where a Job ID property read the id, for the message that says it found none', () => {
    should(jobIdSource('msg', '')).be.undefined();
    should(jobIdSource('str', undefined)).be.undefined();
    jobIdSource('msg', 'payload.id').should.equal('msg.payload.id');
    jobIdSource('flow', 'last').should.equal('flow.last');
    jobIdSource('global', 'last').should.equal('global.last');
    jobIdSource('env', 'JOB').should.equal('env JOB');
    jobIdSource('jsonata', '$x').should.equal('the Job ID expression');
    jobIdSource('str', 'x').should.equal('the Job ID property');
    (() => checkJobId(undefined, jobIdSource('flow', 'last'))).should.throw({ message: 'No job id: flow.last gave nothing. Set flow.last, or set the Job ID property to the id itself (type string).' });
    (() => checkJobId(null)).should.throw({ message: /^No job id: msg\.jobId, msg\.payload\.jobId, msg\.payload\.jobID or a string msg\.payload gave null\. Set msg\.jobId,/ });
    (() => checkJobId('')).should.throw({ message: /gave an empty text\./ });
    (() => checkJobId(['a'])).should.throw({ message: /gave a list, not text\./ });
    (() => checkJobId(5)).should.throw({ message: /gave a number, not text\./ });
  });
});
