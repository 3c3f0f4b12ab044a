// AimsClient over real TLS on loopback: a certificate made for the test (openssl), trusted
// through NODE_EXTRA_CA_CERTS in a child Node, since the client's agent takes no CA of its
// own. Checks that requests share one kept-alive TLS connection, and that a certificate the
// process does not trust stops the request before the token is sent.
require('should');
const { execFileSync, execFile } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const { useTempDir } = require('./support/temp');

const CLIENT = path.resolve(__dirname, '../dist/nodes/lib/client.js');
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

describe('lib: AimsClient over https', function () {
  this.timeout(30000);
  const dir = useTempDir('aims360-tls-');
  let server;
  let baseUrl;
  let connections;
  let requests;

  beforeEach(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir(), 'key.pem'), '-out', path.join(dir(), 'cert.pem')], { stdio: 'ignore' });
    connections = 0;
    requests = [];
    server = https.createServer({ key: fs.readFileSync(path.join(dir(), 'key.pem')), cert: fs.readFileSync(path.join(dir(), 'cert.pem')) }, (req, res) => {
      requests.push({ url: req.url, authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    server.on('secureConnection', () => connections++);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `https://127.0.0.1:${server.address().port}`;
  });
  afterEach(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));

  it('sends the token over TLS and keeps one connection alive for requests one after another', async () => {
    const results = await requestsFromChild(baseUrl, { NODE_EXTRA_CA_CERTS: path.join(dir(), 'cert.pem') });
    results.should.eql([{ status: 200 }, { status: 200 }, { status: 200 }]);
    requests.map((r) => r.url).should.eql(['/a', '/b', '/c']);
    requests.every((r) => r.authorization === `Bearer ${TOKEN}`).should.be.true();
    connections.should.equal(1);
  });

  it('refuses a certificate the process does not trust, with NETWORK, before the token is sent', async () => {
    const results = await requestsFromChild(baseUrl, { NODE_EXTRA_CA_CERTS: '' });
    results.should.have.length(3);
    for (const r of results) {
      r.code.should.equal('NETWORK');
      r.message.should.equal('The TLS certificate of AIMS360 is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT): check the URL, or start Node-RED with NODE_EXTRA_CA_CERTS naming your CA\'s certificate.');
      r.message.should.not.containEql(TOKEN);
    }
    requests.should.be.empty();
  });
});
