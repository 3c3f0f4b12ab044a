// AimsClient against a bare HTTP server whose every answer the test writes: the
// words a user reads in msg.error, what goes on the wire, and which hosts get the token.
const should = require('should');
const http = require('node:http');
const { AimsClient } = require('../dist/nodes/lib/client.js');

const NO_RETRY = { limit: 0 };

describe('lib: AimsClient, answer by answer', function () {
  let server;
  let base;
  let reply;
  const seen = [];
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
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        const { status = 200, headers = { 'content-type': 'application/json' }, text = '{}' } = reply(req);
        res.writeHead(status, headers);
        res.end(text);
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => server.close());
  beforeEach(() => {
    seen.length = 0;
    reply = () => ({});
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  it('gives the API\'s own words from every error shape it sends', async () => {
    const shapes = [
      ['{"Message":"Upper case"}', 'Upper case'],
      ['{"message":"lower case"}', 'lower case'],
      ['{"error":"invalid_grant","error_description":"Wrong password"}', 'Wrong password'],
      ['{"error":{"code":"X","message":"Nested words"}}', 'Nested words'],
      ['{"error":"plain error"}', 'plain error'],
      ['  just text  ', 'just text'],
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
    (() => c.resolve('https://evil.example.com/x')).should.throw({ code: 'UNTRUSTED_HOST', message: /^evil\.example\.com is not a trusted host/ });
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

  it('gives a document\'s refusal with the first words of its body', async () => {
    reply = () => ({ status: 404, headers: { 'content-type': 'text/plain' }, text: 'No such document' });
    const err = await failure(client().download(`${base}/doc`, { auth: true }));
    err.should.match({ code: 'API_ERROR', status: 404, message: 'The document link answered 404: No such document.' });
    seen[0].headers.authorization.should.equal('Bearer tok-123');
    await failure(client().download(`${base}/doc`, { auth: false }));
    should(seen[1].headers.authorization).be.undefined();
  });
});
