// src/lib/client.ts, AimsClient: against a bare HTTP server whose every answer the test writes
// (the words a user reads in msg.error, what goes on the wire, which hosts get the token), against
// the simulator, its retries (which failures, the waits between attempts, when it stops), over
// real TLS on loopback, and the abort listeners of many requests in flight.
const should = require('should');
const { execFileSync, execFile } = require('node:child_process');
const dns = require('node:dns');
const { getEventListeners } = require('node:events');
const fs = require('node:fs');
const net = require('node:net');
const http = require('node:http');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { AimsClient, redactSecrets } = require('../../dist/src/lib/client.js');
const { fetchJob, JOBS_PATH } = require('../../dist/src/lib/jobs-endpoint.js');
const { isTransient } = require('../../dist/src/lib/poller.js');
const { startSim, apiCalls, rejection, TOKEN } = require('../support/sim');
const { trustCertificate } = require('../support/lib');
const { leakWarnings, warningsEmitted } = require('../support/warnings');

const FAST_RETRY = { baseDelayMs: 10, maxDelayMs: 50 };
const NO_RETRY = { limit: 0 };

describe('lib: AimsClient, answer by answer', function () {
  let server;
  let base;
  let reply;
  const seen = [];
  // Answers the test holds open (a hang, a stalled body), ended after each test.
  const held = [];
  // The server's open connections.
  const sockets = new Set();
  let arrivals = [];
  /** Resolves when the server has read the next request. */
  const arrival = () => new Promise((resolve) => arrivals.push(resolve));
  const clients = [];
  const client = (options = {}) => {
    const c = new AimsClient({ baseUrl: base, auth: { type: 'token', token: 'tok-123' }, retry: NO_RETRY, timeout: 3000, ...options });
    clients.push(c);
    return c;
  };
  const failure = (promise) => promise.then(() => {
    throw new Error('expected a failure');
  }, (err) => err);

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body, port: req.socket.remotePort });
        arrivals.splice(0).forEach((resolve) => resolve());
        const { status = 200, headers = { 'content-type': 'application/json' }, text = '{}', answer } = reply(req);
        // `answer` writes the reply itself, or nothing (a hang): the response is held until the test ends.
        if (answer) {
          held.push(res);
          answer(res);
          return;
        }
        res.writeHead(status, headers);
        res.end(text);
      });
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => server.close());
  beforeEach(() => {
    seen.length = 0;
    reply = () => ({});
  });
  afterEach(() => {
    clients.splice(0).forEach((c) => c.close());
    held.splice(0).forEach((res) => res.destroy());
    arrivals = [];
  });

  it('gives the API\'s own words from every error shape it sends', async () => {
    const shapes = [
      ['{"Message":"Upper case"}', 'Upper case'],
      ['{"message":"lower case"}', 'lower case'],
      ['{"error":"invalid_grant","error_description":"Wrong password"}', 'Wrong password'],
      ['{"error":{"code":"X","message":"Nested words"}}', 'Nested words'],
      ['{"error":"plain error"}', 'plain error'],
      ['  just text  ', 'just text'],
      // JSON without words of its own, or with an error object that has none: the JSON as it came.
      ['{"code":42}', '{"code":42}'],
      ['{"error":{"code":"X"}}', '{"error":{"code":"X"}}'],
    ];
    for (const [text, words] of shapes) {
      reply = () => ({ status: 400, headers: { 'content-type': 'text/plain' }, text });
      const err = await failure(client().request('/x'));
      err.should.match({ code: 'API_ERROR', status: 400 });
      err.message.should.equal(`AIMS360 answered 400: ${words}.`);
    }
    reply = () => ({ status: 500, text: '' });
    (await failure(client().request('/x'))).message.should.equal('AIMS360 answered 500.');
  });

  it('cuts the API\'s words at 300 characters', async () => {
    reply = () => ({ status: 400, text: JSON.stringify({ Message: 'w'.repeat(400) }) });
    const err = await failure(client().request('/x'));
    err.message.should.equal(`AIMS360 answered 400: ${'w'.repeat(300)}….`);
    reply = () => ({ status: 400, text: JSON.stringify({ Message: 'w'.repeat(300) }) });
    (await failure(client().request('/x'))).message.should.equal(`AIMS360 answered 400: ${'w'.repeat(300)}.`);
  });

  it('ends the API\'s own sentence with one full stop, never two', async () => {
    for (const [said, shown] of [['Job not found.', 'Job not found.'], ['Really?', 'Really?'], ['Stop!', 'Stop!'], ['no stop', 'no stop.']]) {
      reply = () => ({ status: 404, text: JSON.stringify({ Message: said }) });
      (await failure(client().request('/x'))).message.should.equal(`AIMS360 answered 404: ${shown}`);
    }
    reply = () => ({ status: 404, headers: { 'content-type': 'text/plain' }, text: 'No such document.' });
    (await failure(client().download(`${base}/doc`, { auth: false }))).message.should.equal('The document link answered 404: No such document.');
  });

  it('trusts origins: a host means https on 443, host:port and http://host:port exactly that origin, never another scheme or port', () => {
    const c = client({ baseUrl: 'https://gw.example.com', trustedHosts: 'files.example.com, alt.example.com:8443, http://plain.example.com:8080, *.cdn.example.net' });
    const trusted = ['https://gw.example.com/x', 'https://gw.example.com:443/x', 'https://files.example.com/x', 'https://alt.example.com:8443/x',
      'http://plain.example.com:8080/x', 'https://a.cdn.example.net/x', 'https://api.aims360.rest/x'];
    const untrusted = ['http://gw.example.com/x', 'https://gw.example.com:8443/x', 'http://files.example.com/x', 'https://files.example.com:444/x',
      'https://alt.example.com/x', 'http://alt.example.com:8443/x', 'https://plain.example.com:8080/x', 'http://plain.example.com/x',
      'http://a.cdn.example.net/x', 'http://api.aims360.rest/x', 'https://api.aims360.rest:8443/x'];
    for (const url of trusted) c.isTrustedHost(url).should.be.true(url);
    for (const url of untrusted) c.isTrustedHost(url).should.be.false(url);
  });

  it('trusts the token URL\'s origin, which receives the password grant anyway', () => {
    const c = client({ auth: { type: 'oauth2', tokenUrl: 'https://login.example.com:9443/token', clientId: 'c', clientSecret: 's', username: 'u', password: 'p' } });
    c.isTrustedHost('https://login.example.com:9443/other').should.be.true();
    c.isTrustedHost('https://login.example.com/other').should.be.false();
  });

  it('bounds a whole document at 120 timeouts, and never below an hour, unless told', () => {
    client().documentTimeout.should.equal(3_600_000);
    client({ timeout: 60_000 }).documentTimeout.should.equal(7_200_000);
    client({ documentTimeout: 1500 }).documentTimeout.should.equal(1500);
  });

  it('redacts a secret in every form a server may echo it, and the piece a cut leaves at either end', () => {
    const secret = 'Sé cr+t&"x\\y';
    const json = JSON.stringify(secret).slice(1, -1);
    const echoes = [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2),
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()), json, JSON.stringify(json).slice(1, -1), json.replace('é', '\\u00e9'),
      Buffer.from(secret).toString('base64'), Buffer.from(`id:${secret}`).toString('base64'), Buffer.from(`x${secret}`).toString('base64url')];
    for (const echo of echoes) {
      const shown = redactSecrets(`before ${echo} after`, ['other', secret]);
      shown.should.match(/^before .*\[redacted\].* after$/, echo);
      shown.length.should.be.below(`before [redacted] after`.length + 8, `${echo} -> ${shown}`);
    }
    redactSecrets(`cut at ${secret.slice(0, 7)}`, [secret]).should.equal('cut at [redacted]');
    redactSecrets(`${secret.slice(-7)} and more`, [secret]).should.equal('[redacted] and more');
    // Short secrets go only whole: their pieces would be ordinary words.
    redactSecrets('abc abcd', ['abcd']).should.equal('abc [redacted]');
    // No secret given, or only empty ones: the text as it was, no error.
    redactSecrets('the API said no', []).should.equal('the API said no');
    redactSecrets('the API said no', ['', '']).should.equal('the API said no');
  });

  it('names the failure by status: AUTH_FAILED for 401 and 403, RATE_LIMITED for 429', async () => {
    for (const [status, code, words] of [[401, 'AUTH_FAILED', /refused the credentials \(401: no\)/], [403, 'AUTH_FAILED', /\(403: no\)/], [429, 'RATE_LIMITED', /rate limiting this account \(429: no\): send fewer/]]) {
      reply = () => ({ status, text: '{"Message":"no"}' });
      const err = await failure(client().request('/x'));
      err.should.match({ code, status });
      err.message.should.match(words);
    }
  });

  it('says "also after retries" when retries did not help', async () => {
    reply = () => ({ status: 429, headers: { 'retry-after': '0' }, text: '' });
    const err = await failure(client({ retry: { limit: 1, baseDelayMs: 1 } }).request('/x'));
    err.message.should.match(/\(429\), also after retries:/);
    seen.should.have.length(2);
  });

  it('reads JSON by content type or by its first character, empty JSON as null, text as text', async () => {
    reply = () => ({ headers: { 'content-type': 'text/plain' }, text: ' [1,2]' });
    (await client().request('/x')).body.should.eql([1, 2]);
    reply = () => ({ headers: { 'content-type': 'application/json; charset=utf-8' }, text: '' });
    should((await client().request('/x')).body).be.null();
    reply = () => ({ headers: { 'content-type': 'text/plain' }, text: 'hello' });
    (await client().request('/x')).body.should.equal('hello');
    const err = await failure(client().requestJson('/x'));
    err.should.match({ code: 'BAD_RESPONSE', message: 'AIMS360 answered 200 with a body that is not JSON.' });
    reply = () => ({ text: '{"cut' });
    (await failure(client().request('/x'))).should.match({ code: 'BAD_RESPONSE', message: /could not be parsed/ });
  });

  it('sends the bearer token, asks for JSON, and keeps a query the path already has', async () => {
    await client().request('/x?a=1', { query: 'b=2', headers: { authorization: 'Bearer forged', 'x-extra': 'yes' } });
    await client().request('/y', { query: '$top=1' });
    seen[0].url.should.equal('/x?a=1&b=2');
    seen[0].headers.should.match({ authorization: 'Bearer tok-123', accept: 'application/json', 'x-extra': 'yes' });
    seen[1].url.should.equal('/y?$top=1');
  });

  it('sends a JSON body as JSON and a text body as it is', async () => {
    await client().request('/x', { method: 'POST', json: { a: 1 } });
    await client().request('/x', { method: 'PUT', body: 'plain', headers: { 'content-type': 'text/plain' } });
    seen[0].should.match({ method: 'POST', body: '{"a":1}' });
    seen[0].headers['content-type'].should.match(/^application\/json/);
    seen[1].should.match({ method: 'PUT', body: 'plain' });
  });

  it('trusts *.domain patterns for sub-domains only, in any case, and the base URL\'s host', () => {
    const c = client({ trustedHosts: ['*.Files.Example.com', 'one.example.org'] });
    c.isTrustedHost('https://a.files.example.com/x').should.be.true();
    c.isTrustedHost('https://A.B.FILES.example.com/x').should.be.true();
    c.isTrustedHost('https://files.example.com/x').should.be.false();
    c.isTrustedHost('https://xfiles.example.com/x').should.be.false();
    c.isTrustedHost(new URL('https://ONE.example.org/')).should.be.true();
    c.isTrustedHost('https://two.example.org/').should.be.false();
    c.isTrustedHost(`${base}/x`).should.be.true();
    c.isTrustedHost('https://files.aims360.rest/x').should.be.true();
    (() => client({ trustedHosts: 'ok.example.com, bad host' })).should.throw({ code: 'BAD_INPUT', message: /Trusted host "bad host"/ });
    (() => client({ trustedHosts: '*.localhost' })).should.throw({ code: 'BAD_INPUT' });
    client({ trustedHosts: ' , ' }).isTrustedHost('https://x.example.com').should.be.false();
  });

  it('refuses an absolute URL on an untrusted host, naming it, and resolves a trusted one', () => {
    const c = client();
    (() => c.resolve('https://evil.example.com/x')).should.throw({ code: 'UNTRUSTED_HOST', message: /^https:\/\/evil\.example\.com is not a trusted host/ });
    c.resolve('https://api.aims360.rest/x?y=1').href.should.equal('https://api.aims360.rest/x?y=1');
    c.resolve('jobs').href.should.equal(`${base}/jobs`);
  });

  it('says where a connection failed and why', async () => {
    const closed = new AimsClient({ baseUrl: 'http://127.0.0.1:1', auth: { type: 'token', token: 't' }, retry: NO_RETRY });
    clients.push(closed);
    const err = await failure(closed.request('/x'));
    err.should.match({ code: 'NETWORK', message: 'Could not reach AIMS360 (ECONNREFUSED): check the URL and the network.' });
    const oauth = new AimsClient({
      baseUrl: base, retry: NO_RETRY,
      auth: { type: 'oauth2', tokenUrl: 'http://127.0.0.1:1/token', clientId: 'c', clientSecret: 's', username: 'u', password: 'p' },
    });
    clients.push(oauth);
    (await failure(oauth.request('/x'))).message.should.equal('Could not reach the token URL (ECONNREFUSED): check the URL and the network.');
    (await failure(closed.download('http://127.0.0.1:1/doc', { auth: false }))).message.should.match(/^Could not reach the document link \(ECONNREFUSED\)/);
  });

  it('reports a refused password grant as AUTH_FAILED, and a token URL that answers no JSON', async () => {
    const oauth = () => client({ auth: { type: 'oauth2', tokenUrl: `${base}/token`, clientId: 'c', clientSecret: 'sec', username: 'u', password: 'pass-word-1' } });
    reply = (req) => (req.url === '/token' ? { status: 400, text: '{"error":"invalid_grant","error_description":"Bad login"}' } : {});
    const err = await failure(oauth().request('/x'));
    err.should.match({ code: 'AUTH_FAILED', status: 400 });
    err.message.should.equal('The token URL refused the password grant (400: Bad login): check client id, secret, user name and password.');
    seen[0].body.should.equal('grant_type=password&client_id=c&client_secret=sec&username=u&password=pass-word-1');
    reply = (req) => (req.url === '/token' ? { headers: { 'content-type': 'text/html' }, text: '<html>login</html>' } : {});
    (await failure(oauth().request('/x'))).should.match({ code: 'BAD_RESPONSE', message: /did not answer JSON/ });
  });

  it('reports a token URL that fails (5xx) or is busy (429) as such, not as refused credentials, so waits go on through it', async () => {
    const oauth = () => client({ auth: { type: 'oauth2', tokenUrl: `${base}/token`, clientId: 'c', clientSecret: 'sec', username: 'u', password: 'pass-word-1' } });
    reply = (req) => (req.url === '/token' ? { status: 503, text: 'Service Unavailable' } : {});
    const down = await failure(oauth().request('/x'));
    down.should.match({ code: 'API_ERROR', status: 503, message: 'The token URL answered 503: Service Unavailable.' });
    isTransient(down).should.be.true();
    reply = (req) => (req.url === '/token' ? { status: 429, text: 'Slow down' } : {});
    const busy = await failure(oauth().request('/x'));
    busy.should.match({ code: 'RATE_LIMITED', status: 429, message: /^The token URL is rate limiting this account \(429: Slow down\)/ });
    isTransient(busy).should.be.true();
  });

  it('gives a document\'s refusal with the first words of its body', async () => {
    reply = () => ({ status: 404, headers: { 'content-type': 'text/plain' }, text: 'No such document' });
    const err = await failure(client().download(`${base}/doc`, { auth: true }));
    err.should.match({ code: 'API_ERROR', status: 404, message: 'The document link answered 404: No such document.' });
    seen[0].headers.authorization.should.equal('Bearer tok-123');
    await failure(client().download(`${base}/doc`, { auth: false }));
    should(seen[1].headers.authorization).be.undefined();
  });

  it('names the setting and shows the value in every refused URL', async () => {
    const auth = { type: 'token', token: 't' };
    (() => new AimsClient({ auth })).should.throw({ code: 'BAD_INPUT', message: 'The base URL "" is not a URL: use e.g. https://apiwest.aims360.rest.' });
    (() => new AimsClient({ baseUrl: 'not a url', auth })).should.throw({ message: 'The base URL "not a url" is not a URL: use e.g. https://apiwest.aims360.rest.' });
    (() => new AimsClient({ baseUrl: 'ftp://files.example.com', auth })).should.throw({ code: 'BAD_INPUT', message: 'The base URL must start with http:// or https://.' });
    const oauth = { type: 'oauth2', tokenUrl: 'nope', clientId: 'c', clientSecret: 's', username: 'u', password: 'p' };
    (() => new AimsClient({ baseUrl: base, auth: oauth })).should.throw({ code: 'BAD_INPUT', message: 'The token URL "nope" is not a URL: use e.g. https://apiwest.aims360.rest.' });
    (() => client().resolve('ftp://files.example.com/x')).should.throw({ code: 'BAD_INPUT', message: 'The URL must start with http:// or https://.' });
    (await failure(client().download('mailto:someone@example.com', { auth: false }))).should.match({ code: 'BAD_INPUT', message: 'The document link must start with http:// or https://.' });
  });

  it('refuses a timeout that is not a whole number of at least 1 ms, and a token config without a token', () => {
    (() => client({ timeout: 0 })).should.throw({ code: 'BAD_INPUT', message: /^The timeout \(ms\) must be a whole number/ });
    (() => client({ timeout: 1.5 })).should.throw({ code: 'BAD_INPUT', message: /^The timeout \(ms\) must be a whole number/ });
    client({ timeout: '' }).timeout.should.equal(30000);
    (() => client({ auth: { type: 'token' } })).should.throw({ code: 'BAD_INPUT', message: /^No token/ });
    (() => client({ auth: undefined })).should.throw({ code: 'BAD_INPUT', message: /^No token/ });
  });

  it('keeps the base URL without its trailing slashes', () => {
    const c = client({ baseUrl: `${base}/aims//` });
    c.baseUrl.href.should.equal(`${base}/aims`);
    c.resolve('jobs').href.should.equal(`${base}/aims/jobs`);
  });

  it('resolves paths under the base URL\'s path without the trailing slashes the URL parser finds behind a space or an empty query', () => {
    // A flow file may hold the base URL with a trailing space (the editor trims it; a hand-written flow need not).
    for (const typed of [`${base}/aims// `, `${base}/aims//?`]) {
      const c = client({ baseUrl: typed });
      c.resolve('jobs').href.should.equal(`${base}/aims/jobs`);
      c.resolve('/aims/jobs').href.should.equal(`${base}/aims/jobs`);
    }
  });

  it('trusts the base URL\'s host however it was typed, and an exact host name only as itself', () => {
    const c = client({ baseUrl: 'https://Gw.Example.COM/aims', trustedHosts: 'one.example.org' });
    c.isTrustedHost('https://gw.example.com/other').should.be.true();
    c.resolve('https://GW.example.com/x').href.should.equal('https://gw.example.com/x');
    // A host that merely ends with a trusted name is another host.
    c.isTrustedHost('https://bone.example.org/').should.be.false();
    c.isTrustedHost('https://w.example.com/').should.be.false();
    c.isTrustedHost('https://aims360.rest/').should.be.false();
  });

  it('never sends the token to an untrusted host, even when a URL gets past resolve()', async () => {
    // send() is the last guard before the Authorization header: localhost is the same
    // server under another host name, so the token would reach it without the guard.
    const port = new URL(base).port;
    const c = client();
    c.resolve = () => new URL(`http://localhost:${port}/x`);
    const err = await failure(c.request('/x'));
    err.should.match({ code: 'UNTRUSTED_HOST', message: `http://localhost:${port} is not a trusted host; the token is not sent there.` });
    seen.should.have.length(0);
  });

  it('replaces the token by [redacted] in what the API says back, and the OAuth2 secrets in what the token URL says', async () => {
    reply = () => ({ status: 400, text: '{"Message":"bad token tok-123 (tok-123)"}' });
    (await failure(client().request('/x'))).message.should.equal('AIMS360 answered 400: bad token [redacted] ([redacted]).');
    reply = () => ({ status: 400, text: '{"error_description":"no user u with pass-word-1 for sec-ret-9"}' });
    const oauth = client({ auth: { type: 'oauth2', tokenUrl: `${base}/token`, clientId: 'c', clientSecret: 'sec-ret-9', username: 'u', password: 'pass-word-1' } });
    (await failure(oauth.request('/x'))).message.should.equal('The token URL refused the password grant (400: no user u with [redacted] for [redacted]): check client id, secret, user name and password.');
  });

  it('keeps the API\'s words after an echoed token as long as a JWT, with the token redacted', async () => {
    const token = `eyJ${'x'.repeat(1200)}.sig`;
    reply = () => ({ status: 401, text: JSON.stringify({ Message: `Token ${token} has expired; sign in again` }) });
    const err = await failure(client({ auth: { type: 'token', token } }).request('/x'));
    err.message.should.equal('AIMS360 refused the credentials (401: Token [redacted] has expired; sign in again): check the token or OAuth2 settings in the config node.');
  });

  it('adds no query when none is given, and takes a colon in a relative path as part of the path', async () => {
    await client().request('/plain');
    await client().request('/plain', { query: '' });
    await client().request('/at?time=10:30');
    await client().request("jobs('a:b')", { query: 'x=1' });
    seen.map((s) => s.url).should.eql(['/plain', '/plain', '/at?time=10:30', "/jobs('a:b')?x=1"]);
  });

  it('keeps its connection alive between requests', async () => {
    const c = client();
    await c.request('/a');
    await c.request('/b');
    seen[1].port.should.equal(seen[0].port);
  });

  describe('OAuth2: a token per grant, a new one after a 401', () => {
    let grants;
    const oauthClient = () => client({ auth: { type: 'oauth2', tokenUrl: `${base}/token`, clientId: 'c', clientSecret: 's', username: 'u', password: 'p' } });
    const apiCalls = () => seen.filter((s) => s.url !== '/token');
    /** The token URL hands out tok-1, tok-2…; `api` answers everything else. */
    const serve = (api) => {
      reply = (req) => (req.url === '/token' ? { text: JSON.stringify({ access_token: `tok-${++grants}`, expires_in: 3600 }) } : api(req));
    };
    beforeEach(() => {
      grants = 0;
    });

    it('asks the token URL for JSON, and retries it when it is unavailable', async () => {
      let unavailable = 1;
      reply = (req) => (req.url === '/token' && unavailable-- > 0 ? { status: 503, text: '' } : { text: '{"access_token":"tok-x"}' });
      const c = client({ retry: { limit: 1, baseDelayMs: 1 }, auth: { type: 'oauth2', tokenUrl: `${base}/token`, clientId: 'c', clientSecret: 's', username: 'u', password: 'p' } });
      (await c.request('/x')).statusCode.should.equal(200);
      seen.map((s) => s.url).should.eql(['/token', '/token', '/x']);
      seen[0].headers.accept.should.equal('application/json');
      seen[2].headers.authorization.should.equal('Bearer tok-x');
    });

    it('after a 401 fetches a new token once and sends the request again with it', async () => {
      serve((req) => (req.headers.authorization === 'Bearer tok-1' ? { status: 401, text: '' } : {}));
      (await oauthClient().request('/x')).statusCode.should.equal(200);
      apiCalls().map((s) => s.headers.authorization).should.eql(['Bearer tok-1', 'Bearer tok-2']);
      grants.should.equal(2);
    });

    it('does not fetch a new token for any other failure', async () => {
      serve(() => ({ status: 500, text: '' }));
      (await failure(oauthClient().request('/x'))).should.match({ code: 'API_ERROR', status: 500 });
      apiCalls().should.have.length(1);
      grants.should.equal(1);
    });

    it('opens a document link with the token once when it answers', async () => {
      serve(() => ({ headers: { 'content-type': 'text/plain' }, text: 'doc' }));
      const download = await oauthClient().download(`${base}/doc`, { auth: true });
      download.body.resume();
      download.statusCode.should.equal(200);
      apiCalls().map((s) => s.headers.authorization).should.eql(['Bearer tok-1']);
      grants.should.equal(1);
    });

    it('opens a document link again with a new token after a 401', async () => {
      serve((req) => (req.headers.authorization === 'Bearer tok-1' ? { status: 401, text: '' } : { headers: { 'content-type': 'text/plain' }, text: 'doc' }));
      const download = await oauthClient().download(`${base}/doc`, { auth: true });
      download.body.resume();
      download.statusCode.should.equal(200);
      apiCalls().map((s) => s.headers.authorization).should.eql(['Bearer tok-1', 'Bearer tok-2']);
    });

    it('fetches no token for a document link opened without one, even when it answers 401', async () => {
      serve(() => ({ status: 401, headers: { 'content-type': 'text/plain' }, text: 'Sign in' }));
      const err = await failure(oauthClient().download(`${base}/doc`, { auth: false }));
      err.should.match({ code: 'AUTH_FAILED', status: 401, message: 'The document link refused the credentials (401: Sign in): check the token or OAuth2 settings in the config node.' });
      grants.should.equal(0);
      apiCalls().should.have.length(1);
      should(apiCalls()[0].headers.authorization).be.undefined();
    });
  });

  describe('the request budget: each attempt gives its turn back', () => {
    it('lets the next request go once one that was written has had the grace to arrive, while that one is still unanswered', async () => {
      // One request a second: the unanswered one counts as arrived 1 s after it was written.
      reply = (req) => (req.url === '/hangs' ? { answer: () => undefined } : {});
      const c = client({ maxRequestsPerSecond: 1, timeout: 10_000 });
      let settled = false;
      const hanging = failure(c.request('/hangs')).finally(() => (settled = true));
      await arrival();
      (await c.request('/next')).statusCode.should.equal(200);
      settled.should.be.false();
      seen.map((s) => s.url).should.eql(['/hangs', '/next']);
      c.close();
      (await hanging).should.match({ code: 'NETWORK' });
    });

    it('lets the next request go while a document is still arriving: its turn counts from when its answer began', async () => {
      // The document's body never ends; without its turn given back at its answer, the next request
      // would wait until the document's silence timed out and closed it.
      reply = (req) => (req.url === '/doc'
        ? { answer: (res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('the first part');
        } }
        : {});
      const c = client({ maxRequestsPerSecond: 1, timeout: 10_000 });
      const download = await c.download(`${base}/doc`, { auth: false });
      let closed = false;
      download.body.on('error', () => undefined).on('close', () => (closed = true)).resume();
      (await c.request('/next')).statusCode.should.equal(200);
      closed.should.be.false();
      seen.map((s) => s.url).should.eql(['/doc', '/next']);
    });

    it('gives back the turn of a request refused before it was sent (a header Node will not send)', async () => {
      const c = client({ maxRequestsPerSecond: 1 });
      (await failure(c.request('/bad', { headers: { 'x-words': 'two\nlines' } }))).should.match({ code: 'NETWORK', message: /\(ERR_INVALID_CHAR\)/ });
      (await c.request('/next')).statusCode.should.equal(200);
      seen.map((s) => s.url).should.eql(['/next']);
    });

    it('gives back the turn of a document link refused before it was sent (a token pasted with its line break)', async () => {
      reply = () => ({ headers: { 'content-type': 'text/plain' }, text: 'doc' });
      const c = client({ maxRequestsPerSecond: 1, auth: { type: 'token', token: 'tok-123\n' } });
      (await failure(c.download(`${base}/doc`, { auth: true }))).should.match({ code: 'NETWORK', message: /\(ERR_INVALID_CHAR\)/ });
      const download = await c.download(`${base}/doc`, { auth: false });
      download.body.resume();
      download.statusCode.should.equal(200);
      seen.map((s) => s.url).should.eql(['/doc']);
    });
  });

  it('ends its kept-alive connections on close', async () => {
    // The server keeps an idle connection open for as long as the client does.
    const keepAliveTimeout = server.keepAliveTimeout;
    server.keepAliveTimeout = 0;
    try {
      const c = client();
      await c.request('/x');
      const socket = [...sockets].find((s) => s.remotePort === seen[0].port);
      should.exist(socket);
      socket.destroyed.should.be.false();
      const ended = new Promise((resolve) => socket.once('close', resolve));
      c.close();
      await ended;
    } finally {
      server.keepAliveTimeout = keepAliveTimeout;
    }
  });

  describe('the end of a request: closed, cancelled, timed out', () => {
    const hang = () => ({ answer: () => undefined });

    it('says the connection was closed, for a request in flight and for one after', async () => {
      reply = hang;
      const c = client();
      const pending = failure(c.request('/x'));
      await arrival();
      c.close();
      const closedWords = 'The AIMS360 connection was closed (the flow was redeployed or stopped).';
      (await pending).should.match({ code: 'NETWORK', message: closedWords });
      (await failure(c.request('/x'))).should.match({ code: 'NETWORK', message: closedWords });
    });

    it('says a request was cancelled when its signal aborts', async () => {
      reply = hang;
      const controller = new AbortController();
      const pending = failure(client().request('/x', { signal: controller.signal }));
      await arrival();
      controller.abort();
      (await pending).should.match({ code: 'NETWORK', message: 'The request was cancelled.' });
    });

    it('says how long it waited when the API does not answer in time', async () => {
      reply = hang;
      const err = await failure(client({ timeout: 200 }).request('/x'));
      err.should.match({ code: 'TIMEOUT', message: 'AIMS360 did not answer within 200 ms: try again later or raise the timeout.' });
    });
  });

  describe('document links', () => {
    const doc = () => `${base}/doc`;
    const refusal = (status, text) => () => ({ status, headers: { 'content-type': 'text/plain' }, text });

    it('answers ACCESS_DENIED for a 403 and LINK_EXPIRED for a 410, each saying what to do', async () => {
      reply = refusal(403, 'AccessDenied');
      (await failure(client().download(doc(), { auth: false }))).should.match({
        code: 'ACCESS_DENIED', status: 403,
        message: 'The document link answered Access Denied (403: AccessDenied): the job\'s access scope does not include this account, or the link is wrong.',
      });
      reply = refusal(410, 'Gone');
      (await failure(client().download(doc(), { auth: false }))).should.match({
        code: 'LINK_EXPIRED', status: 410, message: 'The document link has expired (410: Gone): rerun the job to get a new link.',
      });
      reply = refusal(429, '');
      (await failure(client().download(doc(), { auth: false }))).should.match({
        code: 'RATE_LIMITED', message: 'AIMS360 is rate limiting this account (429): send fewer requests or wait.',
      });
    });

    it('takes a 3xx it cannot follow as a failure, not as the document', async () => {
      reply = refusal(300, 'Pick one');
      (await failure(client().download(doc(), { auth: false }))).should.match({ code: 'API_ERROR', status: 300, message: 'The document link answered 300: Pick one.' });
    });

    it('asks for any type, and names an untrusted host before sending anything', async () => {
      reply = () => ({ headers: { 'content-type': 'text/csv' }, text: 'a,b' });
      (await client().download(doc(), { auth: false })).body.resume();
      seen[0].headers.accept.should.equal('*/*');
      const err = await failure(client().download('https://files.example.com/doc.csv', { auth: true }));
      err.should.match({
        code: 'UNTRUSTED_HOST',
        message: 'The document link is on https://files.example.com, which is not a trusted host, so the token is not sent there: add it to the config node\'s trusted hosts if it belongs to AIMS360.',
      });
      seen.should.have.length(1);
    });

    it('reads a refusal\'s words across chunks, up to 300 characters, and stops reading an endless one', async () => {
      // Each part is written on its own, after the one before has had time to arrive.
      const parts = (...texts) => () => ({
        answer: (res) => {
          res.writeHead(400, { 'content-type': 'text/plain' });
          const next = () => (texts.length ? res.write(texts.shift(), () => setTimeout(next, 30)) : res.end());
          next();
        },
      });
      reply = parts('No such ', 'document');
      (await failure(client().download(doc(), { auth: false }))).message.should.equal('The document link answered 400: No such document.');
      reply = parts('w'.repeat(300), 'w');
      (await failure(client().download(doc(), { auth: false }))).message.should.equal(`The document link answered 400: ${'w'.repeat(300)}….`);
      // An error page that never ends: the client reads its first words and lets go.
      reply = () => ({
        answer: (res) => {
          res.writeHead(400, { 'content-type': 'text/plain' });
          const timer = setInterval(() => res.write('x'.repeat(100)), 5);
          res.on('close', () => clearInterval(timer));
        },
      });
      (await failure(client().download(doc(), { auth: false }))).message.should.equal(`The document link answered 400: ${'x'.repeat(300)}….`);
    });

    it('answers TIMEOUT when a document link does not answer in time', async function () {
      this.timeout(10000);
      reply = () => ({ answer: () => undefined });
      (await failure(client({ timeout: 300 }).download(doc(), { auth: false }))).should.match({ code: 'TIMEOUT', message: /^AIMS360 did not answer within 300 ms/ });
    });

    describe('a body that stops part-way (no byte ranges, so no resume)', () => {
      /** Sends the head and 3 bytes of 100, then `then(res)`. */
      const partial = (then) => () => ({
        answer: (res) => {
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
          res.write('abc', () => then && then(res));
        },
      });
      const read = async (body) => {
        let text = '';
        for await (const chunk of body) text += chunk;
        return text;
      };

      it('says the download was cut off, with the reason', async () => {
        reply = partial((res) => res.socket.destroy());
        const download = await client().download(doc(), { auth: false });
        const err = await failure(read(download.body));
        err.should.match({ code: 'NETWORK', message: /^The download was cut off before its end \(ECONNRESET\): try again\. The server offers no way to resume/ });
      });

      it('says it timed out when the body falls silent', async function () {
        this.timeout(10000);
        reply = partial();
        const download = await client({ timeout: 300 }).download(doc(), { auth: false });
        (await failure(read(download.body))).message.should.match(/^AIMS360 did not answer within 300 ms/);
      });

      it('says it was cancelled, or closed, when that stopped it', async () => {
        reply = partial();
        const controller = new AbortController();
        const download = await client().download(doc(), { auth: false, signal: controller.signal });
        const reading = failure(read(download.body));
        controller.abort();
        (await reading).message.should.match(/^The request was cancelled\./);
        const c = client();
        const open = await c.download(doc(), { auth: false });
        const closing = failure(read(open.body));
        c.close();
        (await closing).message.should.match(/^The AIMS360 connection was closed/);
      });
    });
  });

  it('reads JSON only from text that starts with [ or {, after any white space', async () => {
    const bodies = [['[1,2]', [1, 2]], ['\n\t {"a":1}', { a: 1 }], ['hello {name}', 'hello {name}'], ['x [1]', 'x [1]']];
    for (const [text, body] of bodies) {
      reply = () => ({ headers: { 'content-type': 'text/plain' }, text });
      should((await client().request('/x')).body).eql(body);
    }
    reply = () => ({ headers: { 'content-type': 'application/json' }, text: ' \n ' });
    should((await client().request('/x')).body).be.null();
  });
});

