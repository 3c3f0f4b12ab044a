// src/lib/errors.ts: what an AimsError carries (code, status, cause for the Catch node) and how
// anything else thrown is wrapped.
const should = require('should');
const { AimsError, toAimsError, isAimsError, shortReason } = require('../../dist/src/lib/errors.js');

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

  it("keeps the API's own words (said) in the cause, whose text the debug sidebar shows; a copy carries all of it", () => {
    const err = AimsError.of('API_ERROR', 'aims360.errors.internal', { reason: 'x' }, 502, 'Gateway down');
    err.said.should.equal('Gateway down');
    err.cause.should.eql({ status: 502, message: 'Gateway down' });
    Object.keys(err.cause).should.eql(['status', 'message']);
    `${err.cause}`.should.equal('HTTP 502: Gateway down');
    `${AimsError.of('API_ERROR', 'aims360.errors.internal', { reason: 'x' }, 404).cause}`.should.equal('HTTP 404');
    const copy = err.copy();
    copy.should.not.equal(err);
    copy.should.match({ code: 'API_ERROR', status: 502, said: 'Gateway down', message: err.message, key: err.key, params: err.params });
    `${copy.cause}`.should.equal('HTTP 502: Gateway down');
    // No words, no said: not even an empty one.
    should(AimsError.of('API_ERROR', 'aims360.errors.internal', { reason: 'x' }, 500, '').said).be.undefined();
    AimsError.of('BAD_INPUT', 'aims360.errors.internal', { reason: 'x' }).should.not.have.property('cause');
  });
});

describe('lib: a failure\'s short reason, for the status beside its code (shortReason)', () => {
  const internal = (reason) => toAimsError(new Error(reason));

  it('takes the API\'s own words when it gave any, else the message\'s first clause', () => {
    shortReason(AimsError.of('API_ERROR', 'aims360.errors.internal', { reason: 'x' }, 404, 'View not found.')).should.equal('view not found');
    shortReason(internal('boom: and then advice')).should.equal('unexpected failure');
    shortReason(AimsError.of('JOB_NOT_FOUND', 'aims360.errors.jobs.notFound', { id: 'j-1' })).should.equal('AIMS360 knows no job j-1');
  });

  it('joins spaces, drops trailing punctuation, lowers only a capitalised word', () => {
    const said = (words) => shortReason(AimsError.of('API_ERROR', 'aims360.errors.internal', { reason: 'x' }, 500, words));
    said('  Too   many\n requests;. ').should.equal('too many requests');
    said('AIMS360 is down').should.equal('AIMS360 is down');
    said('X').should.equal('X');
    // Only a capital at the start, followed by a small letter, is lowered: not one later on.
    said('AIMS360 Down').should.equal('AIMS360 Down');
    said('5 Views gone').should.equal('5 Views gone');
  });

  it("ends the message's first clause at a colon or a full stop followed by a space, whichever comes first", () => {
    const own = (reason) => shortReason(toAimsError(new Error(reason)), 100);
    own('x').should.equal('unexpected failure');
    shortReason(AimsError.of('BAD_INPUT', 'aims360.errors.changes.notRows'), 100).should.equal("changes only needs rows, and this job's in-line output is not a list of rows");
    shortReason(AimsError.of('API_ERROR', 'aims360.errors.internal', { reason: 'x' }, 500, 'a:b. c: d'), 100).should.equal('a:b. c: d');
  });

  it('cuts a long reason at a word, with an ellipsis, within the limit', () => {
    const long = 'View name Open orders of the last season was not found';
    const cut = shortReason(AimsError.of('API_ERROR', 'aims360.errors.internal', { reason: 'x' }, 400, long));
    cut.should.equal('view name Open orders of the last…');
    cut.length.should.be.belowOrEqual(40);
    // No space late enough to cut at: cut at the limit.
    const word = 'A'.repeat(30) + 'b ' + 'c'.repeat(30);
    shortReason(AimsError.of('API_ERROR', 'aims360.errors.internal', { reason: 'x' }, 400, word), 20).should.equal(`${'A'.repeat(19)}…`);
    shortReason(AimsError.of('API_ERROR', 'aims360.errors.internal', { reason: 'x' }, 400, 'abc def, ghi jkl'), 10).should.equal('abc def…');
    const at = (words, limit) => shortReason(AimsError.of('API_ERROR', 'aims360.errors.internal', { reason: 'x' }, 400, words), limit);
    // Exactly the limit: kept whole.
    at('abcd efgh', 9).should.equal('abcd efgh');
    // A space exactly at half the limit is too early to cut at; just after it, a word cut.
    at('abcd efghijklmnop', 8).should.equal('abcd ef…');
    at('abcdef ghijklmnop', 10).should.equal('abcdef…');
    // Punctuation and spaces before the cut all go.
    at('abc,. defghijklmnop', 8).should.equal('abc…');
    // A space in the first half only: a word cut is better than a reason of one word.
    shortReason(AimsError.of('API_ERROR', 'aims360.errors.internal', { reason: 'x' }, 400, `ab ${'c'.repeat(30)}`), 20).should.equal(`ab ${'c'.repeat(16)}…`);
  });
});

