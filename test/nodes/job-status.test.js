// The aims360-job-status node (nodes/job-status) in Node-RED against the simulator: one job by id,
// a query of jobs, the editor's query presets, errors and secrets.
const should = require('should');
const { JOB_QUERY_PRESETS } = require('../../dist/nodes/job-status/spec');
const {
  helper, baseFlow, load, next, collect, wait, useSimAndNodeRed, sendOne, jobIdLookups, typedJobIdCases, itRefusesBadJobIds, inTimeZone,
} = require('../support/red');
const { startSim, apiCalls, TOKEN } = require('../support/sim');

const creds = { server: { token: TOKEN } };

function flow(sim, props = {}, config = {}) {
  return [
    ...baseFlow(sim, config),
    { id: 'node', type: 'aims360-job-status', z: 'tab', server: 'server', wires: [['out']], ...props },
    { id: 'out', type: 'helper', z: 'tab' },
  ];
}

describe('aims360-job-status', function () {
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
  });

  it('loads with its defaults', async () => {
    await load(flow(sim, { name: 'status' }), creds);
    helper.getNode('node').should.have.property('name', 'status');
  });

  describe('single mode', () => {
    for (const [where, make] of jobIdLookups) {
      it(`finds the job id in ${where} by default`, async () => {
        sim.addJob({ jobId: 'job-a', runMs: 60000 });
        await load(flow(sim), creds);
        const out = next(helper.getNode('out'));
        helper.getNode('node').receive({ ...make('job-a'), keep: 'me' });
        const msg = await out;
        msg.payload.jobID.should.equal('job-a');
        msg.jobId.should.equal('job-a');
        msg.jobStatus.should.equal('Inprogress');
        msg.keep.should.equal('me');
      });
    }

    it('reads the job id from a typed input (msg, str, env, flow, global, jsonata)', async () => {
      sim.addJob({ jobId: 'job-t' });
      for (const [props, input, context] of typedJobIdCases()) {
        (await sendOne(flow(sim, props), creds, input, context)).jobId.should.equal('job-t');
        await helper.unload();
      }
    });

    it('shows the job status as read and when, as a ring (not live), and completes the message once', async () => {
      sim.addJob({ jobId: 'job-c' });
      await load(flow(sim), creds);
      const statuses = collect(helper.getNode('statuses'));
      const completed = collect(helper.getNode('completed'));
      const { times } = await inTimeZone('America/St_Johns', async () => {
        const out = next(helper.getNode('out'));
        helper.getNode('node').receive({ jobId: 'job-c' });
        (await out).jobStatus.should.equal('Completed');
      });
      await wait(50);
      statuses.map((m) => m.status.fill).should.eql(['blue', 'green']);
      statuses[1].status.shape.should.equal('ring');
      times.map((t) => `completed ${t}`).should.containEql(statuses[1].status.text);
      completed.length.should.equal(1);
    });

    itRefusesBadJobIds(() => sim, () => load(flow(sim), creds));

    it('says which property it read when it finds no job id there', async () => {
      const cases = [
        // A pasted id saved as a message property (before the editor made it a string).
        [{ jobId: 'demo-warehouse-stock', jobIdType: 'msg' }, { payload: 'ignored' }, 'msg.demo-warehouse-stock gave nothing. Set msg.demo-warehouse-stock,'],
        [{ jobId: 'ids.main', jobIdType: 'msg' }, { ids: { main: '' } }, 'msg.ids.main gave an empty text.'],
        [{ jobId: 'which', jobIdType: 'flow' }, {}, 'flow.which gave nothing.'],
        [{ jobId: 'AIMS360_TEST_UNSET', jobIdType: 'env' }, {}, 'env AIMS360_TEST_UNSET gave an empty text.'],
        [{ jobId: '' }, { payload: { other: 1 } }, 'msg.jobId, msg.payload.jobId, msg.payload.jobID or a string msg.payload gave nothing. Set msg.jobId,'],
        [{}, { jobId: 42 }, 'msg.jobId, msg.payload.jobId, msg.payload.jobID or a string msg.payload gave a number, not text.'],
      ];
      for (const [props, input, says] of cases) {
        const answer = await sendOne(flow(sim, props), creds, input);
        answer.error.code.should.equal('BAD_INPUT');
        answer.error.message.should.startWith(`No job id: ${says}`);
        answer.error.message.should.endWith('or set the Job ID property to the id itself (type string).');
        await helper.unload();
      }
      sim.log.length.should.equal(0);
    });

    it('answers JOB_NOT_FOUND to a Catch node for an unknown or purged job', async () => {
      sim.addJob({ jobId: 'job-purged' });
      sim.purgeJob('job-purged');
      await load(flow(sim), creds);
      for (const id of ['job-unknown', 'job-purged']) {
        const caught = next(helper.getNode('caught'));
        helper.getNode('node').receive({ jobId: id, topic: 't' });
        const err = await caught;
        err.error.code.should.equal('JOB_NOT_FOUND');
        err.error.message.should.containEql(id);
        err.topic.should.equal('t');
      }
    });

    it('reads the API\'s other spellings (jobId, PUBLIC, response as JSON)', async () => {
      sim.addJob({ jobId: 'job-s', idSpelling: 'jobId', scopeSpelling: 'PUBLIC', responseAsJson: true, inline: { a: 1 } });
      await load(flow(sim), creds);
      const out = next(helper.getNode('out'));
      helper.getNode('node').receive({ jobId: 'job-s' });
      const msg = await out;
      msg.jobId.should.equal('job-s');
      msg.payload.jobId.should.equal('job-s');
    });
  });

  describe('query mode', () => {
    function seed() {
      for (let i = 0; i < 7; i++) sim.addJob({ jobId: `q-failed-${i}`, outcome: 'Failed' });
      for (let i = 0; i < 3; i++) sim.addJob({ jobId: `q-done-${i}` });
    }

    it('runs a filter with order, top and select and counts the jobs', async () => {
      seed();
      await load(flow(sim, {
        mode: 'query', filter: "jobStatus eq 'Failed'", filterType: 'str', orderby: 'jobID desc', orderbyType: 'str',
        top: '3', topType: 'num', select: 'jobID,jobStatus', selectType: 'str',
      }), creds);
      const statuses = collect(helper.getNode('statuses'));
      const out = next(helper.getNode('out'));
      helper.getNode('node').receive({});
      const msg = await out;
      msg.count.should.equal(3);
      await wait(50);
      // The count as answered, with its time: a ring, not a live state.
      statuses[statuses.length - 1].status.should.match({ fill: 'green', shape: 'ring', text: /^3 jobs \d\d:\d\d$/ });
      msg.payload.map((j) => j.jobID).should.eql(['q-failed-6', 'q-failed-5', 'q-failed-4']);
      Object.keys(msg.payload[0]).filter((k) => !k.startsWith('@')).sort().should.eql(['jobID', 'jobStatus']);
      should(msg.nextLink).be.undefined();
      apiCalls(sim)[0].query.should.containEql('$top=3');
    });

    it('takes the options from the message', async () => {
      seed();
      await load(flow(sim, {
        mode: 'query', filter: 'filter', filterType: 'msg', top: 'top', topType: 'msg',
      }), creds);
      const out = next(helper.getNode('out'));
      helper.getNode('node').receive({ filter: "jobStatus eq 'Completed'", top: 2 });
      (await out).count.should.equal(2);
    });

    it('follows nextLink pages on the configured base URL, up to maxPages', async () => {
      seed();
      sim.setConfig({ pageSize: 2, nextLinkHost: 'other-host.example.com' });
      await load(flow(sim, { mode: 'query', filter: "jobStatus eq 'Failed'", maxPages: '3' }), creds);
      const out = next(helper.getNode('out'));
      helper.getNode('node').receive({});
      const msg = await out;
      msg.count.should.equal(6);
      msg.nextLink.should.startWith(sim.url);
      msg.nextLink.should.containEql('skip');
      apiCalls(sim).length.should.equal(3);
      sim.log.every((e) => !e.host.includes('other-host')).should.be.true();
    });

    it('stops at the last page and at an empty page', async () => {
      seed();
      sim.setConfig({ pageSize: 4 });
      await load(flow(sim, { mode: 'query', filter: "jobStatus eq 'Failed'" }), creds);
      const out = next(helper.getNode('out'));
      helper.getNode('node').receive({});
      (await out).count.should.equal(7);
      // A full page of 4 with a nextLink, then the last 3 without one.
      apiCalls(sim).length.should.equal(2);
      should((await (async () => {
        sim.clearLog();
        const again = next(helper.getNode('out'));
        sim.addFault({ type: 'empty', times: -1 });
        helper.getNode('node').receive({});
        return again;
      })()).count).equal(0);
      apiCalls(sim).length.should.equal(1);
    });

    it('refuses a bad top or maxPages with BAD_INPUT before any request', async () => {
      for (const props of [{ top: 'abc', topType: 'str' }, { top: '0', topType: 'num' }, { maxPages: '0' }, { filter: 'f', filterType: 'msg' }]) {
        await load(flow(sim, { mode: 'query', ...props }), creds);
        const caught = next(helper.getNode('caught'));
        helper.getNode('node').receive({ f: 12 });
        (await caught).error.code.should.equal('BAD_INPUT');
        await helper.unload();
      }
      sim.log.length.should.equal(0);
    });
  });

  describe('query presets, as the editor saves them', () => {
    // The presets' one definition, from the spec the dialog's compiled code imports.
    const presets = Object.fromEntries(JOB_QUERY_PRESETS.map((p) => [p.id, p]));
    const hoursAgo = (h) => new Date(Date.now() - h * 60 * 60 * 1000).toISOString();

    function seed() {
      sim.addJob({ jobId: 'p-queued', queuedMs: 600000 });
      sim.addJob({ jobId: 'p-running', runMs: 600000 });
      sim.addJob({ jobId: 'p-done-2d', createdDate: hoursAgo(48) });
      sim.addJob({ jobId: 'p-failed-30h', outcome: 'Failed', createdDate: hoursAgo(30) });
      sim.addJob({ jobId: 'p-failed-5h', outcome: 'Failed', createdDate: hoursAgo(5) });
      sim.addJob({ jobId: 'p-failed-now', outcome: 'Failed' });
      sim.addJob({ jobId: 'p-done-now' });
    }

    const cases = [
      ['running', undefined, ['p-queued', 'p-running'], ['Queued', 'Inprogress']],
      ['failed', 24, ['p-failed-now', 'p-failed-5h'], ['Failed']],
      ['failed', 48, ['p-failed-now', 'p-failed-5h', 'p-failed-30h'], ['Failed']],
      ['completedToday', undefined, ['p-done-now'], ['Completed']],
    ];
    for (const [id, hours, ids, statuses] of cases) {
      it(`"${id}"${hours ? ` (${hours} hours)` : ''} runs against the API and finds ${ids.join(', ')}`, async () => {
        seed();
        const { filter, filterType, orderby } = presets[id].fields(hours);
        const msg = await sendOne(flow(sim, { mode: 'query', filter, filterType, orderby, orderbyType: 'str' }), creds, {});
        should(msg.error).be.undefined();
        const found = msg.payload.map((j) => j.jobID);
        if (id === 'running') found.sort().should.eql([...ids].sort());
        else found.should.eql(ids);
        [...new Set(msg.payload.map((j) => j.jobStatus))].sort().should.eql([...statuses].sort());
        // The date is worked out as the message runs: a JSONata filter, sent as an OData date.
        if (filterType === 'jsonata') apiCalls(sim)[0].query.should.match(/ge(%20| )\d{4}-\d\d-\d\dT/);
      });
    }
  });

  describe('errors and secrets', () => {
    const faults = [
      [{ type: 'status', status: 500 }, 'API_ERROR'],
      [{ type: 'status', status: 403 }, 'AUTH_FAILED'],
      [{ type: 'status', status: 429, times: -1 }, 'RATE_LIMITED'],
      [{ type: 'malformed' }, 'BAD_RESPONSE'],
      [{ type: 'reset', times: -1 }, 'NETWORK'],
      [{ type: 'hang', times: -1 }, 'TIMEOUT'],
    ];
    for (const [fault, code] of faults) {
      it(`reports ${code} for a ${fault.type} ${fault.status ?? ''} fault with a red status`, async function () {
        this.timeout(30000);
        sim.addFault(fault);
        await load(flow(sim, {}, { timeout: 300 }), creds);
        helper.getNode('server').client.retryPolicy.baseDelayMs = 10;
        const caught = next(helper.getNode('caught'));
        const statuses = collect(helper.getNode('statuses'));
        helper.getNode('node').receive({ jobId: 'job-f' });
        const err = await caught;
        err.error.code.should.equal(code);
        await wait(20);
        statuses.pop().status.should.match({ fill: 'red', shape: 'ring', text: new RegExp(`^${code}: `) });
      });
    }

    it('reports API_ERROR with the status for a non-retryable HTTP answer', async () => {
      sim.addFault({ type: 'status', status: 500, body: '{"Message":"boom"}' });
      await load(flow(sim), creds);
      const caught = next(helper.getNode('caught'));
      helper.getNode('node').receive({ jobId: 'job-f' });
      const err = (await caught).error;
      err.code.should.equal('API_ERROR');
      err.cause.status.should.equal(500);
      err.message.should.containEql('boom');
    });

    it('shows the token in no message, status, log line or error', async () => {
      sim.addJob({ jobId: 'job-ok' });
      await load(flow(sim), creds);
      const seen = [];
      for (const id of ['out', 'caught', 'statuses', 'completed']) seen.push(collect(helper.getNode(id)));
      const node = helper.getNode('node');
      node.receive({ jobId: 'job-ok' });
      node.receive({ jobId: 'job-missing' });
      sim.addFault({ type: 'status', status: 401, body: JSON.stringify({ Message: `token ${TOKEN} refused` }) });
      node.receive({ jobId: 'job-ok' });
      node.receive({ jobId: 'bad id' });
      await wait(300);
      const everything = JSON.stringify({ seen, log: helper.log().args });
      seen[1].length.should.equal(3);
      everything.should.not.containEql(TOKEN);
    });
  });
});
