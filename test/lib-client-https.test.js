// AimsClient over real TLS on loopback: a certificate made for the test (openssl), trusted
// through NODE_EXTRA_CA_CERTS in a child Node, since the client's agent takes no CA of its
// own. Checks that requests share one kept-alive TLS connection, and that a certificate the
// process does not trust stops the request before the token is sent.
require('should');
const { execFileSync, execFile } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');

const CLIENT = path.resolve(__dirname, '../dist/src/lib/client.js');
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
    execFile(process.execPath, ['-e', script], { env: { ...process.env, ...env }, timeout: 30000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

/** Runs openssl quietly in `dir`. */
const openssl = (dir, args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

describe('lib: AimsClient over https', function () {
  this.timeout(30000);
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

  /** Serves https on loopback with the named certificate; resolves its base URL. */
  async function serve(name) {
    connections = 0;
    requests = [];
    server = https.createServer({ key: fs.readFileSync(path.join(dir, `${name}.key`)), cert: fs.readFileSync(path.join(dir, `${name}.pem`)) }, (req, res) => {
      requests.push({ url: req.url, authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
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
});
