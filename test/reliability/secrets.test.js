// No secret in any message, status, log line or error, whatever path a node takes;
// the token goes to no host outside the trusted list, whatever link the API sends.
require('should');
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const { listen } = require('../support/comms');
const { startNodeRed, userDirWithPack, deploy } = require('../support/node-red-process');
const { helper, collect, next, wait, useSimAndNodeRed } = require('../support/red');
const { startSim, TOKEN } = require('../support/sim');
const { NODES, JOB, OAUTH, credentials, addJob, nodeFlow, loadFast } = require('../support/nodes');

const JOBS = '/jobsmanagement/odata/v1.0/backgroundjob';
const ECHO = JSON.stringify({ Message: `echo ${TOKEN} ${OAUTH.clientSecret} ${OAUTH.password}` });

// Wait for job polls through a passing failure (500, a reset) until its own timeout: 1 s here.
const WAIT_ENDS_SOON = { 'wait for job': { timeout: '1' } };

/** Paths through a node: success, and failures whose text might carry a secret. */
const SCENARIOS = [
  ['success', null],
  ['a 500 whose body echoes the secrets', { type: 'status', status: 500, body: ECHO, times: -1 }],
  ['a 400 whose body echoes the secrets', { type: 'status', status: 400, body: ECHO, times: -1 }],
  ['401 always', { type: 'status', status: 401, body: ECHO, times: -1 }],
  ['connection reset always', { type: 'reset', times: -1 }],
  ['malformed JSON', { type: 'malformed', times: -1 }],
];

/** Every bearer token the simulator saw (OAuth2 access tokens included). */
function bearerTokens(sim) {
  const seen = new Set();
  for (const entry of sim.log) {
    const m = /^Bearer (\S+)$/.exec(entry.headers.authorization || '');
    if (m) seen.add(m[1]);
  }
  return [...seen];
}

/** Everything a user or a log could see, as text. */
function visible(...things) {
  return things.map((t) => util.inspect(t, { depth: 20, showHidden: true, maxStringLength: Infinity, maxArrayLength: Infinity })).join('\n');
}

function shouldHoldNone(text, secrets) {
  for (const secret of secrets) {
    const at = text.indexOf(secret);
    (at === -1).should.be.true(`found the secret ${secret.slice(0, 4)}… in: ${text.slice(Math.max(0, at - 300), at).replace(secret, "…")}`);
  }
}

