// The aims360-config node (nodes/aims360-config) in Node-RED: its settings and credentials, the
// OAuth2 token URL, and the editor's Test connection admin endpoint.
require('should');
const http = require('node:http');
const { DEFAULT_TOKEN_PATH, tokenUrlFor } = require('../../dist/src/lib/auth.js');
const { helper, baseFlow, load, next, useSimAndNodeRed } = require('../support/red');
const { startSim, apiCalls, TOKEN } = require('../support/sim');

const OAUTH = { clientId: 'sim-client', clientSecret: 'sim-secret', username: 'operator@example.com', password: 'sim-password' };

function flow(sim, config = {}) {
  return [
    ...baseFlow(sim, config),
    { id: 'node', type: 'aims360-job-status', z: 'tab', server: 'server', wires: [['out']] },
    { id: 'out', type: 'helper', z: 'tab' },
  ];
}

/** Sends a message and resolves with its answer: an output or an error on the Catch node. */
async function ask(node, msg) {
  const answer = next(helper.getNode('out'), helper.getNode('caught'));
  node.receive(msg);
  return answer;
}

describe('aims360-config', function () {
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
  });

  it('uses the base URL, timeout and trusted hosts it is given', async () => {
    await load(flow(sim, { timeout: '1234', trustedHosts: 'files.example.com, *.cdn.example.net' }), { server: { token: TOKEN } });
    const { client } = helper.getNode('server');
    client.baseUrl.href.should.equal(`${sim.url}/`);
    client.timeout.should.equal(1234);
    client.isTrustedHost('https://x.cdn.example.net/a').should.be.true();
    client.isTrustedHost('https://files.example.com/a').should.be.true();
    client.isTrustedHost('https://other.example.com/a').should.be.false();
  });

  it('uses the default timeout when the field is empty', async () => {
    await load(flow(sim, { timeout: '' }), { server: { token: TOKEN } });
    helper.getNode('server').client.timeout.should.equal(30000);
  });

  for (const [saved, perSecond] of [[undefined, 10], ['0.5', 0.5], [0, 0], ['', 10]]) {
    it(`uses a request budget of ${perSecond} requests/s for maxRequestsPerSecond ${JSON.stringify(saved)} (a flow saved before it: 10; 0: no cap)`, async () => {
      await load(flow(sim, saved === undefined ? {} : { maxRequestsPerSecond: saved }), { server: { token: TOKEN } });
      helper.getNode('server').client.budget.perSecond.should.equal(perSecond);
    });
  }

  it('stops the client with BAD_INPUT for a request budget out of its range', async () => {
    await load(flow(sim, { maxRequestsPerSecond: '-1' }), { server: { token: TOKEN } });
    helper.getNode('server').clientError.code.should.equal('BAD_INPUT');
    helper.getNode('server').clientError.message.should.match(/Requests per second/);
    (await ask(helper.getNode('node'), { jobId: 'job-1' })).error.code.should.equal('BAD_INPUT');
  });

  it('authenticates with a token', async () => {
    sim.addJob({ jobId: 'job-1' });
    await load(flow(sim), { server: { token: TOKEN } });
    (await ask(helper.getNode('node'), { jobId: 'job-1' })).jobId.should.equal('job-1');
    apiCalls(sim)[0].headers.authorization.should.equal(`Bearer ${TOKEN}`);
  });

  it('authenticates with the OAuth2 password grant', async () => {
    sim.addJob({ jobId: 'job-1' });
    await load(flow(sim, { authType: 'oauth2', tokenUrl: `${sim.url}/connect/token` }), { server: OAUTH });
    (await ask(helper.getNode('node'), { jobId: 'job-1' })).jobId.should.equal('job-1');
    sim.log.filter((e) => e.path === '/connect/token').length.should.equal(1);
  });

  it('with OAuth2 and an empty token URL, gets the token from the documented endpoint under the base URL', async () => {
    sim.addJob({ jobId: 'job-1' });
    for (const tokenUrl of ['', '  ', undefined]) {
      sim.clearLog();
      await load(flow(sim, { authType: 'oauth2', tokenUrl, baseUrl: `${sim.url}/` }), { server: OAUTH });
      (await ask(helper.getNode('node'), { jobId: 'job-1' })).jobId.should.equal('job-1');
      sim.log.filter((e) => e.path === DEFAULT_TOKEN_PATH).map((e) => [e.method, e.status]).should.eql([['POST', 200]]);
      sim.log.filter((e) => e.path === '/connect/token').length.should.equal(0);
      await helper.unload();
    }
  });

  it('the dialog\'s token URL placeholder (locale) is the runtime\'s default token URL', () => {
    const locale = require('../support/locales').catalog('aims360-config');
    const placeholder = locale['aims360-config'].placeholder.tokenUrl;
    // The editor fills in the base URL without its trailing slash.
    for (const base of ['https://apiwest.aims360.rest', 'http://127.0.0.1:8360/gateway']) {
      placeholder.replace('__baseUrl__', base).should.equal(tokenUrlFor(base, ''));
      placeholder.replace('__baseUrl__', base).should.equal(base + DEFAULT_TOKEN_PATH);
    }
  });

  it('shows no OAuth2 secret or access token in messages, statuses, errors or the log', async () => {
    sim.addJob({ jobId: 'job-1' });
    await load(flow(sim, { authType: 'oauth2', tokenUrl: `${sim.url}/connect/token` }), { server: OAUTH });
    const seen = [];
    for (const id of ['out', 'caught', 'statuses']) helper.getNode(id).on('input', (m) => seen.push(m));
    const node = helper.getNode('node');
    await ask(node, { jobId: 'job-1' });
    sim.expireTokens();
    await ask(node, { jobId: 'job-1' });
    await ask(node, { jobId: 'job-unknown' });
    sim.addFault({ type: 'status', status: 401, times: -1, match: { path: '/connect/token' } });
    sim.expireTokens();
    (await ask(node, { jobId: 'job-1' })).error.code.should.equal('AUTH_FAILED');
    const accessTokens = sim.log.map((e) => e.headers.authorization).filter(Boolean).map((a) => a.replace('Bearer ', ''));
    accessTokens.length.should.be.above(1);
    const everything = JSON.stringify({ seen, log: helper.log().args });
    for (const secret of [OAUTH.clientSecret, OAUTH.password, ...accessTokens]) everything.should.not.containEql(secret);
  });

  const broken = [
    ['a base URL that is not http(s)', { baseUrl: 'ftp://example.com' }, { token: TOKEN }],
    ['no token', {}, {}],
    ['OAuth2 with a token URL that is not http(s)', { authType: 'oauth2', tokenUrl: 'ftp://example.com/token' }, OAUTH],
    ['OAuth2 without a password', { authType: 'oauth2', tokenUrl: 'http://127.0.0.1:1/t' }, { ...OAUTH, password: '' }],
    ['a timeout that is not a number', { timeout: 'soon' }, { token: TOKEN }],
  ];
  for (const [what, config, credentials] of broken) {
    it(`gives BAD_INPUT to every message when the config has ${what}`, async () => {
      await load(flow(sim, config), { server: credentials });
      const answer = await ask(helper.getNode('node'), { jobId: 'job-1' });
      answer.error.code.should.equal('BAD_INPUT');
      sim.log.length.should.equal(0);
    });
  }

  it('gives BAD_INPUT when the node has no config node', async () => {
    await load([
      ...baseFlow(sim),
      { id: 'node', type: 'aims360-job-status', z: 'tab', server: '', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab' },
    ], { server: { token: TOKEN } });
    (await ask(helper.getNode('node'), { jobId: 'job-1' })).error.code.should.equal('BAD_INPUT');
  });

  describe('Test connection (admin endpoint)', () => {
    // As the sidebar's routes: 200 with the host, else an HTTP status with {code, message}.
    const post = (body, status = 200) => helper.request().post('/aims360-config/test').send(body).expect(status).then((res) => res.body);
    const refused = async (body, status, code) => {
      const answer = await post(body, status);
      answer.should.have.only.keys('code', 'message');
      answer.code.should.equal(code);
      return answer;
    };

    it('answers ok with the dialog\'s token', async () => {
      const answer = await post({ baseUrl: sim.url, authType: 'token', credentials: { token: TOKEN } });
      answer.should.eql({ host: new URL(sim.url).host });
    });

    it('answers the failure code with a wrong token, without the token', async () => {
      const answer = await refused({ baseUrl: sim.url, authType: 'token', credentials: { token: 'wrong-token-xyz' } }, 502, 'AUTH_FAILED');
      JSON.stringify(answer).should.not.containEql('wrong-token-xyz');
    });

    it('works with OAuth2 settings and reports a wrong password', async () => {
      (await post({ baseUrl: sim.url, authType: 'oauth2', tokenUrl: `${sim.url}/connect/token`, credentials: OAUTH })).should.have.property('host');
      await refused({ baseUrl: sim.url, authType: 'oauth2', tokenUrl: `${sim.url}/connect/token`, credentials: { ...OAUTH, password: 'nope' } }, 502, 'AUTH_FAILED');
    });

    it('works with OAuth2 and an empty token URL (the documented endpoint)', async () => {
      (await post({ baseUrl: sim.url, authType: 'oauth2', tokenUrl: '', credentials: OAUTH })).should.have.property('host');
      sim.log.filter((e) => e.path === DEFAULT_TOKEN_PATH).length.should.equal(1);
    });

    it('uses the saved token for the saved host only', async () => {
      await load(flow(sim), { server: { token: TOKEN } });
      (await post({ id: 'server', baseUrl: sim.url, authType: 'token', credentials: { token: '__PWRD__' } })).should.have.property('host');
      sim.clearLog();
      await refused({ id: 'server', baseUrl: 'http://localhost:1', authType: 'token', credentials: { token: '__PWRD__' } }, 502, 'UNTRUSTED_HOST');
      sim.log.length.should.equal(0);
      await refused({ baseUrl: sim.url, authType: 'token', credentials: { token: '__PWRD__' } }, 400, 'BAD_INPUT');
    });

    it('uses saved OAuth2 secrets while the effective token URL stays on the deployed host', async () => {
      await load(flow(sim, { authType: 'oauth2', tokenUrl: '' }), { server: OAUTH });
      const saved = { ...OAUTH, clientSecret: '__PWRD__', password: '__PWRD__' };
      (await post({ id: 'server', baseUrl: sim.url, authType: 'oauth2', tokenUrl: '', credentials: saved })).should.have.property('host');
      // Written out, the default is the same target.
      (await post({ id: 'server', baseUrl: sim.url, authType: 'oauth2', tokenUrl: sim.url + DEFAULT_TOKEN_PATH, credentials: saved })).should.have.property('host');
      sim.clearLog();
      await refused({ id: 'server', baseUrl: sim.url, authType: 'oauth2', tokenUrl: 'http://localhost:1/token', credentials: saved }, 502, 'UNTRUSTED_HOST');
      sim.log.length.should.equal(0);
    });

    it('does not post the secret and password on to where the token URL redirects: AUTH_FAILED says so', async () => {
      const received = [];
      const elsewhere = http.createServer((req, res) => {
        received.push(req.url);
        res.end('{"access_token":"stolen","expires_in":3600}');
      });
      await new Promise((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
      try {
        for (const status of [302, 307, 308]) {
          sim.addFault({ type: 'status', status, location: `http://127.0.0.1:${elsewhere.address().port}/connect/token`, body: '', match: { path: '/connect/token' } });
          const answer = await refused({ baseUrl: sim.url, authType: 'oauth2', tokenUrl: `${sim.url}/connect/token`, credentials: OAUTH }, 502, 'AUTH_FAILED');
          answer.should.match({ message: new RegExp(`^The token URL answered ${status}, a redirect to http://127\\.0\\.0\\.1:\\d+: the client secret and password are not sent on`) });
        }
        received.should.be.empty();
      } finally {
        elsewhere.close();
      }
    });

    it('does not send a saved token over http when the deployed URL was https on the same host and port', async () => {
      await load(flow(sim, { baseUrl: sim.url.replace('http:', 'https:') }), { server: { token: TOKEN } });
      await refused({ id: 'server', baseUrl: sim.url, authType: 'token', credentials: { token: '__PWRD__' } }, 502, 'UNTRUSTED_HOST');
      sim.log.length.should.equal(0);
    });

    it('reports a network failure and a bad URL', async () => {
      await refused({ baseUrl: 'http://127.0.0.1:1', authType: 'token', credentials: { token: 'x' } }, 502, 'NETWORK');
      await refused({ baseUrl: 'nonsense', authType: 'token', credentials: { token: 'x' } }, 400, 'BAD_INPUT');
    });
  });
});