describe('lib: AimsClient against the simulator', function () {
  let sim;
  const clients = [];
  const client = (options = {}) => {
    const c = new AimsClient({ baseUrl: sim.url, auth: { type: 'token', token: TOKEN }, timeout: 2000, retry: FAST_RETRY, ...options });
    clients.push(c);
    return c;
  };

  before(async () => {
    sim = await startSim();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  it('reads one job with the bearer token and a strictly encoded $filter', async () => {
    const job = sim.addJob({ jobId: 'job-1' });
    const found = await fetchJob(client(), 'job-1');
    found.jobID.should.equal(job.jobID);
    const [call] = apiCalls(sim);
    call.headers.authorization.should.equal(`Bearer ${TOKEN}`);
    call.query.should.containEql('%20eq%20');
    call.query.should.not.containEql('+');
  });

  for (const status of [429, 502, 503, 504]) {
    it(`retries ${status} and then succeeds`, async () => {
      sim.addJob({ jobId: 'job-r' });
      sim.addFault({ type: 'status', status, times: 2, match: { path: JOBS_PATH } });
      await fetchJob(client(), 'job-r');
      apiCalls(sim).length.should.equal(3);
    });
  }

  it('retries a connection reset and a truncated body', async () => {
    sim.addJob({ jobId: 'job-n' });
    sim.addFault({ type: 'reset', times: 1 });
    sim.addFault({ type: 'truncated', times: 1 });
    await fetchJob(client(), 'job-n');
    apiCalls(sim).length.should.equal(3);
  });

  it('gives up after the retry limit with the right code', async () => {
    sim.addFault({ type: 'status', status: 429, times: -1 });
    const err = await rejection(fetchJob(client({ retry: { ...FAST_RETRY, limit: 2 } }), 'job-x'));
    err.code.should.equal('RATE_LIMITED');
    err.status.should.equal(429);
    apiCalls(sim).length.should.equal(3);
    sim.clearLog();
    sim.clearFaults();
    sim.addFault({ type: 'status', status: 503, times: -1 });
    const err503 = await rejection(fetchJob(client({ retry: { ...FAST_RETRY, limit: 1 } }), 'job-x'));
    err503.code.should.equal('API_ERROR');
    err503.status.should.equal(503);
    sim.clearFaults();
    sim.addFault({ type: 'reset', times: -1 });
    (await rejection(fetchJob(client({ retry: { ...FAST_RETRY, limit: 1 } }), 'job-x'))).code.should.equal('NETWORK');
  });

  it('honours Retry-After in seconds', async () => {
    sim.addJob({ jobId: 'job-ra' });
    sim.addFault({ type: 'status', status: 429, retryAfter: 1, times: 1 });
    const started = Date.now();
    await fetchJob(client(), 'job-ra');
    (Date.now() - started).should.be.aboveOrEqual(950);
  });

  it('stops retrying when the total retry time would pass its bound', async () => {
    sim.addFault({ type: 'status', status: 503, retryAfter: 5, times: -1 });
    const started = Date.now();
    const err = await rejection(fetchJob(client({ retry: { ...FAST_RETRY, maxTotalMs: 1000 } }), 'job-x'));
    err.code.should.equal('API_ERROR');
    (Date.now() - started).should.be.below(1000);
    apiCalls(sim).length.should.equal(1);
  });

  it('does not retry 500, 400, 403 or 410, nor a malformed body', async () => {
    // 410 is LINK_EXPIRED only from a document link (formats.test.js), not from the API.
    for (const [status, code] of [[500, 'API_ERROR'], [400, 'API_ERROR'], [403, 'AUTH_FAILED'], [410, 'API_ERROR']]) {
      sim.clearLog();
      sim.addFault({ type: 'status', status, times: 1, body: '{"Message":"no way"}' });
      const err = await rejection(fetchJob(client(), 'job-x'));
      err.code.should.equal(code);
      err.status.should.equal(status);
      err.message.should.containEql('no way');
      apiCalls(sim).length.should.equal(1);
    }
    sim.clearLog();
    sim.addFault({ type: 'malformed', times: 1 });
    (await rejection(fetchJob(client(), 'job-x'))).code.should.equal('BAD_RESPONSE');
    apiCalls(sim).length.should.equal(1);
  });

  it('answers TIMEOUT when the API hangs past the timeout', async function () {
    sim.addFault({ type: 'hang', times: -1 });
    const err = await rejection(fetchJob(client({ timeout: 200, retry: { ...FAST_RETRY, limit: 1 } }), 'job-x'));
    err.code.should.equal('TIMEOUT');
    apiCalls(sim).length.should.equal(2);
  });

  it('does not retry a POST unless asked', async () => {
    const posts = () => sim.log.filter((entry) => entry.path === '/reports/v1.0/exportdata').length;
    sim.addFault({ type: 'status', status: 503, times: 1 });
    (await rejection(client().request('/reports/v1.0/exportdata', { method: 'POST', json: {} }))).code.should.equal('API_ERROR');
    posts().should.equal(1);
    sim.addFault({ type: 'status', status: 503, times: 1 });
    const answer = await client().request('/reports/v1.0/exportdata', { method: 'POST', json: { outputFormat: 'csv' }, retry: true });
    answer.statusCode.should.equal(200);
    posts().should.equal(3);
  });

  it('sends the token only to trusted hosts', async () => {
    const c = client({ trustedHosts: 'files.example.com, *.blob.example.net' });
    c.isTrustedHost('https://files.example.com/x').should.be.true();
    c.isTrustedHost('https://a.blob.example.net/x').should.be.true();
    c.isTrustedHost('https://apiwest.aims360.rest/x').should.be.true();
    c.isTrustedHost('https://evil.example.com/x').should.be.false();
    c.isTrustedHost('https://blob.example.net.evil.com/x').should.be.false();
    (await rejection(c.request('https://evil.example.com/jobs'))).code.should.equal('UNTRUSTED_HOST');
    sim.log.length.should.equal(0);
  });

  it('keeps a path prefix of the base URL and strips a trailing slash', () => {
    const c = client({ baseUrl: 'https://gw.example.com/aims/' });
    c.resolve('/jobsmanagement/x').href.should.equal('https://gw.example.com/aims/jobsmanagement/x');
    c.resolve('reports/v1.0/exportdata').href.should.equal('https://gw.example.com/aims/reports/v1.0/exportdata');
    c.resolve('/aims/jobsmanagement/x?a=1').href.should.equal('https://gw.example.com/aims/jobsmanagement/x?a=1');
  });

  it('refuses bad settings with BAD_INPUT', () => {
    const bad = [
      { baseUrl: 'ftp://x' },
      { baseUrl: 'not a url' },
      { timeout: -1 },
      { timeout: 'abc' },
      { trustedHosts: 'https://files.example.com/path' },
      { trustedHosts: 'ftp://files.example.com' },
      { trustedHosts: 'files.example.com:0' },
      { trustedHosts: 'files.example.com:65536' },
      { trustedHosts: '*.com' },
      { auth: { type: 'token', token: '' } },
      { auth: { type: 'oauth2', tokenUrl: 'http://x/t', clientId: 'a', clientSecret: '', username: 'u', password: 'p' } },
      { auth: { type: 'oauth2', tokenUrl: 'nope', clientId: 'a', clientSecret: 's', username: 'u', password: 'p' } },
    ];
    for (const options of bad) {
      (() => client(options)).should.throw({ code: 'BAD_INPUT' });
    }
    client({ timeout: '1500' }).timeout.should.equal(1500);
  });



  it('redacts the token from what the API says back', async () => {
    sim.addFault({ type: 'status', status: 400, body: JSON.stringify({ Message: `bad token ${TOKEN}` }), times: 1 });
    const err = await rejection(fetchJob(client(), 'job-x'));
    err.message.should.not.containEql(TOKEN);
    JSON.stringify(err).should.not.containEql(TOKEN);
    String(err.stack).should.not.containEql(TOKEN);
  });

  it('ends requests in flight on close', async () => {
    sim.addFault({ type: 'hang', times: -1 });
    const c = client({ timeout: 60000 });
    const pending = rejection(fetchJob(c, 'job-x'));
    await new Promise((r) => setTimeout(r, 100));
    c.close();
    (await pending).code.should.equal('NETWORK');
    (await rejection(fetchJob(c, 'job-x'))).code.should.equal('NETWORK');
  });

  describe('OAuth2 password grant', () => {
    const oauth = (extra = {}) => ({
      type: 'oauth2',
      tokenUrl: `${sim.url}/connect/token`,
      clientId: 'sim-client',
      clientSecret: 'sim-secret',
      username: 'operator@example.com',
      password: 'sim-password',
      ...extra,
    });
    const tokenCalls = () => sim.log.filter((entry) => entry.path === '/connect/token');

    it('fetches one token for many concurrent requests and reuses it', async () => {
      sim.addJob({ jobId: 'job-o' });
      const c = client({ auth: oauth() });
      await Promise.all(Array.from({ length: 20 }, () => fetchJob(c, 'job-o')));
      await fetchJob(c, 'job-o');
      tokenCalls().length.should.equal(1);
      apiCalls(sim).every((e) => /^Bearer .+/.test(e.headers.authorization)).should.be.true();
    });

    it('fetches a new token when the old one expires', async function () {
      await sim.close();
      sim = await startSim({ oauth: { tokenTtlSeconds: 1 } });
      sim.addJob({ jobId: 'job-e' });
      const c = client({ auth: oauth() });
      await fetchJob(c, 'job-e');
      await new Promise((r) => setTimeout(r, 1100));
      await fetchJob(c, 'job-e');
      tokenCalls().length.should.equal(2);
      apiCalls(sim).filter((e) => e.status === 401).length.should.equal(0);
    });

    it('on a 401 fetches a token again once and retries the request', async () => {
      sim.addJob({ jobId: 'job-401' });
      const c = client({ auth: oauth() });
      await fetchJob(c, 'job-401');
      sim.expireTokens();
      await fetchJob(c, 'job-401');
      tokenCalls().length.should.equal(2);
      apiCalls(sim).map((e) => e.status).should.eql([200, 401, 200]);
    });

    it('retries a 401 only once per request', async () => {
      const c = client({ auth: oauth() });
      sim.addFault({ type: 'status', status: 401, times: -1, match: { path: JOBS_PATH } });
      (await rejection(fetchJob(c, 'job-x'))).code.should.equal('AUTH_FAILED');
      apiCalls(sim).length.should.equal(2);
      tokenCalls().length.should.equal(2);
    });

    it('does not retry a 401 with a static token', async () => {
      const c = client({ auth: { type: 'token', token: 'wrong-token' } });
      const err = await rejection(fetchJob(c, 'job-x'));
      err.code.should.equal('AUTH_FAILED');
      err.status.should.equal(401);
      apiCalls(sim).length.should.equal(1);
    });

    it('answers AUTH_FAILED for a wrong password, without leaking it', async () => {
      const c = client({ auth: oauth({ password: 'wrong-password-123' }) });
      const err = await rejection(fetchJob(c, 'job-x'));
      err.code.should.equal('AUTH_FAILED');
      JSON.stringify({ m: err.message, s: err.stack }).should.not.containEql('wrong-password-123');
      apiCalls(sim).length.should.equal(0);
    });
  });
});

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

    it('gives back the turn of an attempt that failed before any answer, so that its retry takes the next', async () => {
      lookupFailures = ['ECONNREFUSED'];
      const c = client({ maxRequestsPerSecond: 1, retry: { limit: 1, baseDelayMs: 1 } });
      (await c.request('/x')).statusCode.should.equal(200);
      seen.should.have.length(1);
      lookupFailures.should.have.length(0);
    });

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

describe('lib: AimsClient over https', function () {
  const CLIENT = path.resolve(__dirname, '../../dist/src/lib/client.js');
  const TOKEN = 'tls-token-4711';

  /** Runs three GETs in a fresh Node; resolves what each gave: a status code, or an error's code and message. */
  function requestsFromChild(baseUrl, env) {
    const script = `
      const { AimsClient } = require(${JSON.stringify(CLIENT)});
      const client = new AimsClient({ baseUrl: ${JSON.stringify(baseUrl)}, auth: { type: 'token', token: ${JSON.stringify(TOKEN)} }, retry: { limit: 0 }, timeout: 5000 });
      (async () => {
        const results = [];
        for (const p of ['/a', '/b', '/c']) {
          try { results.push({ status: (await client.request(p)).statusCode }); }
          catch (err) { results.push({ code: err.code, message: err.message }); }
        }
        client.close();
        process.stdout.write(JSON.stringify(results));
      })();`;
    return new Promise((resolve, reject) => {
      execFile(process.execPath, ['-e', script], { env: { ...process.env, ...env }, timeout: 60000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout));
      });
    });
  }

  /** Runs openssl quietly in `dir`. */
  const openssl = (dir, args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

  // A fresh Node per test: on a loaded machine (a mutation run) its start alone may take seconds.
  this.timeout(60000);
  let dir;
  let server;
  let connections;
  let requests;

  // Made once: a self-signed certificate, and one signed by a CA that no process trusts.
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-tls-'));
    openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', 'self.key', '-out', 'self.pem']);
    openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=unknown test CA', '-keyout', 'ca.key', '-out', 'ca.pem']);
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'signed.key', '-out', 'signed.csr']);
    fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl(dir, ['x509', '-req', '-in', 'signed.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext', '-out', 'signed.pem']);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const answerJson = (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  };

  /** Serves https on loopback with the named certificate (answering with `handle`); resolves its base URL. */
  async function serve(name, handle = answerJson) {
    connections = 0;
    requests = [];
    server = https.createServer({ key: fs.readFileSync(path.join(dir, `${name}.key`)), cert: fs.readFileSync(path.join(dir, `${name}.pem`)) }, (req, res) => {
      requests.push({ url: req.url, authorization: req.headers.authorization });
      handle(req, res);
    });
    server.on('secureConnection', () => connections++);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${server.address().port}`;
  }
  afterEach(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));

  it('sends the token over TLS and keeps one connection alive for requests one after another', async () => {
    const results = await requestsFromChild(await serve('self'), { NODE_EXTRA_CA_CERTS: path.join(dir, 'self.pem') });
    results.should.eql([{ status: 200 }, { status: 200 }, { status: 200 }]);
    requests.map((r) => r.url).should.eql(['/a', '/b', '/c']);
    requests.every((r) => r.authorization === `Bearer ${TOKEN}`).should.be.true();
    connections.should.equal(1);
  });

  for (const [name, kind, code] of [['self', 'a self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'], ['signed', 'a certificate from an unknown CA', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']]) {
    it(`refuses ${kind} the process does not trust, with NETWORK, before the token is sent`, async () => {
      const results = await requestsFromChild(await serve(name), { NODE_EXTRA_CA_CERTS: '' });
      results.should.have.length(3);
      for (const r of results) {
        r.code.should.equal('NETWORK');
        r.message.should.equal(`The TLS certificate of AIMS360 is not trusted (${code}): check the URL, or start Node-RED with NODE_EXTRA_CA_CERTS naming your CA's certificate.`);
        r.message.should.not.containEql(TOKEN);
      }
      requests.should.be.empty();
    });
  }

  describe('in this process, the certificate trusted by the client\'s own agent', () => {
    const clients = [];
    // One port that passes TLS on to the https server of serve() and plain http to plainServer, by the
    // first byte: https and http on the same host and port, which got takes for one origin and keeps the token on.
    let mux;
    let plainServer;
    let plain;
    const plainSeen = [];
    const failure = (promise) => promise.then(() => {
      throw new Error('expected a failure');
    }, (err) => err);
    /** A client of `baseUrl` that trusts the self-signed certificate and the plain http origin. */
    const tlsClient = (baseUrl, { trust = true } = {}) => {
      const c = new AimsClient({ baseUrl, auth: { type: 'token', token: TOKEN }, retry: { limit: 0 }, timeout: 5000, trustedHosts: plain });
      clients.push(c);
      return trust ? trustCertificate(c, fs.readFileSync(path.join(dir, 'self.pem'))) : c;
    };
    /** Serves https with the self-signed certificate on the shared port, redirecting each path of `routes`. */
    const serveRedirects = async (routes) => {
      await serve('self', (req, res) => {
        if (!(req.url in routes)) return answerJson(req, res);
        res.writeHead(302, { location: routes[req.url] });
        return res.end();
      });
      return `https://127.0.0.1:${mux.address().port}`;
    };

    before(async () => {
      plainServer = http.createServer((req, res) => {
        plainSeen.push({ url: req.url, authorization: req.headers.authorization });
        answerJson(req, res);
      });
      await new Promise((resolve) => plainServer.listen(0, '127.0.0.1', resolve));
      mux = net.createServer((socket) => socket.once('data', (first) => {
        // 22: a TLS handshake record.
        const upstream = net.connect((first[0] === 22 ? server : plainServer).address().port, '127.0.0.1');
        upstream.write(first);
        socket.pipe(upstream).pipe(socket);
        for (const [one, other] of [[socket, upstream], [upstream, socket]]) {
          one.on('error', () => undefined);
          one.on('close', () => other.destroy());
        }
      }));
      await new Promise((resolve) => mux.listen(0, '127.0.0.1', resolve));
      plain = `http://127.0.0.1:${mux.address().port}`;
    });
    after(async () => {
      plainServer.closeAllConnections();
      await new Promise((resolve) => plainServer.close(resolve));
      await new Promise((resolve) => mux.close(resolve));
    });
    beforeEach(() => {
      plainSeen.length = 0;
    });
    afterEach(() => clients.splice(0).forEach((c) => c.close()));

    it('keeps one TLS connection alive for requests one after another, and ends it on close', async () => {
      const c = tlsClient(await serve('self'));
      // The server keeps the idle connection open for as long as the client does.
      server.keepAliveTimeout = 0;
      const connection = new Promise((resolve) => server.once('secureConnection', resolve));
      for (const p of ['/a', '/b', '/c']) (await c.request(p)).statusCode.should.equal(200);
      requests.map((r) => r.authorization).should.eql(Array(3).fill(`Bearer ${TOKEN}`));
      connections.should.equal(1);
      const socket = await connection;
      socket.destroyed.should.be.false();
      const ended = new Promise((resolve) => socket.once('close', resolve));
      c.close();
      await ended;
    });

    it('refuses a certificate it does not trust, naming where and why, before the token is sent', async () => {
      const err = await failure(tlsClient(await serve('self'), { trust: false }).request('/a'));
      err.should.match({
        code: 'NETWORK',
        message: 'The TLS certificate of AIMS360 is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT): check the URL, or start Node-RED with NODE_EXTRA_CA_CERTS naming your CA\'s certificate.',
      });
      const base = await serve('signed');
      (await failure(tlsClient(base).download(`${base}/doc`, { auth: true }))).message
        .should.equal('The TLS certificate of the document link is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE): check the URL, or start Node-RED with NODE_EXTRA_CA_CERTS naming your CA\'s certificate.');
      requests.should.be.empty();
    });

    it('follows an API redirect from https to https on a trusted origin, and none down to http, even to a trusted origin', async () => {
      const base = await serveRedirects({ '/same': '/new', '/down': `${plain}/x`, '/away': 'https://localhost:1/x' });
      const c = tlsClient(base);
      (await c.request('/same')).statusCode.should.equal(200);
      requests.map((r) => [r.url, r.authorization]).should.eql([['/same', `Bearer ${TOKEN}`], ['/new', `Bearer ${TOKEN}`]]);
      const down = await failure(c.request('/down'));
      down.should.match({
        code: 'UNTRUSTED_HOST', status: 302,
        message: `AIMS360 redirected the request to ${plain} (from https to http), which may not receive the token: the redirect was not followed. Add the origin to the config node's trusted hosts if it belongs to AIMS360.`,
      });
      plainSeen.should.be.empty();
      // Not trusted, but still https: no downgrade to name.
      (await failure(c.request('/away'))).message.should.startWith('AIMS360 redirected the request to https://localhost:1, which may not receive the token');
    });

    it('follows a document link\'s redirect from https down to http without the token, even to a trusted origin on the same port', async () => {
      const base = await serveRedirects({ '/doc': '/moved', '/moved': `${plain}/file` });
      const download = await tlsClient(base).download(`${base}/doc`, { auth: true });
      download.statusCode.should.equal(200);
      download.body.resume();
      requests.map((r) => [r.url, r.authorization]).should.eql([['/doc', `Bearer ${TOKEN}`], ['/moved', `Bearer ${TOKEN}`]]);
      plainSeen.should.eql([{ url: '/file', authorization: undefined }]);
    });
  });
});