describe('secrets: nodes never reveal the token, client secret or password', function () {
  this.timeout(20000);
  const getSim = useSimAndNodeRed(startSim);

  for (const auth of ['token', 'oauth2']) {
    for (const name of Object.keys(NODES)) {
      it(`${name} (${auth}): no secret in messages, statuses, logs or errors on any path`, async () => {
        const sim = getSim();
        addJob(sim, name);
        const everything = [];
        for (const [, fault] of SCENARIOS) {
          sim.clearFaults();
          await loadFast(nodeFlow(sim, name, { auth, server: { timeout: 300 }, props: WAIT_ENDS_SOON[name] }), credentials(auth));
          // A token fetched before the fault, so OAuth2 failures have one to leak.
          await helper.getNode('server').client.request(JOBS, { query: '$top=1' });
          if (fault) sim.addFault(fault);
          const seen = ['out', 'caught', 'statuses'].map((id) => collect(helper.getNode(id)));
          const answer = next(helper.getNode('out'), helper.getNode('caught'));
          helper.getNode('node').receive({ jobId: JOB });
          await answer;
          await wait(100);
          everything.push(...seen, helper.log().args);
          await helper.unload();
        }
        const secrets = auth === 'token' ? [TOKEN] : [OAUTH.clientSecret, OAUTH.password, ...bearerTokens(sim)];
        secrets.length.should.be.above(auth === 'token' ? 0 : 2);
        shouldHoldNone(visible(everything), secrets);
      });
    }
  }

  it('a token endpoint that echoes the form URL-encoded, JSON-escaped or in base64: no piece of the secret or password in msg.error or the log', async () => {
    const sim = getSim();
    addJob(sim, 'job status (single)');
    const odd = { ...OAUTH, clientSecret: 'Sé/cr+t&"x=y\\z end', password: 'p@ss w0rd!*(q)~"pw"' };
    const form = new URLSearchParams({ grant_type: 'password', client_id: odd.clientId, client_secret: odd.clientSecret, username: odd.username, password: odd.password }).toString();
    const echoes = [`Bad form: ${form}`, JSON.stringify(Object.fromEntries(new URLSearchParams(form))), `trace ${Buffer.from(form).toString('base64')}`,
      `secret ${encodeURIComponent(odd.clientSecret)} password ${encodeURIComponent(odd.password)}`];
    const everything = [];
    for (const echo of echoes) {
      sim.clearFaults();
      sim.addFault({ type: 'status', status: 400, body: JSON.stringify({ error: 'invalid_request', error_description: echo }), match: { path: '/connect/token' }, times: -1 });
      await loadFast(nodeFlow(sim, 'job status (single)', { auth: 'oauth2' }), { server: odd });
      const seen = ['out', 'caught', 'statuses'].map((id) => collect(helper.getNode(id)));
      const answer = next(helper.getNode('out'), helper.getNode('caught'));
      helper.getNode('node').receive({ jobId: JOB });
      (await answer).error.code.should.equal('AUTH_FAILED');
      everything.push(...seen, helper.log().args);
      await helper.unload();
    }
    const text = visible(everything);
    text.should.containEql('[redacted]');
    const pieces = [odd.clientSecret, odd.password].flatMap((secret) => [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)]);
    // Eight characters in a row of any form, or the base64 of the form's secret part, is a leak.
    const base64 = Buffer.from(form).toString('base64');
    const from = form.indexOf('client_secret=') + 'client_secret='.length;
    pieces.push(base64.slice(Math.ceil((8 * from) / 6), Math.floor((8 * form.indexOf('&username')) / 6)));
    for (const piece of pieces) {
      for (let i = 0; i + 8 <= piece.length; i++) text.includes(piece.slice(i, i + 8)).should.be.false(`"${piece.slice(i, i + 8)}" leaked`);
    }
  });

  describe('the token stays on trusted hosts', function () {
    let elsewhere;
    let otherUrl;
    before(async () => {
      // Another host name: the API is reached as 127.0.0.1, this one as localhost.
      elsewhere = await startSim();
      otherUrl = `http://localhost:${elsewhere.port}`;
    });
    after(() => elsewhere.close());
    beforeEach(() => elsewhere.reset());

    const noTokenElsewhere = () => {
      for (const entry of elsewhere.log) (entry.headers.authorization === undefined).should.be.true(`token sent to ${entry.path}`);
    };

    async function run(name, input, fault) {
      const sim = getSim();
      addJob(sim, name);
      await loadFast(nodeFlow(sim, name, { server: { timeout: 1000 } }), credentials());
      if (fault) sim.addFault(fault(sim));
      const answer = next(helper.getNode('out'), helper.getNode('caught'));
      helper.getNode('node').receive(input);
      return answer;
    }

    it('a nextLink to another host: only its path and query are used, on the base URL', async () => {
      const fault = (sim) => ({
        type: 'status', status: 200, match: { path: JOBS, query: 'Completed' },
        body: JSON.stringify({ value: [sim.getJob(JOB)], '@odata.nextLink': `${otherUrl}${JOBS}?$skip=1` }),
      });
      const msg = await run('job status (query)', {}, fault);
      msg.count.should.equal(1);
      elsewhere.log.length.should.equal(0);
      getSim().log.some((e) => e.query.includes('skip=1')).should.be.true();
    });

    it('a private DownloadLink to another host: UNTRUSTED_HOST, nothing sent there', async () => {
      const sim = getSim();
      addJob(sim, 'fetch output', 'job-far');
      const job = JSON.parse(JSON.stringify(sim.getJob('job-far')).split(sim.url).join(otherUrl));
      const msg = await run('fetch output', { payload: job });
      msg.error.code.should.equal('UNTRUSTED_HOST');
      elsewhere.log.length.should.equal(0);
    });

    it('a private DownloadLink on another port of the base host: UNTRUSTED_HOST, nothing sent there', async () => {
      const sim = getSim();
      addJob(sim, 'fetch output', 'job-port');
      const otherPort = `http://127.0.0.1:${elsewhere.port}`;
      const job = JSON.parse(JSON.stringify(sim.getJob('job-port')).split(sim.url).join(otherPort));
      const msg = await run('fetch output', { payload: job });
      msg.error.should.match({ code: 'UNTRUSTED_HOST', message: new RegExp(`is on ${otherPort}, which is not a trusted host`) });
      elsewhere.log.length.should.equal(0);
    });

    it('a public DownloadLink to another host is fetched without the token', async () => {
      const sim = getSim();
      sim.addJob({ jobId: 'job-pub', documents: [{ name: 'p.csv' }], scope: 'Public' });
      const job = JSON.parse(JSON.stringify(sim.getJob('job-pub')).split(sim.url).join(otherUrl));
      await run('fetch output', { payload: job });
      elsewhere.log.length.should.be.above(0);
      noTokenElsewhere();
    });

    it('an API redirect to another host is not followed: UNTRUSTED_HOST, nothing sent there', async () => {
      const fault = () => ({ type: 'status', status: 302, location: `${otherUrl}${JOBS}?$top=1`, body: '', match: { path: JOBS } });
      const msg = await run('aims360 request', {}, fault);
      msg.error.code.should.equal('UNTRUSTED_HOST');
      elsewhere.log.length.should.equal(0);
    });

    it('a document redirect to another host does not carry the token', async () => {
      const fault = () => ({ type: 'status', status: 302, location: `${otherUrl}/documentmanagement/v1.0/aimsdocument/x/y`, body: '', match: { path: '/documentmanagement' } });
      const msg = await run('fetch output', { jobId: JOB }, fault);
      (msg.error || {}).should.have.property('code');
      elsewhere.log.length.should.be.above(0);
      noTokenElsewhere();
    });
  });

  describe('in a real Node-RED with credentialSecret set', function () {
    this.timeout(90000);
    let work;
    let red;
    let sim;
    after(async () => {
      if (red) await red.stop();
      if (sim) await sim.close();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it('the flow export, credentials file, debug sidebar and log hold no secret', async () => {
      sim = await startSim();
      addJob(sim, 'fetch output');
      // Each account's own secrets echoed back by the API (a token account cannot know the OAuth2 ones).
      const echo = (words) => JSON.stringify({ Message: `echo ${words.join(' ')}` });
      sim.addFault({ type: 'status', status: 500, body: echo([TOKEN]), match: { path: JOBS, query: 'echo-tok' }, times: -1 });
      sim.addFault({ type: 'status', status: 500, body: echo([OAUTH.clientSecret, OAUTH.password]), match: { path: JOBS, query: 'echo-oa' }, times: -1 });
      work = userDirWithPack('aims360-secrets-', { flowFile: 'flows.json', credentialSecret: 'a-test-key' });
      red = await startNodeRed(work);
      const comms = await listen(red.url);
      const flows = [{ id: 'tab', type: 'tab', label: 'secrets' }];
      const servers = [
        { id: 'tok', type: 'aims360-config', baseUrl: sim.url, authType: 'token', timeout: 2000, credentials: { token: TOKEN } },
        { id: 'oa', type: 'aims360-config', baseUrl: sim.url, authType: 'oauth2', tokenUrl: `${sim.url}/connect/token`, timeout: 2000, credentials: { ...OAUTH } },
      ];
      flows.push(...servers);
      flows.push({ id: 'catch', type: 'catch', z: 'tab', x: 100, y: 20, scope: null, uncaught: false, wires: [['dbg']] });
      flows.push({ id: 'dbg', type: 'debug', z: 'tab', x: 300, y: 20, name: 'seen', active: true, tosidebar: true, console: true, complete: 'true' });
      let y = 60;
      let expected = 0;
      for (const server of servers) {
        for (const [name, { props, outputs }] of Object.entries(NODES)) {
          // One good job id, one that is refused, one whose query answers a 500 echoing the secrets.
          for (const payload of [JOB, 'bad id!', `echo-${server.id}`]) {
            const id = `n${y}`;
            flows.push({ id: `i${y}`, type: 'inject', z: 'tab', x: 100, y, props: [{ p: 'payload' }], payload, payloadType: 'str', once: true, onceDelay: 0.5, repeat: '', wires: [[id]] });
            flows.push({ id, z: 'tab', x: 200, y, server: server.id, name, ...props, wires: Array.from({ length: outputs }, () => ['dbg']) });
            y += 40;
            expected += 1;
          }
        }
      }
      await deploy(red.url, flows);
      const debug = () => comms.events.filter((e) => e.topic === 'debug');
      const until = Date.now() + 30000;
      while (debug().length < expected && Date.now() < until) await wait(200);
      debug().length.should.be.aboveOrEqual(expected);
      comms.close();
      const exported = await (await fetch(`${red.url}/flows`)).text();
      const credFile = fs.readFileSync(path.join(work, 'flows_cred.json'), 'utf8');
      const flowFile = fs.readFileSync(path.join(work, 'flows.json'), 'utf8');
      const secrets = [OAUTH.clientSecret, OAUTH.password, ...bearerTokens(sim)];
      secrets.should.containEql(TOKEN);
      shouldHoldNone(visible(comms.events, exported, credFile, flowFile, red.output()), secrets);
      JSON.parse(credFile).should.have.property('$');
    });
  });
});
