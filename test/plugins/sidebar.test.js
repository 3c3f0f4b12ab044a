// plugins/sidebar/sidebar.ts, the AIMS360 sidebar's admin API and comms (runtime side), on a real
// Node-RED with the package as a plugin: every route, with adminAuth off, a read-only user and an
// admin.
require('should');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { nodeRedRoot, startNodeRed, userDirWithPack, writeSettings } = require('../support/node-red-process');
const { startSim, TOKEN } = require('../support/sim');

const WebSocket = require(require.resolve('ws', { paths: [nodeRedRoot(), path.join(nodeRedRoot(), 'node_modules', '@node-red', 'editor-api')] }));

/** The routes docs/admin-api.md documents, as Express writes them: "get /aims360/servers/:id/jobs". */
const DOCUMENTED_ROUTES = [...fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'admin-api.md'), 'utf8')
  .matchAll(/^\| `(GET|POST) (\/aims360\/[^` ?]+)/gm)]
  .map(([, method, route]) => `${method.toLowerCase()} ${route.replace(/\{(\w+)\}/g, ':$1')}`);

const ADMIN = 'admin-key-for-tests';
const READER = 'reader-key-for-tests';
const { wait, until: waitUntil } = require('../support/wait');

// adminAuth with token users: a read-only user (Node-RED's `read` scope) and an admin (`*`).
const AUTH_SETTINGS = `module.exports = {
  flowFile: 'flows.json',
  credentialSecret: false,
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { tours: false },
  adminAuth: {
    type: 'credentials',
    users: [],
    tokens: function (token) {
      if (token === ${JSON.stringify(ADMIN)}) return Promise.resolve({ username: 'admin', permissions: '*' });
      if (token === ${JSON.stringify(READER)}) return Promise.resolve({ username: 'reader', permissions: 'read' });
      return Promise.resolve(null);
    }
  }
};
`;

function flows(sim) {
  return [
    { id: 'tab', type: 'tab', label: 'sidebar' },
    { id: 'server', type: 'aims360-config', name: 'Simulator', baseUrl: sim.url, authType: 'token', timeout: 5000 },
    { id: 'inject', type: 'inject', z: 'tab', x: 100, y: 60, props: [{ p: 'payload' }], payload: 'inject-job', payloadType: 'str', repeat: '', once: false, wires: [['wait']] },
    // Many waits at once over HTTP: a JSON array of job ids.
    { id: 'start', type: 'http in', z: 'tab', x: 100, y: 100, url: '/start', method: 'post', upload: false, wires: [['split', 'ok']] },
    { id: 'ok', type: 'http response', z: 'tab', x: 200, y: 150, statusCode: '204', headers: {}, wires: [] },
    { id: 'split', type: 'split', z: 'tab', x: 200, y: 100, splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', wires: [['wait']] },
    {
      id: 'wait', type: 'aims360-wait-for-job', z: 'tab', x: 300, y: 100, name: 'Wait here', server: 'server',
      interval: '0.2', maxInterval: '0.5', timeout: '600', wires: [[], [], []],
    },
  ];
}

/** Everything the admin API and comms answered, searched for the token at the end. */
const seen = [];

function client(url) {
  return async (method, route, { key, body } = {}) => {
    const headers = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${url}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    seen.push(text);
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, bytes, text, json };
  };
}

/** A refusal: the status, {code, message} only, plain words, no stack. */
function shouldRefuse(answer, status, code) {
  answer.status.should.equal(status, answer.text);
  answer.json.should.have.only.keys('code', 'message');
  answer.json.code.should.equal(code);
  answer.json.message.should.be.a.String().and.not.be.empty();
  answer.text.should.not.match(/\n\s+at |\.js:\d+/);
}

