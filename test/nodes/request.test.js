// The aims360-request node (nodes/request) in Node-RED against the simulator: any endpoint, its
// method, path, query and body from typed inputs, errors and retries.
const should = require('should');
const { helper, baseFlow, load, next, collect, wait, inTimeZone, useSimAndNodeRed, sendOne } = require('../support/red');
const { startSim, apiCalls, TOKEN } = require('../support/sim');

const creds = { server: { token: TOKEN } };
const JOBS = 'jobsmanagement/odata/v1.0/backgroundjob';
const EXPORT = 'reports/v1.0/exportdata';
const CSV_EXPORT = { exportType: 'View', outputFormat: 'csv', publishLinkAccessScope: 'Public' };

function flow(sim, props = {}, config = {}) {
  return [
    ...baseFlow(sim, config),
    { id: 'node', type: 'aims360-request', z: 'tab', server: 'server', path: JOBS, pathType: 'str', wires: [['out']], ...props },
    { id: 'out', type: 'helper', z: 'tab' },
  ];
}

describe('aims360-request', function () {
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
  });

  const run = (props, input, context) => sendOne(flow(sim, props), creds, input, context);

  /** A 200 answer with this body for the next call of one method (read before routing: the log keeps the body). */
  const answer200 = (method, body) => sim.addFault({ type: 'status', status: 200, body, match: { method } });

  it('loads with its defaults: GET, no query, no body, no POST retry', async () => {
    sim.addJob({ jobId: 'job-1' });
    const msg = await run({ name: 'req' }, { payload: 'ignored for GET' });
    helper.getNode('node').should.have.property('name', 'req');
    msg.statusCode.should.equal(200);
    msg.payload.value.map((j) => j.jobID).should.eql(['job-1']);
    const call = apiCalls(sim)[0];
    call.method.should.equal('GET');
    call.path.should.equal(`/${JOBS}`);
    call.query.should.equal('');
    should(call.body).be.undefined();
    call.headers.authorization.should.equal(`Bearer ${TOKEN}`);
  });

  it('starts an export with POST exportdata: msg.payload is the body, msg.jobId and msg.jobStatus feed the next node', async () => {
    const msg = await run({ method: 'POST', path: EXPORT }, { payload: CSV_EXPORT, topic: 'keep' });
    msg.statusCode.should.equal(200);
    msg.payload.should.match({ jobStatus: 'Queued', publishLinkAccessScope: 'PUBLIC' });
    msg.jobId.should.equal(msg.payload.jobId);
    msg.jobStatus.should.equal('Queued');
    msg.topic.should.equal('keep');
    msg.headers['content-type'].should.match(/json/);
    sim.getJob(msg.jobId).responseType.should.equal('Publishlink');
    const call = apiCalls(sim, EXPORT)[0];
    JSON.parse(call.body).should.eql(CSV_EXPORT);
    call.headers['content-type'].should.match(/^application\/json/);
  });

  it('feeds job status (and so wait for job) with no node between', async () => {
    await load([
      ...flow(sim, { method: 'POST', path: EXPORT, wires: [['status-node']] }),
      { id: 'status-node', type: 'aims360-job-status', z: 'tab', server: 'server', wires: [['out']] },
    ], creds);
    const out = next(helper.getNode('out'));
    helper.getNode('node').receive({ payload: CSV_EXPORT });
    const msg = await out;
    msg.payload.jobID.should.equal(msg.jobId);
    msg.jobStatus.should.equal('Queued');
  });

  it('shows the method, then the status code with the job status and the local time as a ring (not live), and completes once', async () => {
    await load(flow(sim, { method: 'POST', path: EXPORT }), creds);
    const statuses = collect(helper.getNode('statuses'));
    const completed = collect(helper.getNode('completed'));
    const caught = collect(helper.getNode('caught'));
    // A zone off UTC by half an hour: the time must be the runtime's local one.
    const { times } = await inTimeZone('Asia/Kolkata', async () => {
      const out = next(helper.getNode('out'));
      helper.getNode('node').receive({ payload: CSV_EXPORT });
      await out;
    });
    await wait(50);
    const [requesting, answered] = statuses.map((m) => m.status);
    requesting.should.match({ fill: 'blue', text: 'POST request' });
    answered.should.match({ fill: 'green', shape: 'ring' });
    times.map((t) => `200 queued ${t}`).should.containEql(answered.text);
    completed.length.should.equal(1);
    caught.length.should.equal(0);
  });

  it('shows the status code and the time when the answer names no job', async () => {
    sim.addJob({ jobId: 'job-1' });
    await load(flow(sim), creds);
    const statuses = collect(helper.getNode('statuses'));
    const { times } = await inTimeZone('America/St_Johns', async () => {
      const out = next(helper.getNode('out'));
      helper.getNode('node').receive({});
      await out;
    });
    await wait(50);
    const answered = statuses.pop().status;
    answered.should.match({ fill: 'green', shape: 'ring' });
    times.map((t) => `200 ${t}`).should.containEql(answered.text);
  });

  it('keeps the input\'s jobId and jobStatus when the answer names no job, and drops a stale status when it names one without', async () => {
    let msg = await run({}, { jobId: 'earlier', jobStatus: 'Completed' });
    msg.jobId.should.equal('earlier');
    msg.jobStatus.should.equal('Completed');
    await helper.unload();
    answer200('GET', '{"jobID":"fresh"}');
    msg = await run({}, { jobId: 'earlier', jobStatus: 'Completed' });
    msg.jobId.should.equal('fresh');
    msg.should.not.have.property('jobStatus');
  });

  it('passes a text answer on as text and drops set-cookie from the headers', async () => {
    answer200('GET', 'plain words');
    const msg = await run({});
    msg.payload.should.equal('plain words');
    msg.headers.should.have.property('content-type');
    msg.headers.should.not.have.property('set-cookie');
  });

  it('ignores msg.method, msg.url, msg.path and msg.headers', async () => {
    await run({}, { method: 'DELETE', url: 'https://evil.example.com/', path: 'elsewhere', headers: { authorization: 'Bearer other' } });
    const call = apiCalls(sim)[0];
    call.method.should.equal('GET');
    call.path.should.equal(`/${JOBS}`);
    call.headers.authorization.should.equal(`Bearer ${TOKEN}`);
  });

  describe('path', () => {
    it('comes from a typed input (msg, flow, global, env, jsonata), with or without a leading slash or its own query', async () => {
      process.env.AIMS360_TEST_PATH = `/${JOBS}`;
      const cases = [
        [{ path: 'target', pathType: 'msg' }, { target: JOBS }],
        [{ path: 'AIMS360_TEST_PATH', pathType: 'env' }, {}],
        [{ path: '"/jobsmanagement/odata/v1.0/" & kind', pathType: 'jsonata' }, { kind: 'backgroundjob' }],
        [{ path: `${JOBS}?$top=1` }, {}],
        [{ path: 'where', pathType: 'flow' }, {}, { flow: { where: JOBS } }],
        [{ path: 'where', pathType: 'global' }, {}, { global: { where: JOBS } }],
      ];
      for (const [props, input, context] of cases) {
        (await run(props, input, context)).statusCode.should.equal(200);
        await helper.unload();
      }
      apiCalls(sim).map((c) => c.path).should.eql(Array(6).fill(`/${JOBS}`));
      apiCalls(sim)[3].query.should.equal('$top=1');
    });

    it('takes an absolute URL on the base URL\'s host', async () => {
      (await run({ path: `${sim.url}/${JOBS}` })).statusCode.should.equal(200);
    });

    it('refuses an absolute URL on an untrusted host with UNTRUSTED_HOST and sends nothing', async () => {
      for (const path of ['https://evil.example.com/steal', 'http://127.0.0.2:1/x']) {
        (await run({ path })).error.code.should.equal('UNTRUSTED_HOST');
        await helper.unload();
      }
      sim.log.length.should.equal(0);
    });

    it('refuses an empty path, one that is not text, and a scheme other than http(s), with BAD_INPUT', async () => {
      for (const [props, input] of [[{ path: '' }, {}], [{ path: 'p', pathType: 'msg' }, { p: 42 }], [{ path: 'ftp://x/y' }, {}]]) {
        (await run(props, input)).error.code.should.equal('BAD_INPUT');
        await helper.unload();
      }
      sim.log.length.should.equal(0);
    });
  });

  describe('query', () => {
    it('encodes a JSON object with %20, never +, and repeats the key of a list', async () => {
      await run({ query: '{"$filter":"jobStatus eq \'Failed\'","$top":2,"tag":["a b","c"],"skip":null}', queryType: 'json' });
      const { query } = apiCalls(sim)[0];
      // The URL parser writes ' as %27 in a query, as it does for every request.
      query.should.equal('%24filter=jobStatus%20eq%20%27Failed%27&%24top=2&tag=a%20b&tag=c');
      query.should.not.containEql('+');
    });

    it('comes from msg, flow, global or jsonata', async () => {
      const cases = [
        [{ query: 'q', queryType: 'msg' }, { q: { $top: 1 } }],
        [{ query: '{"$top": n}', queryType: 'jsonata' }, { n: 1 }],
        [{ query: 'q', queryType: 'flow' }, {}, { flow: { q: { $top: 1 } } }],
        [{ query: 'q', queryType: 'global' }, {}, { global: { q: { $top: 1 } } }],
      ];
      for (const [props, input, context] of cases) {
        (await run(props, input, context)).statusCode.should.equal(200);
        await helper.unload();
      }
      apiCalls(sim).map((c) => c.query).should.eql(Array(4).fill('%24top=1'));
    });

    it('refuses a query that is not an object, or holds nested objects, with BAD_INPUT and sends nothing', async () => {
      const bad = [[{ query: '[1,2]', queryType: 'json' }, {}], [{ query: 'q', queryType: 'msg' }, { q: 'a=b' }], [{ query: 'q', queryType: 'msg' }, { q: { a: { b: 1 } } }], [{ query: '{nope', queryType: 'json' }, {}]];
      for (const [props, input] of bad) {
        const msg = await run(props, input);
        msg.error.code.should.equal('BAD_INPUT');
        msg.error.message.should.match(/query/);
        await helper.unload();
      }
      sim.log.length.should.equal(0);
    });
  });

  describe('body', () => {
    it('defaults to msg.payload for POST, PUT and PATCH, and to none for GET and DELETE', async () => {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'GET']) {
        answer200(method, '{"ok":true}');
        (await run({ method }, { payload: { n: method } })).payload.should.eql({ ok: true });
        await helper.unload();
      }
      const bodies = apiCalls(sim, '/').map((c) => [c.method, c.body && JSON.parse(c.body)]);
      bodies.should.eql([['POST', { n: 'POST' }], ['PUT', { n: 'PUT' }], ['PATCH', { n: 'PATCH' }], ['DELETE', undefined], ['GET', undefined]]);
    });

    it('comes from a typed input: JSON, text, msg, flow, global, env, jsonata; DELETE sends one when set', async () => {
      process.env.AIMS360_TEST_BODY = '{"from":"env"}';
      const cases = [
        ['PUT', { body: '{"from":"json"}', bodyType: 'json' }, {}, '{"from":"json"}', /^application\/json/],
        ['PUT', { body: 'some words', bodyType: 'str' }, {}, 'some words', /^text\/plain/],
        ['PUT', { body: 'data', bodyType: 'msg' }, { data: { from: 'msg' }, payload: 'not this' }, '{"from":"msg"}', /^application\/json/],
        ['PATCH', { body: 'AIMS360_TEST_BODY', bodyType: 'env' }, {}, '{"from":"env"}', /^application\/json/],
        ['POST', { body: '{"from": src}', bodyType: 'jsonata' }, { src: 'jsonata' }, '{"from":"jsonata"}', /^application\/json/],
        ['DELETE', { body: '{"from":"delete"}', bodyType: 'json' }, {}, '{"from":"delete"}', /^application\/json/],
        ['POST', {}, { payload: Buffer.from('bytes') }, 'bytes', /^application\/octet-stream/],
        ['POST', { body: 'b', bodyType: 'flow' }, {}, '{"from":"flow"}', /^application\/json/, { flow: { b: { from: 'flow' } } }],
        ['PUT', { body: 'b', bodyType: 'global' }, {}, '{"from":"global"}', /^application\/json/, { global: { b: { from: 'global' } } }],
      ];
      for (const [method, props, input, sent, type, context] of cases) {
        answer200(method, '{}');
        (await run({ method, ...props }, input, context)).statusCode.should.equal(200);
        const call = apiCalls(sim, '/').pop();
        call.body.should.equal(sent);
        call.headers['content-type'].should.match(type);
        await helper.unload();
      }
    });

    it('sends no body with GET, even when one is set', async () => {
      await run({ method: 'GET', body: '{"a":1}', bodyType: 'json' });
      should(apiCalls(sim)[0].body).be.undefined();
    });
  });

  describe('errors and retries', () => {
    it('answers API_ERROR with the status and the API\'s own message for a non-2xx answer', async () => {
      let msg = await run({ path: 'no/such/endpoint' });
      msg.error.code.should.equal('API_ERROR');
      msg.error.cause.status.should.equal(404);
      msg.error.message.should.containEql('No HTTP resource was found');
      await helper.unload();
      msg = await run({ method: 'POST', path: EXPORT }, { payload: { outputFormat: 'docx' } });
      msg.error.should.match({ code: 'API_ERROR', cause: { status: 400 } });
      msg.error.message.should.containEql('outputFormat must be one of');
    });

    it('answers AUTH_FAILED on 401', async () => {
      sim.addFault({ type: 'status', status: 401 });
      (await run({})).error.code.should.equal('AUTH_FAILED');
    });

    it('does not retry POST or PATCH on 503 unless retryPost is set', async () => {
      for (const method of ['POST', 'PATCH']) {
        sim.addFault({ type: 'status', status: 503, match: { method } });
        const msg = await run({ method, path: EXPORT }, { payload: CSV_EXPORT });
        msg.error.should.match({ code: 'API_ERROR', cause: { status: 503 } });
        apiCalls(sim, EXPORT).length.should.equal(1);
        sim.clearLog();
        sim.clearFaults();
        await helper.unload();
      }
      for (const retryPost of [true, 'true']) {
        sim.addFault({ type: 'status', status: 503 });
        const msg = await run({ method: 'POST', path: EXPORT, retryPost }, { payload: CSV_EXPORT });
        msg.jobStatus.should.equal('Queued');
        apiCalls(sim, EXPORT).map((c) => c.status).should.eql([503, 200]);
        sim.clearLog();
        await helper.unload();
      }
    });

    it('retries GET, PUT and DELETE on 503', async () => {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        sim.addFault({ type: 'status', status: 503, match: { method } });
        answer200(method, '{"ok":true}');
        (await run({ method })).payload.should.eql({ ok: true });
        apiCalls(sim).map((c) => c.status).should.eql([503, 200]);
        sim.clearLog();
        await helper.unload();
      }
    });

    it('refuses a method it does not offer with BAD_INPUT', async () => {
      (await run({ method: 'TRACE' })).error.code.should.equal('BAD_INPUT');
      sim.log.length.should.equal(0);
    });

    it('sends one message to Catch and none to Complete on failure, with a red status', async () => {
      await load(flow(sim, { path: 'https://evil.example.com/' }), creds);
      const caught = collect(helper.getNode('caught'));
      const completed = collect(helper.getNode('completed'));
      const statuses = collect(helper.getNode('statuses'));
      helper.getNode('node').receive({ topic: 't' });
      await wait(100);
      caught.length.should.equal(1);
      caught[0].topic.should.equal('t');
      completed.length.should.equal(0);
      statuses.pop().status.should.match({ fill: 'red', shape: 'ring', text: /^UNTRUSTED_HOST: / });
    });

    it('shows the token in no message, status, log line or error', async () => {
      await load(flow(sim, { method: 'POST', path: EXPORT }), creds);
      const seen = [];
      for (const id of ['out', 'caught', 'statuses', 'completed']) seen.push(collect(helper.getNode(id)));
      const node = helper.getNode('node');
      node.receive({ payload: CSV_EXPORT });
      sim.addFault({ type: 'status', status: 401, body: JSON.stringify({ Message: `token ${TOKEN} refused` }) });
      node.receive({ payload: CSV_EXPORT });
      sim.addFault({ type: 'status', status: 500, body: `Bearer ${TOKEN}` });
      node.receive({ payload: CSV_EXPORT });
      node.receive({ payload: 'x' });
      // Until all four have answered (a loaded machine took more than a fixed 300 ms once).
      while (seen[0].length + seen[1].length < 4) await wait(20);
      seen[0].length.should.equal(1);
      seen[1].map((m) => m.error.code).sort().should.eql(['API_ERROR', 'API_ERROR', 'AUTH_FAILED']);
      JSON.stringify({ seen, log: helper.log().args }).should.not.containEql(TOKEN);
    });
  });
});
