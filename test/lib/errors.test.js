// src/lib/errors.ts: what an AimsError carries (code, status, cause for the Catch node) and how
// anything else thrown is wrapped.
const should = require('should');
const { AimsError, toAimsError, isAimsError } = require('../../dist/src/lib/errors.js');

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