// Abort listeners: many requests in flight add none to a shared signal (the client's, the
// caller's), so Node's MaxListenersExceededWarning is left on.
describe('lib: AimsClient abort listeners', function () {
  let warnings;
  beforeEach(() => (warnings = leakWarnings()));
  afterEach(() => warnings.stop());

  let server;
  const held = [];
  let onArrival = () => undefined;

  before(async () => {
    server = http.createServer((req, res) => {
      held.push(res);
      onArrival();
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(() => {
    held.splice(0).forEach((res) => res.destroy());
    return new Promise((resolve) => server.close(resolve));
  });

  it('holds 30 requests in flight (20 without a signal, 10 on one caller signal) with no listener on either signal', async () => {
    const client = new AimsClient({ baseUrl: `http://127.0.0.1:${server.address().port}`, auth: { type: 'token', token: 'tok' }, retry: { limit: 0 } });
    const caller = new AbortController();
    // Fewer than the agent's 32 sockets, so every request reaches the server.
    const all = new Promise((resolve) => (onArrival = () => held.length === 30 && resolve()));
    const requests = [
      ...Array.from({ length: 20 }, () => client.request('/x')),
      ...Array.from({ length: 10 }, () => client.request('/x', { signal: caller.signal })),
    ].map((p) => p.catch((err) => err));
    await all;
    await warningsEmitted();
    warnings.seen.should.be.empty();
    getEventListeners(caller.signal, 'abort').should.have.length(0);
    client.close();
    for (const err of await Promise.all(requests)) err.code.should.equal('NETWORK');
  });
});

describe('lib: AimsClient redirects, closed clients, answers over the size limit, hosts without a port', function () {
  let server;
  let base;
  let elsewhere;
  let handle;
  const seen = [];
  const open = new Set();
  const clients = [];
  const client = (options = {}) => {
    const c = new AimsClient({ baseUrl: base, auth: { type: 'token', token: 'tok-123' }, retry: NO_RETRY, timeout: 3000, ...options });
    clients.push(c);
    return c;
  };
  const oauth = () => client({ auth: { type: 'oauth2', tokenUrl: `${base}/token`, clientId: 'c', clientSecret: 'sec', username: 'u', password: 'pass-word-1' } });
  const failure = (promise) => promise.then(() => {
    throw new Error('expected a failure');
  }, (err) => err);
  const redirect = (status, location) => (req, res) => {
    res.writeHead(status, location === undefined ? { 'content-type': 'text/plain' } : { location });
    res.end(location === undefined ? 'Moved somewhere' : '');
  };
  const json = (value) => (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ host: req.headers.host, url: req.url, authorization: req.headers.authorization });
      open.add(res);
      res.on('close', () => open.delete(res));
      handle(req, res);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
    // The same server by another name: another origin, which the client does not trust.
    elsewhere = `http://localhost:${server.address().port}`;
  });
  after(() => server.close());
  beforeEach(() => {
    seen.length = 0;
  });
  afterEach(() => {
    clients.splice(0).forEach((c) => c.close());
    open.forEach((res) => res.destroy());
  });

  it('follows an API redirect on its own origin with the token', async () => {
    handle = (req, res) => (req.url === '/old' ? redirect(302, '/new')(req, res) : json({ ok: true })(req, res));
    const answer = await client().request('/old');
    answer.should.match({ statusCode: 200, body: { ok: true } });
    seen.map((s) => [s.url, s.authorization]).should.eql([['/old', 'Bearer tok-123'], ['/new', 'Bearer tok-123']]);
  });

  it('does not follow an API redirect to an untrusted origin (any 3xx from 300 to 308), naming where it led', async () => {
    for (const status of [300, 301, 302, 303, 307, 308]) {
      seen.length = 0;
      handle = (req, res) => (req.url === '/away' ? redirect(status, `${elsewhere}/x`)(req, res) : json({ followed: true })(req, res));
      const err = await failure(client().request('/away'));
      err.should.match({ code: 'UNTRUSTED_HOST', status });
      err.message.should.equal(`AIMS360 redirected the request to ${elsewhere}, which may not receive the token: the redirect was not followed. Add the origin to the config node's trusted hosts if it belongs to AIMS360.`);
      seen.map((s) => s.url).should.eql(['/away']);
    }
  });

  it('ends the API\'s words with a full stop when their only stop is inside them', async () => {
    handle = (req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Message: 'Version 1.2 is not supported' }));
    };
    (await failure(client().request('/x'))).message.should.equal('AIMS360 answered 400: Version 1.2 is not supported.');
  });

  it('takes an API 3xx without a Location as the API\'s failure, with its words', async () => {
    handle = redirect(302);
    (await failure(client().request('/x'))).should.match({ code: 'API_ERROR', status: 302, message: 'AIMS360 answered 302: Moved somewhere.' });
  });

  it('takes an API 304 it did not ask for as the API\'s failure, not as an empty answer', async () => {
    // got passes a 304 as a success (the other 3xx without a Location it throws); it has no body, so no words.
    handle = (req, res) => {
      res.writeHead(304, { etag: '"v1"' });
      res.end();
    };
    (await failure(client().request('/x'))).should.match({ code: 'API_ERROR', status: 304, message: 'AIMS360 answered 304.' });
  });

  it('fails an API redirect whose Location is not a URL as a failed connection naming ERR_INVALID_URL, and goes nowhere', async () => {
    handle = (req, res) => (req.url === '/x' ? redirect(302, 'http://[not a host')(req, res) : json({})(req, res));
    (await failure(client().request('/x'))).should.match({ code: 'NETWORK', message: 'Could not reach AIMS360 (ERR_INVALID_URL): check the URL and the network.' });
    seen.map((s) => s.url).should.eql(['/x']);
  });

  it('follows a redirect of the token URL nowhere, so the password grant is not sent on', async () => {
    handle = (req, res) => (req.url === '/token' ? redirect(307, `${elsewhere}/token`)(req, res) : json({})(req, res));
    (await failure(oauth().request('/x'))).should.match({
      code: 'AUTH_FAILED',
      status: 307,
      message: `The token URL answered 307, a redirect to ${elsewhere}: the client secret and password are not sent on to another address. Set the Token URL to the address that answers.`,
    });
    handle = redirect(302);
    (await failure(oauth().request('/x'))).message.should.equal('The token URL answered 302, a redirect: the client secret and password are not sent on to another address. Set the Token URL to the address that answers.');
    // Not even to its own origin.
    handle = (req, res) => (req.url === '/token' ? redirect(302, '/token-here')(req, res) : json({ access_token: 'moved', expires_in: 3600 })(req, res));
    (await failure(oauth().request('/x'))).should.match({ code: 'AUTH_FAILED', status: 302 });
    seen.map((s) => s.url).should.eql(['/token', '/token', '/token']);
  });

  it('follows a document link\'s redirects, keeping the token on its own origin and dropping it elsewhere', async () => {
    const routes = { '/doc': redirect(302, '/moved'), '/moved': redirect(302, `${elsewhere}/file`) };
    handle = (req, res) => (routes[req.url] ?? json({ a: 1 }))(req, res);
    const download = await client().download(`${base}/doc`, { auth: true });
    download.statusCode.should.equal(200);
    download.body.resume();
    seen.map((s) => [s.url, s.authorization]).should.eql([['/doc', 'Bearer tok-123'], ['/moved', 'Bearer tok-123'], ['/file', undefined]]);
  });

  it('refuses every request of a closed client before sending it, a document too', async () => {
    handle = json({});
    const c = client();
    c.close();
    const closedWords = 'The AIMS360 connection was closed (the flow was redeployed or stopped).';
    (await failure(c.request('/x'))).should.match({ code: 'NETWORK', message: closedWords });
    (await failure(c.download(`${base}/doc`, { auth: false }))).should.match({ code: 'NETWORK', message: closedWords });
    seen.should.have.length(0);
  });

  it('stops reading an answer announced over 64 MB, from the API and from the token URL, and says so', async () => {
    // Announces one byte more than the limit, sends a little and keeps the rest back.
    handle = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024 + 1) });
      res.write('{"a":');
    };
    (await failure(client().request('/x'))).should.match({ code: 'BAD_RESPONSE', message: 'AIMS360 sent an answer larger than 64 MB; it was not read further.' });
    (await failure(oauth().request('/x'))).should.match({ code: 'BAD_RESPONSE', message: 'The token URL sent an answer larger than 64 MB; it was not read further.' });
    seen.map((s) => s.url).should.eql(['/x', '/token']);
  });

  it('stops reading an answer that goes past 64 MB without announcing its length', async function () {
    // 65 MB over loopback: a loaded machine (a mutation run) may take seconds.
    this.timeout(30000);
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    handle = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let sent = 0;
      const more = () => {
        while (sent <= 64 && !res.destroyed) {
          sent++;
          if (!res.write(chunk)) return res.once('drain', more);
        }
        return undefined;
      };
      more();
    };
    (await failure(client({ timeout: 20000 }).request('/x'))).should.match({ code: 'BAD_RESPONSE', message: 'AIMS360 sent an answer larger than 64 MB; it was not read further.' });
  });

  it('says a document\'s time limit in seconds when it is not whole minutes', async () => {
    handle = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('a,b\n');
    };
    const download = await client({ documentTimeout: 1500 }).download(`${base}/doc`, { auth: false });
    const err = await new Promise((resolve) => download.body.on('error', resolve).resume());
    err.should.match({ code: 'TIMEOUT', message: 'The document was still arriving after 1.5 s, the most a download may take: it was stopped. Check the link\'s server, or use a smaller export.' });
  });

  it('counts the wait for a document\'s answer against its time limit, and says the limit in minutes when it is whole minutes', async () => {
    const realNow = Date.now;
    let late = 0;
    Date.now = () => realNow() + late;
    try {
      handle = (req, res) => {
        // The answer begins a minute after the request, as the client's clock sees it: no time is left.
        late = 60_000;
        res.writeHead(200, { 'content-type': 'text/csv' });
        res.write('a,b\n');
      };
      const download = await client({ documentTimeout: 60_000 }).download(`${base}/doc`, { auth: false });
      const err = await new Promise((resolve) => download.body.on('error', resolve).resume());
      err.should.match({ code: 'TIMEOUT', message: 'The document was still arriving after 1 min, the most a download may take: it was stopped. Check the link\'s server, or use a smaller export.' });
    } finally {
      Date.now = realNow;
    }
  });

  it('leaves no timer behind once a document has arrived whole (its time limit would hold the process open for an hour)', async () => {
    // Every timer started while the document is opened and read, less those cleared or run.
    const realSetTimeout = global.setTimeout;
    const realClearTimeout = global.clearTimeout;
    const pending = new Set();
    global.setTimeout = (callback, ...rest) => {
      const timer = realSetTimeout(() => {
        pending.delete(timer);
        callback();
      }, ...rest);
      pending.add(timer);
      return timer;
    };
    global.clearTimeout = (timer) => {
      pending.delete(timer);
      realClearTimeout(timer);
    };
    try {
      handle = (req, res) => {
        res.writeHead(200, { 'content-type': 'text/csv' });
        res.end('a,b\n');
      };
      const download = await client().download(`${base}/doc`, { auth: false });
      let text = '';
      for await (const chunk of download.body) text += chunk;
      text.should.equal('a,b\n');
      if (!download.body.closed) await new Promise((resolve) => download.body.once('close', resolve));
    } finally {
      global.setTimeout = realSetTimeout;
      global.clearTimeout = realClearTimeout;
    }
    [...pending].filter((timer) => timer.hasRef()).should.be.empty();
  });

  it('reads an answer of exactly 64 MB, the most it takes', async function () {
    this.timeout(30000);
    const size = 64 * 1024 * 1024;
    handle = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(size) });
      res.end(Buffer.alloc(size, 0x61));
    };
    (await client({ timeout: 20000 }).request('/x')).body.length.should.equal(size);
  });

  it('takes a token URL that answers 500 as failing, not as refusing the credentials', async () => {
    handle = (req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal error');
    };
    (await failure(oauth().request('/x'))).should.match({ code: 'API_ERROR', status: 500, message: 'The token URL answered 500: Internal error.' });
  });

  it('takes a URL without a port as its scheme\'s own port: 80 for http, 443 for https', () => {
    const c = client({ trustedHosts: ['http://plain.example.com', 'secure.example.com'] });
    c.isTrustedHost('http://plain.example.com/x').should.be.true();
    c.isTrustedHost('https://plain.example.com/x').should.be.false();
    c.isTrustedHost('https://secure.example.com/x').should.be.true();
    c.isTrustedHost('https://api.aims360.rest/x').should.be.true();
    c.isTrustedHost('http://secure.example.com/x').should.be.false();
  });
});

