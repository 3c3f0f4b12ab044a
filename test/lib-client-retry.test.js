// AimsClient's retries: which failures a request is sent again after, how long it
// waits between attempts, and when it stops. Connection failures with a chosen code
// come from a stubbed dns.lookup (the client resolves its host names through it);
// the waits are measured at a local server with Math.random and Date.now held fixed,
// so the jitter is known and maxTotalMs bounds each wait exactly.
require('should');
const dns = require('node:dns');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { AimsClient } = require('../dist/src/lib/client.js');

/** A host name only the stubbed lookup knows; it fails with the codes queued in `lookupFailures`. */
const FLAKY = 'flaky.test';

describe('lib: AimsClient retries', function () {
  let server;
  let port;
  let reply;
  const seen = [];
  const clients = [];
  let lookupFailures = [];
  const realLookup = dns.lookup;
  const realRandom = Math.random;
  const realNow = Date.now;

  const client = (options = {}) => {
    const c = new AimsClient({ baseUrl: `http://${FLAKY}:${port}`, auth: { type: 'token', token: 'tok-1' }, timeout: 3000, ...options });
    clients.push(c);
    return c;
  };
  const failure = (promise) => promise.then(() => {
    throw new Error('expected a failure');
  }, (err) => err);
  /** Milliseconds between the requests the server saw. */
  const gaps = () => seen.slice(1).map((s, i) => s.at - seen[i].at);

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ method: req.method, at: performance.now() });
      req.resume();
      req.on('end', () => {
        const { status = 200, headers = {}, text = '{}' } = reply(seen.length);
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(text);
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = server.address().port;
    dns.lookup = function lookup(host, options, callback) {
      if (typeof options === 'function') [callback, options] = [options, {}];
      if (host !== FLAKY) return realLookup.call(this, host, options, callback);
      const code = lookupFailures.shift();
      if (code) {
        const err = Object.assign(new Error(`${code} (test)`), { code });
        return process.nextTick(callback, err);
      }
      if (options && options.all) return process.nextTick(callback, null, [{ address: '127.0.0.1', family: 4 }]);
      return process.nextTick(callback, null, '127.0.0.1', 4);
    };
  });
  after(() => {
    dns.lookup = realLookup;
    server.close();
  });
  beforeEach(() => {
    seen.length = 0;
    lookupFailures = [];
    reply = () => ({});
  });
  afterEach(() => {
    Math.random = realRandom;
    Date.now = realNow;
    clients.splice(0).forEach((c) => c.close());
  });

  describe('which failures are retried', () => {
    const TRANSIENT = ['ETIMEDOUT', 'ECONNRESET', 'EADDRINUSE', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'ENETUNREACH', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE'];

    for (const code of TRANSIENT) {
      it(`sends a GET again after ${code}`, async () => {
        lookupFailures = [code];
        (await client({ retry: { limit: 1, baseDelayMs: 1 } }).request('/x')).statusCode.should.equal(200);
        seen.should.have.length(1);
        lookupFailures.should.have.length(0);
      });
    }

    it('sends a POST again only when the connection was refused, so it cannot have been carried out', async () => {
      lookupFailures = ['ECONNREFUSED'];
      (await client({ retry: { limit: 1, baseDelayMs: 1 } }).request('/x', { method: 'POST', json: {} })).statusCode.should.equal(200);
      lookupFailures = ['ECONNRESET'];
      const err = await failure(client({ retry: { limit: 1, baseDelayMs: 1 } }).request('/x', { method: 'POST', json: {} }));
      err.should.match({ code: 'NETWORK', message: 'Could not reach AIMS360 (ECONNRESET): check the URL and the network.' });
      seen.should.have.length(1);
    });
  });

  describe('the error a failed connection gives', () => {
    it('answers TIMEOUT for a connection that timed out, not only for the client\'s own timer', async () => {
      lookupFailures = ['ETIMEDOUT'];
      const err = await failure(client({ retry: { limit: 0 } }).request('/x'));
      err.should.match({ code: 'TIMEOUT', message: 'AIMS360 did not answer within 3000 ms: try again later or raise the timeout.' });
    });

    it('answers BAD_RESPONSE for an answer that closed early, saying when retries did not help', async () => {
      lookupFailures = ['ERR_STREAM_PREMATURE_CLOSE'];
      (await failure(client({ retry: { limit: 0 } }).request('/x'))).should.match({
        code: 'BAD_RESPONSE', message: 'The answer from AIMS360 was cut off before its end.',
      });
      lookupFailures = ['ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_PREMATURE_CLOSE'];
      (await failure(client({ retry: { limit: 1, baseDelayMs: 1 } }).request('/x'))).message
        .should.equal('The answer from AIMS360 was cut off before its end, also after retries.');
    });
  });

  describe('the waits between attempts', () => {
    const NOW = 1_700_000_000_000;
    // Half-way jitter and a clock that stands still: each wait is 3/4 of its backoff, and only it counts against maxTotalMs.
    beforeEach(() => {
      Math.random = () => 0.5;
      Date.now = () => NOW;
    });
    const unavailable = (times) => (n) => (n <= times ? { status: 503, text: '' } : {});

    it('waits 3/4 of the backoff at half-way jitter before the first retry, and retries when that wait just fits maxTotalMs', async () => {
      reply = unavailable(1);
      // 400 ms backoff, 300 ms wait: exactly maxTotalMs still retries.
      const c = client({ retry: { limit: 1, baseDelayMs: 400, maxDelayMs: 10_000, maxTotalMs: 300 } });
      (await c.request('/x')).statusCode.should.equal(200);
      seen.should.have.length(2);
      gaps()[0].should.be.aboveOrEqual(290);
    });

    it('does not retry when the wait would pass maxTotalMs', async () => {
      reply = unavailable(1);
      const c = client({ retry: { limit: 1, baseDelayMs: 400, maxDelayMs: 10_000, maxTotalMs: 299 } });
      (await failure(c.request('/x'))).should.match({ code: 'API_ERROR', status: 503 });
      seen.should.have.length(1);
    });

    it('doubles the backoff after each attempt, up to maxDelayMs', async () => {
      reply = unavailable(3);
      // Backoffs 100, 200, then 300 (not 400): waits 75, 150, 225, all within maxTotalMs.
      const c = client({ retry: { limit: 3, baseDelayMs: 100, maxDelayMs: 300, maxTotalMs: 225 } });
      (await c.request('/x')).statusCode.should.equal(200);
      seen.should.have.length(4);
      const [first, second, third] = gaps();
      first.should.be.aboveOrEqual(70);
      second.should.be.aboveOrEqual(145);
      third.should.be.aboveOrEqual(220);
    });

    it('waits as long as Retry-After says, and tells onRetryAfter until when', async () => {
      reply = (n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' }, text: '' } : {});
      const c = client({ retry: { limit: 1, baseDelayMs: 1 } });
      const told = [];
      c.onRetryAfter = (until) => told.push(until);
      (await c.request('/x')).statusCode.should.equal(200);
      told.should.eql([NOW + 1000]);
      gaps()[0].should.be.aboveOrEqual(990);
    });
  });
});
