// AimsClient against a bare HTTP server whose every answer the test writes: the
// words a user reads in msg.error, what goes on the wire, and which hosts get the token.
const should = require('should');
const http = require('node:http');
const { AimsClient, redactSecrets } = require('../../dist/src/lib/client.js');
const { isTransient } = require('../../dist/src/lib/poller.js');

const NO_RETRY = { limit: 0 };

describe('lib: AimsClient, answer by answer', function () {
  let server;
  let base;
  let reply;
  const seen = [];
  // Answers the test holds open (a hang, a stalled body), ended after each test.
  const held = [];
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
