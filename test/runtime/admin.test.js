// src/runtime/admin.ts: one shape for every admin answer of the pack (the sidebar's routes, the
// config dialog's test): an HTTP status with {code, message}; the pack's own bugs are INTERNAL,
// answered 500.
require('should');
const { AimsError } = require('../../dist/src/lib/errors.js');
const { adminStatus, Refusal, refusalOf } = require('../../dist/src/runtime/admin.js');

describe('admin answers (src/runtime/admin.ts)', () => {
  it('answers a bug of the pack 500 INTERNAL, not 502 as if AIMS360 had failed', () => {
    const refusal = refusalOf(new TypeError("Cannot read properties of undefined (reading 'x')"));
    refusal.should.match({ status: 500, code: 'INTERNAL', message: "Unexpected failure: Cannot read properties of undefined (reading 'x')" });
    refusalOf('thrown text').should.match({ status: 500, code: 'INTERNAL' });
  });

  it('answers what the runtime refuses itself 4xx, and AIMS360 failing 502', () => {
    adminStatus('BAD_INPUT').should.equal(400);
    adminStatus('NOT_FOUND').should.equal(404);
    adminStatus('JOB_NOT_FOUND').should.equal(404);
    adminStatus('JOB_NOT_COMPLETED').should.equal(409);
    for (const code of ['AUTH_FAILED', 'API_ERROR', 'NETWORK', 'BAD_RESPONSE', 'TIMEOUT']) adminStatus(code).should.equal(502, code);
  });

  it('keeps a route\'s own status and redacts the message once more', () => {
    const error = AimsError.of('BAD_INPUT', 'aims360.errors.account.notStarted');
    new Refusal(error, 502).should.match({ status: 502, code: 'BAD_INPUT', message: error.message });
    const said = AimsError.of('API_ERROR', 'aims360.errors.client.answered', { who: 'AIMS360', answer: '500: key s3cret.' }, 500, 's3cret');
    refusalOf(said, (text) => text.replace('s3cret', '[redacted]')).should.match({ status: 502, message: 'AIMS360 answered 500: key [redacted].' });
  });
});
