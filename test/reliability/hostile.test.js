// AimsClient against servers that try to take what is not theirs or to never end: redirects
// of the password grant and of API calls to another port, another host name and from https
// to http; other ports of the base host; endless, huge and trickling answers; error texts
// that echo the secrets in every encoding. All on loopback: 127.0.0.1 and 127.0.0.2 are two
// host names (two origins) on the same machine, and one port speaks both http and https.
require('should');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { execFileSync } = require('node:child_process');
const { AimsClient } = require('../../dist/src/lib/client.js');
const { rejection } = require('../support/sim');

const MB = 1024 * 1024;
// Secrets whose encodings differ from the plain text: URL, form, JSON and base64 all change them.
const SECRET = 'Sé/cr+t&"x=y\\z%41 end';
const PASSWORD = 'p@ss w0rd!*(q)~"pw"';
const TOKEN = 'tok+/=~"x\\token-99';
const REDIRECTS = [301, 302, 307, 308];

/** Everything a request brought: which server got it, and what it carried. */
const seen = [];
/** Per server: the test's answer to a request (default: 200 with `{}`). */
let answers = {};
/** Responses a test left open (an endless body), ended after it. */
const open = [];

function handler(server) {
  return (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ server, method: req.method, url: req.url, authorization: req.headers.authorization, body });
      open.push(res);
      const answer = answers[server];
      if (answer) return answer(req, res, body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  };
}

function listen(server, host, port = 0) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server.address().port));
  });
}

const redirect = (res, status, location) => {
  res.writeHead(status, { location, 'content-type': 'text/plain' });
  res.end('moved');
};

/** Every form of a secret a server may echo (as the test computes them, not the client). */
function forms(secret) {
  const percent = encodeURIComponent(secret);
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  const json = JSON.stringify(secret).slice(1, -1);
  const lower = (text) => text.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  return [secret, percent, form, lower(percent), lower(form), json, json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)];
}

/** The base64 characters that depend on `secret`'s bytes alone, where it sits inside `whole`. */
function base64Inside(whole, secret, alphabet = 'base64') {
  const bytes = Buffer.from(whole);
  const at = bytes.indexOf(Buffer.from(secret));
  const text = bytes.toString(alphabet);
  return text.slice(Math.ceil((8 * at) / 6), Math.floor((8 * (at + Buffer.byteLength(secret))) / 6));
}

/** Fails when `text` holds any 8 characters in a row of any of `pieces`. */
function shouldShowNone(text, pieces) {
  for (const piece of pieces) {
    for (let i = 0; i + 8 <= piece.length; i++) {
      const window = piece.slice(i, i + 8);
      text.includes(window).should.be.false(`"${window}" (of a secret's form) is in: ${text}`);
    }
  }
}