/** Connects to /comms as the editor does (with a user token when given) and subscribes. */
function comms(url, key) {
  const messages = [];
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/comms`);
  ws.on('message', (data) => {
    seen.push(String(data));
    const parsed = JSON.parse(String(data));
    for (const event of Array.isArray(parsed) ? parsed : [parsed]) messages.push({ at: Date.now(), size: Buffer.byteLength(JSON.stringify(event)), ...event });
  });
  const connection = { messages, waits: () => messages.filter((m) => m.topic === 'aims360/waits'), close: () => ws.terminate() };
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      const subscribe = () => {
        ws.send(JSON.stringify({ subscribe: 'aims360/waits' }));
        resolve(connection);
      };
      if (!key) return subscribe();
      // Node-RED drops a connection that sends anything else before its auth is answered.
      ws.send(JSON.stringify({ auth: key }));
      until(() => messages.some((m) => m.auth === 'ok'), 'comms auth').then(subscribe, reject);
    });
  });
}

/** The shared until, looking every 100 ms: its checks ask the admin API or a comms socket. */
const until = (check, what, ms = 15000) => waitUntil(check, what, ms, 100);

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

describe('sidebar plugin loaded again (palette reinstall)', () => {
  const express = require('express');
  const file = require.resolve('../../dist/plugins/sidebar/sidebar.js');
  const { waitRegistry } = require('../../dist/src/lib/wait-registry.js');
  const app = express();
  const added = [];
  for (const method of ['get', 'post']) {
    const original = app[method].bind(app);
    app[method] = (route, ...handlers) => {
      if (typeof route === 'string' && route.startsWith('/aims360')) added.push(`${method} ${route}`);
      return original(route, ...handlers);
    };
  }
  let server;
  let url;
  before((done) => {
    server = app.listen(0, '127.0.0.1', () => {
      url = `http://127.0.0.1:${server.address().port}`;
      done();
    });
  });
  after((done) => server.close(done));

  /** The plugin module (a fresh copy, or `from` another copy of dist/), loaded into a stand-in of Node-RED's plugin API. */
  function load(from = file) {
    delete require.cache[from];
    const published = [];
    const plugins = [];
    const RED = {
      httpAdmin: app,
      auth: { needsPermission: () => (req, res, next) => next() },
      plugins: { registerPlugin: (id, def) => { plugins.push(def); def.onadd(); } },
      comms: { publish: (topic, data, retain) => published.push({ topic, data, retain }) },
      nodes: { getNode: () => null, eachNode: () => undefined },
      log: {},
    };
    require(from)(RED);
    return { published, plugin: plugins[0] };
  }

  /** A second copy of the compiled package, as the palette manager's reinstall loads one beside the first. */
  function copyOfDist() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-copy-'));
    fs.cpSync(path.join(__dirname, '..', '..', 'dist'), path.join(dir, 'dist'), { recursive: true });
    fs.symlinkSync(path.join(__dirname, '..', '..', 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    return path.join(dir, 'dist');
  }

  it('adds its routes once, answers with the latest load, and 404 once removed', async () => {
    const first = load();
    const count = added.length;
    // The routes it adds are the documented ones, no more.
    [...added].sort().should.eql([...DOCUMENTED_ROUTES].sort());
    const second = load();
    added.length.should.equal(count);
    (await fetch(`${url}/aims360/waits`)).status.should.equal(200);
    // Only the latest load publishes the waits.
    const owner = { id: 'n1', name: '', type: 'aims360-wait-for-job', server: 's', cancel: () => 0 };
    const before = first.published.length;
    const record = waitRegistry.add(owner, 'job-x', Date.now());
    await wait(600);
    first.published.length.should.equal(before);
    second.published.filter((m) => m.topic === 'aims360/waits').at(-1).should.containDeep({ retain: true, data: { total: 1, waits: [{ jobId: 'job-x', status: null, percent: null }] } });
    waitRegistry.remove(record);
    second.plugin.onremove();
    // Express's own 404, as after a restart without the package: what the tab calls "not installed".
    const gone = await fetch(`${url}/aims360/waits`);
    gone.status.should.equal(404);
    gone.headers.get('content-type').should.not.match(/json/);
    second.published.filter((m) => m.topic === 'aims360/waits').at(-1).data.should.containDeep({ total: 0, waits: [] });
    second.plugin.onadd();
    (await fetch(`${url}/aims360/waits`)).status.should.equal(200);
    second.plugin.onremove();
  });

  it('shares one wait registry and one job event log between the routes and the nodes of a second module copy', async () => {
    const copy = copyOfDist();
    const first = load();
    const second = load(path.join(copy, 'plugins', 'sidebar', 'sidebar.js'));
    // What the second copy's nodes register in.
    const copied = {
      waits: require(path.join(copy, 'src', 'lib', 'wait-registry.js')).waitRegistry,
      events: require(path.join(copy, 'src', 'lib', 'job-event-log.js')).jobEventLog,
    };
    const owner = { id: 'n2', name: 'Second copy', type: 'aims360-wait-for-job', server: 's', cancel: () => 1 };
    copied.waits.addOwner(owner);
    const record = copied.waits.add(owner, 'job-copy', Date.now());
    copied.events.add({ at: Date.now(), event: 'failed', jobId: 'job-copy', jobStatus: 'Failed', jobStatusText: 'No disk.', server: 's', node: 'ev', nodeName: '' });
    try {
      // The routes are the first copy's: they see what the second copy's nodes registered.
      (await (await fetch(`${url}/aims360/waits`)).json()).waits.map((w) => w.jobId).should.eql(['job-copy']);
      (await (await fetch(`${url}/aims360/job-events`)).json()).events.should.containDeep([{ jobId: 'job-copy', event: 'failed', jobStatusText: 'No disk.' }]);
      // And the latest load publishes both, live.
      await until(() => second.published.some((m) => m.topic === 'aims360/job-events' && m.data.events.some((e) => e.jobId === 'job-copy')), 'the job event over comms');
      second.published.filter((m) => m.topic === 'aims360/waits').at(-1).data.waits.map((w) => w.jobId).should.eql(['job-copy']);
      first.published.filter((m) => m.topic === 'aims360/job-events').should.have.length(1);
    } finally {
      copied.waits.remove(record);
      copied.waits.removeOwner(owner);
      second.plugin.onremove();
    }
  });

  it('answers on each documented route, and leaves a route it does not have to Express\'s 404', async () => {
    const { plugin } = load();
    DOCUMENTED_ROUTES.length.should.be.above(0);
    for (const route of DOCUMENTED_ROUTES) {
      const [method, template] = route.split(' ');
      const res = await fetch(url + template.replace(':id', 'no-such-server').replace(':jobId', 'job-1'), { method: method.toUpperCase() });
      // The plugin's own answer (JSON), not Express's "Cannot GET" page.
      res.headers.get('content-type').should.match(/^application\/json/, route);
      (await res.json()).should.be.an.Object();
    }
    const unknown = await fetch(`${url}/aims360/servers/no-such-server/nothing-here`);
    unknown.status.should.equal(404);
    unknown.headers.get('content-type').should.not.match(/json/);
    plugin.onremove();
  });
});