describe('lib: redactSecrets, the edges of each form', () => {
  it('redacts the base64url form of a secret whose base64 has + and /', () => {
    const secret = '>>>???>>>';
    Buffer.from(secret).toString('base64').should.match(/[+/]/);
    const echo = Buffer.from(secret).toString('base64url');
    redactSecrets(`token=${echo};`, [secret]).should.equal('token=[redacted];');
  });

  it('redacts the base64 of a secret of exactly six characters, the shortest that is cut into pieces', () => {
    redactSecrets(`basic ${Buffer.from('abcdef').toString('base64')} end`, ['abcdef']).should.equal('basic [redacted] end');
    redactSecrets('ends with abcde', ['abcdef']).should.equal('ends with abcde');
  });

  it('redacts a piece of exactly six characters a cut leaves at the end, keeping the text before it', () => {
    redactSecrets('The answer was abcdef', ['abcdefghij']).should.equal('The answer was [redacted]');
    redactSecrets('The answer was abcdefg', ['abcdefghij']).should.equal('The answer was [redacted]');
  });

  it('redacts a secret that contains another one whole, leaving none of it', () => {
    redactSecrets('said: pass-word-1-and-more', ['pass-word-1', 'pass-word-1-and-more']).should.equal('said: [redacted]');
    redactSecrets('said: pass-word-1-and-more', ['pass-word-1-and-more', 'pass-word-1']).should.equal('said: [redacted]');
  });

  it('ignores an empty secret', () => {
    redactSecrets('nothing to hide', ['', 'abcdefgh']).should.equal('nothing to hide');
  });
});