describe('reliability: a hostile server gets no credential and cannot make a request endless', function () {
  this.timeout(60000);
  let api; // http://127.0.0.1:A
  let otherPort; // http://127.0.0.1:B
  let otherHost; // http://127.0.0.2:A
  const servers = [];
  const clients = [];

  before(async () => {
    const a = http.createServer(handler('api'));
    const portA = await listen(a, '127.0.0.1');
    const b = http.createServer(handler('other-port'));
    const portB = await listen(b, '127.0.0.1');
    const c = http.createServer(handler('other-host'));
    await listen(c, '127.0.0.2', portA);
    servers.push(a, b, c);
    api = `http://127.0.0.1:${portA}`;
    otherPort = `http://127.0.0.1:${portB}`;
    otherHost = `http://127.0.0.2:${portA}`;
  });
  after(() => servers.forEach((s) => {
    s.closeAllConnections();
    s.close();
  }));
  beforeEach(() => {
    seen.length = 0;
    answers = {};
  });
  afterEach(() => {
    clients.splice(0).forEach((c) => c.close());
    open.splice(0).forEach((res) => res.destroy());
  });

  const client = (options = {}) => {
    const c = new AimsClient({ baseUrl: api, auth: { type: 'token', token: TOKEN }, retry: { limit: 0 }, timeout: 5000, ...options });
    clients.push(c);
    return c;
  };
  const oauth = (options = {}) => client({
    auth: { type: 'oauth2', tokenUrl: `${api}/token`, clientId: 'client-1', clientSecret: SECRET, username: 'op@example.com', password: PASSWORD },
    ...options,
  });

  describe('redirects', () => {
    it('the password grant follows no redirect (301, 302, 307, 308; another port, host name or path): AUTH_FAILED says so', async () => {
      for (const status of REDIRECTS) {
        for (const target of [otherPort, otherHost, api]) {
          seen.length = 0;
          answers.api = (req, res) => (req.url === '/token' ? redirect(res, status, `${target}/token-elsewhere`) : res.end('{}'));
          const err = await rejection(oauth().request('/jobs'));
          err.should.match({ code: 'AUTH_FAILED', status });
          err.message.should.match(/^The token URL answered \d+, a redirect to http:\/\/127\.0\.0\.\d:\d+: the client secret and password are not sent on/);
          seen.map((s) => `${s.server} ${s.method} ${s.url}`).should.eql(['api POST /token'], `${status} to ${target}`);
        }
      }
    });

    it('an API call redirected to another origin is not followed (UNTRUSTED_HOST, nothing arrives there); a document is, without the token; one on its own origin still is', async () => {
      for (const status of REDIRECTS) {
        for (const target of [otherPort, otherHost]) {
          seen.length = 0;
          answers.api = (req, res) => redirect(res, status, `${target}/jobs`);
          const err = await rejection(client().request('/jobs', { method: 'POST', json: { a: 1 } }));
          err.should.match({ code: 'UNTRUSTED_HOST', status });
          err.message.should.startWith(`AIMS360 redirected the request to ${target}, which may not receive the token: the redirect was not followed.`);
          seen.map((s) => s.server).should.eql(['api'], `${status} to ${target}`);
        }
      }
      // Its own origin: followed, with the token (and, on a 307, the body).
      seen.length = 0;
      answers.api = (req, res) => (req.url === '/old' ? redirect(res, 307, '/new') : res.end('{"ok":true}'));
      (await client().request('/old', { method: 'POST', json: { a: 1 } })).body.should.eql({ ok: true });
      seen.map((s) => [s.url, s.method, s.authorization, s.body]).should.eql([
        ['/old', 'POST', `Bearer ${TOKEN}`, '{"a":1}'],
        ['/new', 'POST', `Bearer ${TOKEN}`, '{"a":1}'],
      ]);
      // A document redirected elsewhere: fetched there, the token left behind.
      for (const status of REDIRECTS) {
        for (const [target, server] of [[otherPort, 'other-port'], [otherHost, 'other-host']]) {
          seen.length = 0;
          answers.api = (req, res) => redirect(res, status, `${target}/doc`);
          answers[server] = (req, res) => res.end('a,b\n1,2\n');
          const download = await client().download(`${api}/doc`, { auth: true });
          download.statusCode.should.equal(200);
          download.body.resume();
          seen.map((s) => [s.server, s.authorization]).should.eql([['api', `Bearer ${TOKEN}`], [server, undefined]]);
        }
      }
    });
  });

  describe('other ports of a trusted host', () => {
    it('a Private document link and an absolute API URL on another port of the base host: UNTRUSTED_HOST before any request', async () => {
      const c = client();
      (await rejection(c.download(`${otherPort}/doc`, { auth: true }))).should.match({ code: 'UNTRUSTED_HOST', message: new RegExp(`^The document link is on ${otherPort}, which is not a trusted host`) });
      (await rejection(c.request(`${otherPort}/jobs`))).should.match({ code: 'UNTRUSTED_HOST', message: new RegExp(`^${otherPort} is not a trusted host`) });
      seen.should.be.empty();
    });

    it('a trusted hosts entry that names the port (http://host:port) lets the token go to exactly that origin', async () => {
      const c = client({ trustedHosts: otherPort });
      await c.request(`${otherPort}/jobs`);
      (await c.download(`${otherPort}/doc`, { auth: true })).body.resume();
      seen.map((s) => [s.server, s.authorization]).should.eql([['other-port', `Bearer ${TOKEN}`], ['other-port', `Bearer ${TOKEN}`]]);
      (await rejection(c.request(`${otherHost}/jobs`))).code.should.equal('UNTRUSTED_HOST');
      c.isTrustedHost(`${otherPort.replace('http:', 'https:')}/x`).should.be.false();
    });
  });

  describe('https to http on the same host and port', () => {
    let dir;
    let mux;
    let base;
    let cert;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-hostile-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', 'key.pem', '-out', 'cert.pem'], { cwd: dir, stdio: 'ignore' });
      cert = fs.readFileSync(path.join(dir, 'cert.pem'));
      const tls = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert }, handler('https'));
      const plain = http.createServer(handler('http'));
      // One port for both: a TLS handshake starts with byte 22, anything else is plain HTTP.
      mux = net.createServer((socket) => socket.once('data', (first) => {
        socket.pause();
        socket.unshift(first);
        (first[0] === 22 ? tls : plain).emit('connection', socket);
        process.nextTick(() => socket.resume());
      }));
      const port = await listen(mux, '127.0.0.1');
      base = `https://127.0.0.1:${port}`;
    });
    after(() => {
      mux.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A client of the https base that trusts the test's certificate (its agent takes the CA). */
    const tlsClient = () => {
      const c = client({ baseUrl: base });
      c.agents.https.options.ca = cert;
      return c;
    };

    it('an API redirect from https to http is refused and the http side gets nothing; a document goes there without the token', async () => {
      const downgrade = base.replace('https:', 'http:');
      for (const status of REDIRECTS) {
        seen.length = 0;
        answers.https = (req, res) => redirect(res, status, `${downgrade}${req.url}`);
        answers.http = (req, res) => res.end('{}');
        const err = await rejection(tlsClient().request('/jobs'));
        err.should.match({ code: 'UNTRUSTED_HOST', message: /^AIMS360 redirected the request to http:\/\/127\.0\.0\.1:\d+ \(from https to http\)/ });
        (await tlsClient().download(`${base}/doc`, { auth: true })).body.resume();
        seen.map((s) => [s.server, s.url, s.authorization]).should.eql([
          ['https', '/jobs', `Bearer ${TOKEN}`],
          ['https', '/doc', `Bearer ${TOKEN}`],
          ['http', '/doc', undefined],
        ], `redirect ${status}`);
      }
      tlsClient().isTrustedHost(`${downgrade}/x`).should.be.false();
    });
  });

  describe('answers without end', () => {
    /**
     * An answer that writes JSON as fast as the client reads, up to 128 MB (an old client
     * read it all); resolves the bytes written once the connection has closed.
     */
    const endless = (status) => {
      let written = 0;
      let closed;
      const done = new Promise((resolve) => (closed = resolve));
      const chunk = Buffer.from(`${'{"a":1},'.repeat(MB / 8)}`);
      const answer = (req, res) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.write('[');
        const pump = () => {
          while (written < 128 * MB) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.destroy();
        };
        res.on('close', () => closed(written));
        pump();
      };
      return { answer, done };
    };

    for (const status of [200, 500]) {
      it(`an endless JSON answer (${status}): reading stops at 64 MB with BAD_RESPONSE, and it is not asked again`, async () => {
        const { answer, done } = endless(status);
        answers.api = answer;
        const before = process.memoryUsage().rss;
        const err = await rejection(client({ retry: { limit: 3, baseDelayMs: 1 } }).request('/jobs'));
        err.should.match({ code: 'BAD_RESPONSE', message: 'AIMS360 sent an answer larger than 64 MB; it was not read further.' });
        const written = await done;
        // Sent beyond the bound: only what socket buffers and a loaded machine's late abort let
        // through (84 MB seen under CI load); an endless read would go on to the timeout.
        written.should.be.below(128 * MB);
        seen.length.should.equal(1);
        (process.memoryUsage().rss - before).should.be.below(1024 * MB);
      });
    }

    it('an answer that announces more than 64 MB is refused before its body is read', async () => {
      let written = 0;
      answers.api = (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 * 1024 * MB) });
        res.write('[', () => (written += 1));
      };
      const err = await rejection(client({ timeout: 3000 }).request('/jobs'));
      err.should.match({ code: 'BAD_RESPONSE', message: /larger than 64 MB/ });
      written.should.be.below(2);
    });

    it('a compressed answer is bounded by what it unpacks to', async () => {
      const packed = zlib.gzipSync(Buffer.concat([Buffer.from('['), Buffer.alloc(70 * MB, ' '), Buffer.from(']')]), { level: 1 });
      packed.length.should.be.below(MB);
      answers.api = (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(packed);
      };
      (await rejection(client().request('/jobs'))).should.match({ code: 'BAD_RESPONSE', message: /larger than 64 MB/ });
    });

    it('a document that trickles a byte at a time ends with TIMEOUT at its overall bound, though no silence reaches the timeout', async () => {
      let sent = 0;
      answers.api = (req, res) => {
        res.writeHead(200, { 'content-type': 'text/csv' });
        const timer = setInterval(() => {
          // An old client got all of it after 6 s: the trickle did end, as a whole document.
          if (++sent > 60) return void (clearInterval(timer), res.end());
          res.write('a');
        }, 100);
        res.on('close', () => clearInterval(timer));
      };
      const c = client({ timeout: 2000, documentTimeout: 1500 });
      const download = await c.download(`${api}/doc`, { auth: true });
      let bytes = 0;
      const err = await rejection((async () => {
        for await (const chunk of download.body) bytes += chunk.length;
      })());
      err.should.match({ code: 'TIMEOUT', message: /^The document was still arriving after 1\.5 s, the most a download may take/ });
      bytes.should.be.below(60);
    });
  });

  describe('secrets echoed back', () => {
    const tokenAnswer = (describe) => (req, res, body) => {
      if (req.url !== '/token') return res.end('{}');
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_request', error_description: describe(body) }));
    };
    const tokenError = async (describe) => {
      answers.api = tokenAnswer(describe);
      const c = oauth();
      const err = await rejection(c.request('/jobs'));
      err.code.should.equal('AUTH_FAILED');
      return { err, c };
    };
    const secretsForms = [...forms(SECRET), ...forms(PASSWORD)];

    it('a token endpoint that echoes its form URL-encoded, form-encoded or in lower-case hex: no piece of the secret or password in the error', async () => {
      for (const echo of [(form) => `Bad form: ${form}`, (form) => `Bad: ${form.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())}`,
        () => `client_secret=${encodeURIComponent(SECRET)} password=${encodeURIComponent(PASSWORD)}`]) {
        const { err, c } = await tokenError(echo);
        err.message.should.containEql('[redacted]');
        shouldShowNone(err.message, secretsForms);
        shouldShowNone(c.redact(`Sidebar 502: ${err.message} ${echo(seen.at(-1).body)}`), secretsForms);
      }
    });

    it('a token endpoint that echoes its fields as JSON (escaped, and \\u-escaped): no piece of them in the error', async () => {
      const fields = (form) => Object.fromEntries(new URLSearchParams(form));
      for (const echo of [(form) => JSON.stringify(fields(form)),
        (form) => JSON.stringify(fields(form)).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`),
        (form) => `nested ${JSON.stringify(JSON.stringify(fields(form)))}`]) {
        const { err } = await tokenError(echo);
        shouldShowNone(err.message, secretsForms);
      }
    });

    it('a token endpoint that echoes base64 (the form, client_id:secret as Basic, base64url): no piece of the encoded secret in the error', async () => {
      const basic = `client-1:${SECRET}`;
      const cases = [
        [(form) => `trace ${Buffer.from(form).toString('base64')}`, (form) => [base64Inside(form, encodeURIComponent(SECRET).replace(/%20/g, '+')), base64Inside(form, new URLSearchParams({ s: PASSWORD }).toString().slice(2))]],
        [() => `Basic ${Buffer.from(basic).toString('base64')}`, () => [base64Inside(basic, SECRET)]],
        [() => `x${Buffer.from(`ab${SECRET}`).toString('base64url')}`, () => [base64Inside(`ab${SECRET}`, SECRET, 'base64url')]],
      ];
      for (const [echo, pieces] of cases) {
        const { err } = await tokenError(echo);
        const sent = seen.at(-1).body;
        pieces(sent).forEach((p) => p.length.should.be.above(10));
        shouldShowNone(err.message, pieces(sent));
      }
    });

    it('a secret cut by the 300-character limit or by the server itself leaves no piece in the error', async () => {
      for (const echo of [() => `${'x'.repeat(290)}${SECRET}`, () => `${'x'.repeat(280)}${encodeURIComponent(PASSWORD)}`, () => `tail ${SECRET.slice(0, 12)}`, () => `${PASSWORD.slice(-10)} head`]) {
        const { err } = await tokenError(echo);
        shouldShowNone(err.message, secretsForms);
      }
    });

    it('an API that echoes the token in any encoding: no piece of it in the error', async () => {
      const echoes = [...forms(TOKEN), Buffer.from(`Bearer ${TOKEN}`).toString('base64'), `${TOKEN.slice(0, 10)}`];
      for (const echo of echoes) {
        answers.api = (req, res) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ Message: `Request had ${echo}` }));
        };
        const err = await rejection(client().request('/jobs'));
        err.code.should.equal('API_ERROR');
        shouldShowNone(err.message, [...forms(TOKEN), base64Inside(`Bearer ${TOKEN}`, TOKEN)]);
      }
    });
  });
});