describe('sidebar admin API (real Node-RED)', function () {
  this.timeout(120000);
  let sim;
  const dirs = [];
  const reds = [];

  async function startRed(settings) {
    const dir = userDirWithPack('aims360-sidebar-', {});
    if (typeof settings === 'string') fs.writeFileSync(path.join(dir, 'settings.js'), settings);
    else writeSettings(dir, settings);
    fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flows(sim)));
    fs.writeFileSync(path.join(dir, 'flows_cred.json'), JSON.stringify({ server: { token: TOKEN } }));
    dirs.push(dir);
    const red = await startNodeRed(dir);
    reds.push(red);
    return red;
  }

  before(async () => {
    sim = await startSim();
  });

  after(async () => {
    for (const red of reds) await red.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    if (sim) await sim.close();
  });

  describe('without adminAuth', () => {
    let api;
    before(async () => {
      const red = await startRed({ flowFile: 'flows.json', credentialSecret: false, telemetry: { enabled: false, updateNotification: false } });
      api = client(red.url);
    });

    it('serves everyone, as Node-RED without adminAuth does for every admin route', async () => {
      (await api('GET', '/aims360/waits')).status.should.equal(200);
      const servers = await api('GET', '/aims360/servers');
      servers.status.should.equal(200);
      // With the request budget's use: the sidebar's "3 of 10 requests/s".
      servers.json.servers.should.eql([{ id: 'server', name: 'Simulator', baseUrl: sim.url, budget: { perSecond: 10, lastSecond: 0, waiting: 0 } }]);
      shouldRefuse(await api('POST', '/aims360/waits/cancel', { body: { node: 'wait', jobId: 'nothing' } }), 404, 'NOT_FOUND');
      // Everyone may download here, so the publish links stay.
      sim.addJob({ jobId: 'public-open', scope: 'Public', documents: [{ name: 'open.csv' }] });
      const jobs = await api('GET', '/aims360/servers/server/jobs');
      jobs.json.jobs.find((j) => (j.jobID ?? j.jobId) === 'public-open').publishLink.should.equal(sim.getJob('public-open').publishLink);
      sim.reset();
    });
  });

  describe('with adminAuth', () => {
    let red;
    let api;
    before(async () => {
      red = await startRed(AUTH_SETTINGS);
      api = client(red.url);
    });
    beforeEach(() => {
      sim.reset();
    });

    const ROUTES = [
      ['GET', '/aims360/waits', 'read'],
      ['POST', '/aims360/waits/cancel', 'write'],
      ['GET', '/aims360/job-events', 'read'],
      ['GET', '/aims360/servers/server/jobs/job-1', 'read'],
      ['GET', '/aims360/servers', 'read'],
      ['GET', '/aims360/servers/server/jobs', 'read'],
      ['POST', '/aims360/servers/server/jobs/job-1/rerun', 'write'],
      ['GET', '/aims360/servers/server/jobs/job-1/output', 'write'],
    ];

    it('serves nothing without login: 401 on every route', async () => {
      for (const [method, route] of ROUTES) {
        const answer = await api(method, route, { body: method === 'POST' ? { node: 'wait', jobId: 'job-1' } : undefined });
        answer.status.should.equal(401, `${method} ${route}`);
        (await api(method, route, { key: 'wrong-key' })).status.should.equal(401, `${method} ${route} with a wrong key`);
      }
    });

    it('lets a read-only user read and refuses every action (401) without calling the API', async () => {
      sim.addJob({ jobId: 'job-1', outcome: 'Failed' });
      for (const [method, route, need] of ROUTES) {
        const answer = await api(method, route, { key: READER, body: method === 'POST' ? { node: 'wait', jobId: 'job-1' } : undefined });
        if (need === 'read') answer.status.should.equal(200, `${method} ${route}: ${answer.text}`);
        else answer.status.should.equal(401, `${method} ${route}`);
      }
      sim.log.filter((e) => e.method === 'POST' || e.path.includes('/documentmanagement/')).should.be.empty();
    });

    it('lists the deployed config nodes without credentials', async () => {
      const answer = await api('GET', '/aims360/servers', { key: ADMIN });
      answer.status.should.equal(200);
      const { budget, ...server } = answer.json.servers[0];
      answer.json.servers.should.have.length(1);
      server.should.eql({ id: 'server', name: 'Simulator', baseUrl: sim.url });
      // The request budget's use, for "3 of 10 requests/s": the requests of the last second and those waiting.
      budget.should.have.only.keys('perSecond', 'lastSecond', 'waiting');
      budget.should.match({ perSecond: 10, waiting: 0 });
    });

    it('answers 400 with a message (no stack) for bad parameters', async () => {
      const bad = [
        ['GET', '/aims360/servers/server/jobs?hours=0'],
        ['GET', '/aims360/servers/server/jobs?hours=abc'],
        ['GET', '/aims360/servers/server/jobs?hours=1.5'],
        ['GET', '/aims360/servers/server/jobs?hours=9000'],
        ['GET', '/aims360/servers/server/jobs?top=0'],
        ['GET', '/aims360/servers/server/jobs?top=301'],
        ['GET', '/aims360/servers/server/jobs?status=Broken'],
        ['GET', '/aims360/servers/server/jobs?status=Failed&status=Completed'],
        ['GET', `/aims360/servers/server/jobs/${encodeURIComponent("x' or jobStatus eq 'Failed")}/output`],
        ['POST', `/aims360/servers/server/jobs/${'x'.repeat(129)}/rerun`],
        ['GET', `/aims360/servers/${encodeURIComponent('se rver')}/jobs`],
        ['POST', '/aims360/waits/cancel', {}],
        ['POST', '/aims360/waits/cancel', { node: 'wait' }],
        ['POST', '/aims360/waits/cancel', { node: 'wait', jobId: 'a/b' }],
        ['POST', '/aims360/waits/cancel', { node: 42, jobId: 'job-1' }],
      ];
      for (const [method, route, body] of bad) {
        const answer = await api(method, route, { key: ADMIN, body: method === 'POST' ? (body ?? {}) : undefined });
        shouldRefuse(answer, 400, 'BAD_INPUT');
      }
      sim.log.should.be.empty();
    });

    it('answers 404 for an unknown server, a node that is no config node, and an unknown wait', async () => {
      for (const id of ['nothing', 'wait']) {
        shouldRefuse(await api('GET', `/aims360/servers/${id}/jobs`, { key: ADMIN }), 404, 'NOT_FOUND');
        shouldRefuse(await api('POST', `/aims360/servers/${id}/jobs/job-1/rerun`, { key: ADMIN }), 404, 'NOT_FOUND');
        shouldRefuse(await api('GET', `/aims360/servers/${id}/jobs/job-1/output`, { key: ADMIN }), 404, 'NOT_FOUND');
      }
      shouldRefuse(await api('POST', '/aims360/waits/cancel', { key: ADMIN, body: { node: 'nothing', jobId: 'job-1' } }), 404, 'NOT_FOUND');
      shouldRefuse(await api('POST', '/aims360/waits/cancel', { key: ADMIN, body: { node: 'wait', jobId: 'job-1' } }), 404, 'NOT_FOUND');
      shouldRefuse(await api('POST', '/aims360/servers/server/jobs/missing/rerun', { key: ADMIN }), 404, 'JOB_NOT_FOUND');
      sim.log.filter((e) => e.method === 'POST').should.be.empty();
    });

    describe('recent jobs', () => {
      const hoursAgo = (h) => new Date(Date.now() - h * 3600 * 1000).toISOString();
      beforeEach(() => {
        sim.addJob({ jobId: 'old-failed', outcome: 'Failed', createdDate: hoursAgo(30) });
        sim.addJob({ jobId: 'failed-5h', outcome: 'Failed', createdDate: hoursAgo(5) });
        sim.addJob({ jobId: 'done-2h', createdDate: hoursAgo(2) });
        sim.addJob({ jobId: 'failed-now', outcome: 'Failed', inline: { big: 'x'.repeat(1000) }, responseType: 'In-line JSON' });
      });
      const ids = (answer) => answer.json.jobs.map((j) => j.jobID ?? j.jobId);

      it('lists the last 24 hours newest first, by status, at most top, without the in-line output', async () => {
        const all = await api('GET', '/aims360/servers/server/jobs', { key: READER });
        all.status.should.equal(200);
        ids(all).should.eql(['failed-now', 'done-2h', 'failed-5h']);
        all.json.jobs.forEach((j) => j.should.not.have.property('response'));
        all.json.jobs[0].should.have.properties('jobStatus', 'percentCompleted', 'createdDate', 'canReRun', 'jobDescription');
        ids(await api('GET', '/aims360/servers/server/jobs?status=Failed', { key: READER })).should.eql(['failed-now', 'failed-5h']);
        ids(await api('GET', '/aims360/servers/server/jobs?status=failed&hours=48', { key: READER })).should.eql(['failed-now', 'failed-5h', 'old-failed']);
        ids(await api('GET', '/aims360/servers/server/jobs?top=1', { key: READER })).should.eql(['failed-now']);
        const query = decodeURIComponent(sim.log.at(-1).query);
        query.should.match(/\$filter=createdDate ge \d{4}-\d\d-\d\dT[^&]*&\$orderby=createdDate desc&\$top=1/);
      });

      it('asks by date only and keeps the status itself when the API refuses the combined filter', async () => {
        sim.addFault({ type: 'status', status: 400, body: '{"Message":"The query specified in the URI is not valid."}', match: { path: '/jobsmanagement/odata' } });
        const answer = await api('GET', '/aims360/servers/server/jobs?status=Failed', { key: READER });
        answer.status.should.equal(200, answer.text);
        ids(answer).should.eql(['failed-now', 'failed-5h']);
        sim.log.length.should.equal(2);
        decodeURIComponent(sim.log[1].query).should.not.match(/jobStatus/);
      });

      it('gives a Public job\'s publish link (a download without the token) to writers only', async () => {
        sim.addJob({ jobId: 'public-job', scope: 'Public', documents: [{ name: 'open.csv' }] });
        const link = sim.getJob('public-job').publishLink;
        link.should.match(/^http/);
        const links = (answer) => answer.json.jobs.flatMap((j) => Object.keys(j).filter((k) => /link$/i.test(k)).map((k) => j[k]));
        const read = await api('GET', '/aims360/servers/server/jobs', { key: READER });
        read.status.should.equal(200, read.text);
        ids(read).should.containEql('public-job');
        links(read).should.eql([]);
        read.text.should.not.containEql(link);
        const admin = await api('GET', '/aims360/servers/server/jobs', { key: ADMIN });
        admin.json.jobs.find((j) => (j.jobID ?? j.jobId) === 'public-job').publishLink.should.equal(link);
      });

      it('reads at most 3 pages per call, however many jobs match, and says when the list is cut', async () => {
        sim.setConfig({ pageSize: 2 });
        for (let i = 0; i < 20; i++) sim.addJob({ jobId: `many-${i}`, createdDate: hoursAgo(1 + i / 100) });
        sim.clearLog();
        const answer = await api('GET', '/aims360/servers/server/jobs', { key: READER });
        answer.status.should.equal(200, answer.text);
        sim.log.length.should.equal(3);
        answer.json.jobs.should.have.length(6);
        answer.json.truncated.should.be.true();
        // The status filtered here, after the API refused it: one request more, no more pages.
        sim.clearLog();
        sim.addFault({ type: 'status', status: 400, body: '{"Message":"The query specified in the URI is not valid."}', match: { path: '/jobsmanagement/odata' } });
        const filtered = await api('GET', '/aims360/servers/server/jobs?status=Failed', { key: READER });
        filtered.json.truncated.should.be.true();
        sim.log.length.should.equal(4);
        sim.setConfig({ pageSize: 100 });
        (await api('GET', '/aims360/servers/server/jobs', { key: READER })).json.truncated.should.be.false();
      });

      it('answers 502 with the API failure\'s code and message, without the token', async () => {
        sim.addFault({ type: 'status', status: 401, body: JSON.stringify({ Message: `denied ${TOKEN}` }), times: -1 });
        const answer = await api('GET', '/aims360/servers/server/jobs', { key: READER });
        shouldRefuse(answer, 502, 'AUTH_FAILED');
        answer.text.should.not.containEql(TOKEN);
        sim.clearFaults();
        sim.addFault({ type: 'status', status: 500, times: -1 });
        shouldRefuse(await api('GET', '/aims360/servers/server/jobs', { key: READER }), 502, 'API_ERROR');
      });
    });

    describe('rerun', () => {
      const posts = () => sim.log.filter((e) => e.method === 'POST' && /\/rerun$/.test(e.path));

      it('refuses with 409 RERUN_NOT_ALLOWED, posting nothing, when canReRun is not Yes', async () => {
        sim.addJob({ jobId: 'no-rerun', outcome: 'Failed', canReRun: 'No' });
        shouldRefuse(await api('POST', '/aims360/servers/server/jobs/no-rerun/rerun', { key: ADMIN }), 409, 'RERUN_NOT_ALLOWED');
        posts().should.be.empty();
      });

      it('posts one rerun for two concurrent calls: the second answers 409 RERUN_IN_PROGRESS', async () => {
        sim.addJob({ jobId: 'twice', outcome: 'Failed', canReRun: 'Yes' });
        // The first call's canReRun check hangs (until the client's timeout and retry), so it is surely in flight.
        sim.addFault({ type: 'hang', match: { method: 'GET', path: '/jobsmanagement/odata' } });
        const route = '/aims360/servers/server/jobs/twice/rerun';
        const first = api('POST', route, { key: ADMIN });
        await until(() => sim.log.some((e) => e.method === 'GET'), 'the first call\'s check');
        shouldRefuse(await api('POST', route, { key: ADMIN }), 409, 'RERUN_IN_PROGRESS');
        const answer = await first;
        answer.status.should.equal(200, answer.text);
        posts().should.have.length(1);
        // Once answered, the job may be rerun again.
        (await api('POST', route, { key: ADMIN })).status.should.equal(200);
        posts().should.have.length(2);
      });

      it('answers one job, as the list gives it, for following a rerun', async () => {
        sim.addJob({ jobId: 'one-job', outcome: 'Failed', scope: 'Public', documents: [{ name: 'a.csv' }], jobStatusText: 'Disk full.' });
        const read = await api('GET', '/aims360/servers/server/jobs/one-job', { key: READER });
        read.status.should.equal(200, read.text);
        read.json.job.should.have.properties({ jobStatus: 'Failed', jobStatusText: 'Disk full.' });
        read.json.job.should.not.have.properties('response', 'publishLink');
        (await api('GET', '/aims360/servers/server/jobs/one-job', { key: ADMIN })).json.job.should.have.property('publishLink');
        shouldRefuse(await api('GET', '/aims360/servers/server/jobs/missing', { key: READER }), 404, 'JOB_NOT_FOUND');
      });

      it('posts the rerun when allowed and answers the API\'s answer', async () => {
        sim.addJob({ jobId: 'again', outcome: 'Failed', canReRun: 'Yes' });
        const answer = await api('POST', '/aims360/servers/server/jobs/again/rerun', { key: ADMIN });
        answer.status.should.equal(200, answer.text);
        answer.json.should.have.properties({ jobId: 'again', jobStatus: 'Queued' });
        posts().map((e) => e.path).should.eql(['/jobsmanagement/v1.0/backgroundjob/again/rerun']);
      });
    });

    describe('output', () => {
      const docRequests = () => sim.log.filter((e) => e.path.includes('/documentmanagement/'));

      it('streams the first document with its name; the bytes are the simulator\'s', async () => {
        const job = sim.addJob({ jobId: 'doc-job', scope: 'Private', documents: [{ name: 'Orders 2024.csv', rows: 5000 }, { name: 'second.csv' }] });
        const link = JSON.parse(job.response)[0].DownloadLink;
        const direct = Buffer.from(await (await fetch(link, { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer());
        direct.length.should.be.above(10000);
        const answer = await api('GET', '/aims360/servers/server/jobs/doc-job/output', { key: ADMIN });
        answer.status.should.equal(200);
        answer.headers.get('content-disposition').should.equal('attachment; filename="Orders 2024.csv"; filename*=UTF-8\'\'Orders%202024.csv');
        answer.headers.get('content-type').should.match(/^text\/csv/);
        sha256(answer.bytes).should.equal(sha256(direct));
      });

      it('answers the in-line JSON of an In-line JSON job', async () => {
        sim.addJob({ jobId: 'inline-job', responseType: 'In-line JSON', inline: { rows: [{ a: 1 }, { a: 2 }] } });
        const answer = await api('GET', '/aims360/servers/server/jobs/inline-job/output', { key: ADMIN });
        answer.status.should.equal(200);
        answer.json.should.eql({ rows: [{ a: 1 }, { a: 2 }] });
      });

      it('refuses a job not completed (409 JOB_NOT_COMPLETED) or failed (409 JOB_FAILED) without a download', async () => {
        sim.addJob({ jobId: 'running', runMs: 600000, documents: [{}] });
        sim.addJob({ jobId: 'broken', outcome: 'Failed' });
        shouldRefuse(await api('GET', '/aims360/servers/server/jobs/running/output', { key: ADMIN }), 409, 'JOB_NOT_COMPLETED');
        shouldRefuse(await api('GET', '/aims360/servers/server/jobs/broken/output', { key: ADMIN }), 409, 'JOB_FAILED');
        docRequests().should.be.empty();
      });

      it('keeps the fetch output rules: expired link, untrusted host for a private document', async () => {
        sim.addJob({ jobId: 'expired', documents: [{ expiresInMs: -60000 }] });
        sim.addJob({ jobId: 'elsewhere', scope: 'Private', documents: [{ host: 'localhost' }] });
        shouldRefuse(await api('GET', '/aims360/servers/server/jobs/expired/output', { key: ADMIN }), 502, 'LINK_EXPIRED');
        shouldRefuse(await api('GET', '/aims360/servers/server/jobs/elsewhere/output', { key: ADMIN }), 502, 'UNTRUSTED_HOST');
        docRequests().should.be.empty();
      });

      it('stops the upstream download when the admin client goes away', async () => {
        sim.addJob({ jobId: 'huge', scope: 'Public', documents: [{ name: 'huge.txt', format: 'txt', sizeBytes: 4 * 1024 ** 3 }] });
        const sent = () => [...sim.sockets].reduce((sum, s) => sum + s.bytesWritten, 0);
        const controller = new AbortController();
        const res = await fetch(`${red.url}/aims360/servers/server/jobs/huge/output`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: controller.signal });
        res.status.should.equal(200);
        const reader = res.body.getReader();
        await reader.read();
        controller.abort();
        await wait(1000);
        const at = sent();
        await wait(1500);
        // Still streaming 4 GB would add hundreds of MB here.
        (sent() - at).should.be.below(16 * 1024 * 1024);
      });
    });

    describe('waits', () => {
      const waitsNow = async (key = READER) => (await api('GET', '/aims360/waits', { key })).json.waits;

      it('shows a wait started by an inject, with status and percent, until its job completes', async () => {
        sim.addJob({ jobId: 'inject-job', queuedMs: 0, runMs: 600000 });
        (await api('POST', '/inject/inject', { key: ADMIN })).status.should.equal(200);
        const [w] = await until(async () => {
          const list = await waitsNow();
          return list.length === 1 && list[0].status !== null ? list : undefined;
        }, 'the wait to be polled');
        w.should.have.properties({ node: 'wait', nodeName: 'Wait here', nodeType: 'aims360-wait-for-job', server: 'server', jobId: 'inject-job', status: 'Inprogress' });
        w.percent.should.be.a.Number();
        w.waitedMs.should.be.a.Number();
        w.startedAt.should.be.belowOrEqual(Date.now());
        w.nextPollAt.should.be.a.Number();
        sim.setJob('inject-job', { jobStatus: 'Completed' });
        await until(async () => (await waitsNow()).length === 0, 'the wait to end');
      });

      it('cancel ends a wait (write permission), as msg.cancel does', async () => {
        sim.addJob({ jobId: 'cancel-me', runMs: 600000 });
        (await api('POST', '/start', { body: ['cancel-me'] })).status.should.equal(204);
        await until(async () => (await waitsNow()).length === 1, 'the wait to start');
        (await api('POST', '/aims360/waits/cancel', { key: READER, body: { node: 'wait', jobId: 'cancel-me' } })).status.should.equal(401);
        (await waitsNow()).length.should.equal(1);
        const answer = await api('POST', '/aims360/waits/cancel', { key: ADMIN, body: { node: 'wait', jobId: 'cancel-me' } });
        answer.status.should.equal(200, answer.text);
        answer.json.should.eql({ cancelled: 1 });
        (await waitsNow()).should.be.empty();
        sim.clearLog();
        await wait(800);
        sim.log.should.be.empty();
      });

      it('sends live changes over comms to a logged-in editor only, throttled for 1,000 waits', async () => {
        const anonymous = await comms(red.url);
        const editor = await comms(red.url, READER);
        const ids = Array.from({ length: 1000 }, (_, i) => `many-${String(i).padStart(4, '0')}`);
        for (const jobId of ids) sim.addJob({ jobId, runMs: 600000 });
        const from = Date.now();
        (await api('POST', '/start', { body: ids })).status.should.equal(204);
        await until(() => editor.waits().some((m) => m.data.total === 1000 && m.data.waits.every((w) => w.status !== null)), 'all 1,000 waits polled');
        // Keep them polled for a while: every poll answer is a change.
        await wait(3000);
        const during = editor.waits().filter((m) => m.at >= from);
        const seconds = (Date.now() - from) / 1000;
        const largest = Math.max(...during.map((m) => m.size));
        console.log(`      comms: ${during.length} aims360/waits messages in ${seconds.toFixed(1)} s (${(during.length / seconds).toFixed(1)}/s) for 1,000 waits; largest ${(largest / 1024).toFixed(0)} KiB`);
        for (const m of during) {
          m.data.waits.length.should.be.belowOrEqual(200);
          m.data.waits.length.should.equal(Math.min(200, m.data.total));
        }
        const last = during.at(-1).data;
        last.waits.map((w) => w.startedAt).should.eql([...last.waits.map((w) => w.startedAt)].sort((a, b) => a - b));
        (await waitsNow()).length.should.equal(1000);
        for (const jobId of ids) sim.setJob(jobId, { jobStatus: 'Completed' });
        await until(() => editor.waits().some((m) => m.data.total === 0), 'the waits to end over comms');
        // Without login the connection is refused and sees no waits.
        anonymous.messages.should.containDeep([{ auth: 'fail' }]);
        anonymous.waits().should.be.empty();
        anonymous.close();
        editor.close();
      });
    });

    // Last: after every other answer was seen.
    describe('secrets', () => {
      it('never shows the token in any admin answer, comms message or log line', () => {
        seen.length.should.be.above(50);
        for (const text of seen) text.should.not.containEql(TOKEN);
        for (const r of reds) r.output().should.not.containEql(TOKEN);
      });
    });
  });
});
