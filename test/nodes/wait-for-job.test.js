// The aims360-wait-for-job node (nodes/wait-for-job) in Node-RED against the simulator: waits to the
// end of a job (completed, failed, timed out, progress outputs), polling, persistence, cancelling.
const should = require('should');
const { helper, setFlows, baseFlow, load, next, collect, wait, useSimAndNodeRed } = require('../support/red');
const { startSim, apiCalls, TOKEN } = require('../support/sim');

const creds = { server: { token: TOKEN } };
const FAST = { interval: '0.1', maxInterval: '0.3' };

function flow(sim, props = {}) {
  return [
    ...baseFlow(sim),
    {
      id: 'node', type: 'aims360-wait-for-job', z: 'tab', server: 'server', ...FAST, timeout: '30',
      wires: [['completed-out'], ['failed-out'], ['timeout-out'], ['progress-out']], ...props,
    },
    { id: 'completed-out', type: 'helper', z: 'tab' },
    { id: 'failed-out', type: 'helper', z: 'tab' },
    { id: 'timeout-out', type: 'helper', z: 'tab' },
    { id: 'progress-out', type: 'helper', z: 'tab' },
  ];
}

const outputs = () => ['completed-out', 'failed-out', 'timeout-out', 'caught'].map((id) => helper.getNode(id));

/** Ids shaped like the API's: a uuid and a timestamp, 55 characters. */
const realId = (i) => `6576767c-a264-4fc5-a30b-${String(i).padStart(12, '0')}-20261129120000000`;

/** How many job ids each job query asked for. */
const idsPerRequest = (sim) => apiCalls(sim).map((e) => (decodeURIComponent(e.query).match(/jobId eq/g) || []).length);

describe('aims360-wait-for-job', function () {
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
  });

  it('sends a completed job to output 1 with the input message kept whole', async () => {
    sim.addJob({ jobId: 'job-ok', queuedMs: 150, runMs: 300 });
    await load(flow(sim), creds);
    const completed = collect(helper.getNode('completed'));
    const answer = next(...outputs());
    helper.getNode('node').receive({ payload: { jobId: 'job-ok' }, topic: 'keep', extra: { a: 1 } });
    const msg = await answer;
    msg.should.have.properties({ topic: 'keep', extra: { a: 1 }, jobId: 'job-ok', jobStatus: 'Completed' });
    msg.payload.jobID.should.equal('job-ok');
    msg.waitedMs.should.be.within(350, 5000);
    await wait(50);
    completed.length.should.equal(1);
  });

  it('sends a failed job to output 2', async () => {
    sim.addJob({ jobId: 'job-bad', runMs: 200, outcome: 'Failed' });
    await load(flow(sim), creds);
    const failed = next(helper.getNode('failed-out'));
    helper.getNode('node').receive({ jobId: 'job-bad' });
    (await failed).jobStatus.should.equal('Failed');
  });

  it('sends the latest job to output 3 when the wait times out', async () => {
    sim.addJob({ jobId: 'job-slow', runMs: 60000 });
    await load(flow(sim, { timeout: '0.5' }), creds);
    const answer = next(...outputs());
    helper.getNode('node').receive({ jobId: 'job-slow' });
    const msg = await answer;
    msg.jobStatus.should.equal('Inprogress');
    msg.waitedMs.should.be.within(450, 3000);
    should(helper.getNode('timeout-out')).be.ok();
  });

  it('reports progress on output 4 each time status or percent changes', async () => {
    sim.addJob({ jobId: 'job-p', queuedMs: 300, runMs: 1200 });
    await load(flow(sim, { progress: true, interval: '0.1', maxInterval: '0.1' }), creds);
    const progress = collect(helper.getNode('progress-out'));
    const done = next(helper.getNode('completed-out'));
    const input = { jobId: 'job-p' };
    helper.getNode('node').receive(input);
    await done;
    const seen = progress.map((m) => `${m.jobStatus} ${m.payload.percentCompleted}`);
    seen[0].should.equal('Queued 0');
    seen.filter((s) => s.startsWith('Inprogress')).length.should.be.above(2);
    new Set(seen).size.should.equal(seen.length);
    progress.forEach((m) => m.jobId.should.equal('job-p'));
  });

  it('has no 4th output message without progress', async () => {
    sim.addJob({ jobId: 'job-np', runMs: 300 });
    await load(flow(sim), creds);
    const progress = collect(helper.getNode('progress-out'));
    const done = next(helper.getNode('completed-out'));
    helper.getNode('node').receive({ jobId: 'job-np' });
    await done;
    progress.length.should.equal(0);
  });

  it('ends one wait on msg.cancel and every wait on msg.reset, without output', async () => {
    for (const id of ['c-1', 'c-2', 'c-3']) sim.addJob({ jobId: id, runMs: 60000 });
    await load(flow(sim), creds);
    const answers = outputs().map(collect);
    const completed = collect(helper.getNode('completed'));
    const node = helper.getNode('node');
    ['c-1', 'c-2', 'c-3', 'c-3'].forEach((jobId) => node.receive({ jobId }));
    await wait(300);
    node.receive({ jobId: 'c-3', cancel: true });
    await wait(100);
    completed.length.should.equal(3);
    node.receive({ reset: true });
    await wait(100);
    completed.length.should.equal(6);
    const calls = apiCalls(sim).length;
    await wait(500);
    apiCalls(sim).length.should.equal(calls);
    answers.flat().length.should.equal(0);
  });

  it('counts jobs, not messages, in its status, as waits start and end', async () => {
    for (const id of ['n-1', 'n-2', 'n-3']) sim.addJob({ jobId: id, runMs: 60000 });
    await load(flow(sim), creds);
    const statuses = collect(helper.getNode('statuses'));
    const node = helper.getNode('node');
    const shows = async (text) => {
      while (!text.test(statuses.at(-1)?.status.text)) await wait(20);
    };
    ['n-1', 'n-2', 'n-2'].forEach((jobId) => node.receive({ jobId }));
    await shows(/^waiting on 2 jobs$/);
    node.receive({ jobId: 'n-2', cancel: true });
    ['n-2', 'n-3', 'n-3'].forEach((jobId) => node.receive({ jobId }));
    await shows(/^waiting on 3 jobs$/);
    node.receive({ jobId: 'n-3', cancel: true });
    node.receive({ jobId: 'n-2', cancel: true });
    // One job left: its own status.
    await shows(/^(Queued|Inprogress)/);
  });

  it('polls a job once for two waits on it and answers both', async () => {
    sim.addJob({ jobId: 'dup', runMs: 600 });
    await load(flow(sim), creds);
    const answers = collect(helper.getNode('completed-out'));
    helper.getNode('node').receive({ jobId: 'dup', n: 1 });
    helper.getNode('node').receive({ jobId: 'dup', n: 2 });
    while (answers.length < 2) await wait(50);
    answers.map((m) => m.n).sort().should.eql([1, 2]);
    idsPerRequest(sim).every((n) => n === 1).should.be.true();
  });

  it('gives JOB_NOT_FOUND to a Catch node for a purged job', async () => {
    sim.addJob({ jobId: 'gone', runMs: 60000 });
    await load(flow(sim), creds);
    const caught = next(helper.getNode('caught'));
    helper.getNode('node').receive({ jobId: 'gone', topic: 't' });
    await wait(200);
    sim.purgeJob('gone');
    const err = await caught;
    err.error.code.should.equal('JOB_NOT_FOUND');
    err.topic.should.equal('t');
  });

  it('refuses a bad job id with BAD_INPUT before any request', async () => {
    await load(flow(sim), creds);
    const caught = next(helper.getNode('caught'));
    helper.getNode('node').receive({ jobId: "x' or 1 eq 1" });
    (await caught).error.code.should.equal('BAD_INPUT');
    sim.log.length.should.equal(0);
  });

  it('falls back to one id per request when the API refuses a combined filter', async () => {
    sim.setCombinedFilterRejected(true);
    for (let i = 0; i < 5; i++) sim.addJob({ jobId: `fb-${i}`, runMs: 400 });
    await load(flow(sim), creds);
    const answers = collect(helper.getNode('completed-out'));
    for (let i = 0; i < 5; i++) helper.getNode('node').receive({ jobId: `fb-${i}` });
    while (answers.length < 5) await wait(50);
    apiCalls(sim).filter((e) => e.status === 400).length.should.equal(1);
    apiCalls(sim).filter((e) => e.status === 200).every((e) => !decodeURIComponent(e.query).includes(' or ')).should.be.true();
    helper.getNode('server').poller.singleIdMode.should.be.true();
  });

  describe('bytes per poll', () => {
    // A 2 s interval: polls due within half a second go out together, so the three waits
    // are asked about in one request however slowly the machine delivers the messages.
    const GATHER = { interval: '2', maxInterval: '2' };
    const selects = (sim) => apiCalls(sim).map((e) => new URLSearchParams(e.query).get('$select'));

    it('asks only for id, status and percent while jobs run, and reads each ended job whole once', async () => {
      sim.addJob({ jobId: 'sel-1', runMs: 700, description: 'Create the big report' });
      sim.addJob({ jobId: 'sel-2', runMs: 700, outcome: 'Failed' });
      await load(flow(sim), creds);
      const completed = next(helper.getNode('completed-out'));
      const failed = next(helper.getNode('failed-out'));
      helper.getNode('node').receive({ jobId: 'sel-1' });
      helper.getNode('node').receive({ jobId: 'sel-2' });
      const [done, bad] = await Promise.all([completed, failed]);
      done.payload.should.have.properties({ jobID: 'sel-1', jobStatus: 'Completed', jobDescription: 'Create the big report', canReRun: 'Yes' });
      bad.payload.should.have.properties({ jobID: 'sel-2', jobStatus: 'Failed', jobStatusText: 'Job failed.', categoryName: 'Reports' });
      // Each ended job is read whole exactly once (both in one request, unless a slow machine
      // polled them apart), after the polls that saw it end.
      const whole = apiCalls(sim).filter((e) => new URLSearchParams(e.query).get('$select') === null);
      whole.flatMap((e) => decodeURIComponent(e.query).match(/sel-\d/g)).sort().should.eql(['sel-1', 'sel-2']);
      const polls = selects(sim).filter((s) => s !== null);
      polls.every((s) => s === 'jobID,jobStatus,percentCompleted').should.be.true();
      polls.length.should.be.aboveOrEqual(2);
      (selects(sim).at(-1) === null).should.be.true('a whole read comes last');
    });

    it('confirms a job missing from a $select answer with a whole answer before JOB_NOT_FOUND', async () => {
      sim.addJob({ jobId: 'sel-gone', runMs: 60000 });
      await load(flow(sim), creds);
      const caught = next(helper.getNode('caught'));
      helper.getNode('node').receive({ jobId: 'sel-gone' });
      await wait(200);
      sim.purgeJob('sel-gone');
      (await caught).error.code.should.equal('JOB_NOT_FOUND');
      (selects(sim).at(-1) === null).should.be.true();
      selects(sim).at(-2).should.equal('jobID,jobStatus,percentCompleted');
    });

    it('asks for whole jobs from the first refusal of $select on, still many ids per request', async () => {
      sim.addFault({ type: 'status', status: 400, match: { query: '$select' }, times: -1 });
      for (let i = 0; i < 3; i++) sim.addJob({ jobId: `nosel-${i}`, runMs: 500 });
      await load(flow(sim, GATHER), creds);
      const answers = collect(helper.getNode('completed-out'));
      for (let i = 0; i < 3; i++) helper.getNode('node').receive({ jobId: `nosel-${i}` });
      while (answers.length < 3) await wait(50);
      answers.every((m) => m.payload.canReRun === 'Yes').should.be.true();
      const poller = helper.getNode('server').poller;
      poller.selectFields.should.be.false();
      poller.singleIdMode.should.be.false();
      // The 3-id request, then the three 1-id ones sent side by side, which show $select is the cause.
      apiCalls(sim).filter((e) => e.status === 400).length.should.equal(4);
      // Then all three in one request again (later polls may part, by their jitter).
      idsPerRequest(sim)[4].should.equal(3);
      selects(sim).slice(4).every((s) => s === null).should.be.true();
    });

    it('ends with one id per request and whole jobs when the API refuses both', async () => {
      sim.setCombinedFilterRejected(true);
      sim.addFault({ type: 'status', status: 400, match: { query: '$select' }, times: -1 });
      for (let i = 0; i < 3; i++) sim.addJob({ jobId: `neither-${i}`, runMs: 500 });
      await load(flow(sim, GATHER), creds);
      const answers = collect(helper.getNode('completed-out'));
      for (let i = 0; i < 3; i++) helper.getNode('node').receive({ jobId: `neither-${i}` });
      while (answers.length < 3) await wait(50);
      const poller = helper.getNode('server').poller;
      poller.selectFields.should.be.false();
      poller.singleIdMode.should.be.true();
      // As above, then the 3-id request without $select: 'or' is refused too.
      apiCalls(sim).filter((e) => e.status === 400).length.should.equal(5);
      selects(sim).slice(5).every((s) => s === null).should.be.true();
      idsPerRequest(sim).slice(5).every((n) => n === 1).should.be.true();
    });
  });

  it('holds back the whole account after a 429 with Retry-After', async () => {
    for (const id of ['ra-1', 'ra-2']) sim.addJob({ jobId: id, runMs: 60000 });
    await load(flow(sim, { interval: '0.1', maxInterval: '0.1' }), creds);
    helper.getNode('node').receive({ jobId: 'ra-1' });
    await wait(150);
    sim.addFault({ type: 'status', status: 429, retryAfter: 1, times: 1 });
    helper.getNode('node').receive({ jobId: 'ra-2' });
    await wait(1500);
    const limited = apiCalls(sim).find((e) => e.status === 429);
    should(limited).be.ok();
    const at = (e) => Date.parse(e.time);
    const after = apiCalls(sim).filter((e) => at(e) > at(limited));
    after.length.should.be.aboveOrEqual(1);
    // The client's own retry waits the Retry-After; no other round goes out meanwhile.
    after.every((e) => at(e) - at(limited) >= 950).should.be.true();
  });

  it('goes on through an outage longer than three polls, shows AIMS360 unreachable, and completes once it is back', async () => {
    sim.addJob({ jobId: 'outage', runMs: 60000 });
    await load(flow(sim, { interval: '0.05', maxInterval: '0.1', timeout: '0' }), creds);
    const policy = helper.getNode('server').client.retryPolicy;
    policy.baseDelayMs = 5;
    policy.maxDelayMs = 10;
    const statuses = collect(helper.getNode('statuses'));
    const caught = collect(helper.getNode('caught'));
    helper.getNode('node').receive({ jobId: 'outage', topic: 'through the outage' });
    while (apiCalls(sim).length === 0) await wait(10);
    sim.addFault({ type: 'status', status: 503, times: -1 });
    const unreachable = 'aims360-wait-for-job.status.unreachable';
    // Each poll is a request and 4 retries: more than three polls in a row fail.
    const failed = () => apiCalls(sim).filter((e) => e.status === 503).length;
    while ((failed() < 4 * 5 || !statuses.some((m) => m.status.text === unreachable)) && caught.length === 0) await wait(20);
    caught.should.eql([]);
    statuses.at(-1).status.should.match({ fill: 'yellow', shape: 'dot', text: unreachable });
    sim.clearFaults();
    const answer = next(helper.getNode('completed-out'), helper.getNode('caught'));
    sim.setJob('outage', { jobStatus: 'Completed' });
    const msg = await answer;
    msg.topic.should.equal('through the outage');
    msg.jobStatus.should.equal('Completed');
    await wait(300);
    statuses.at(-1).status.text.should.equal('Completed');
  });

  it('keeps waits across a redeploy when persist is on', async () => {
    sim.addJob({ jobId: 'kept', runMs: 60000 });
    const f = flow(sim, { persist: true });
    await load(f, creds);
    helper.getNode('node').receive({ jobId: 'kept', topic: 'before redeploy' });
    await wait(300);
    await setFlows(f.map((n) => (n.x === undefined && n.z ? { x: 100, y: 100, ...n } : n)), 'full', creds);
    const answer = next(helper.getNode('completed-out'));
    sim.setJob('kept', { jobStatus: 'Completed' });
    const msg = await answer;
    msg.topic.should.equal('before redeploy');
    msg.jobStatus.should.equal('Completed');
  });

  it('with persist on, sends an answer only once the context store no longer holds its wait (a crash cannot bring it back)', async () => {
    sim.addJob({ jobId: 'answered', runMs: 60000 });
    sim.addJob({ jobId: 'still-running', runMs: 60000 });
    await load(flow(sim, { persist: true }), creds);
    const kept = () => (helper.getNode('node').context().get('aims360-waits') || []).map((w) => w.jobId);
    helper.getNode('node').receive({ jobId: 'answered' });
    helper.getNode('node').receive({ jobId: 'still-running' });
    while (kept().length < 2) await wait(20);
    // What the store held as each answer went out.
    const heldAtAnswer = [];
    helper.getNode('completed-out').on('input', () => heldAtAnswer.push(kept()));
    const answer = next(helper.getNode('completed-out'));
    sim.setJob('answered', { jobStatus: 'Completed' });
    (await answer).jobId.should.equal('answered');
    heldAtAnswer.should.eql([['still-running']]);
  });

  it('forgets waits on a redeploy when persist is off', async () => {
    sim.addJob({ jobId: 'lost', runMs: 60000 });
    const f = flow(sim);
    await load(f, creds);
    helper.getNode('node').receive({ jobId: 'lost' });
    await wait(200);
    await setFlows(f.map((n) => (n.x === undefined && n.z ? { x: 100, y: 100, ...n } : n)), 'full', creds);
    sim.clearLog();
    await wait(400);
    apiCalls(sim).length.should.equal(0);
  });

  it('waits on 1,000 jobs with fewer than 1,000/20 requests per polling round', async function () {
    this.timeout(60000);
    for (let i = 0; i < 1000; i++) sim.addJob({ jobId: realId(i), queuedMs: 500, runMs: 1000 + (i % 10) * 100 });
    const f = flow(sim, { interval: '0.5', maxInterval: '1' });
    // Batching, not the request budget: the first round sends all 1,000 at once.
    f.find((n) => n.id === 'server').maxRequestsPerSecond = 0;
    await load(f, creds);
    const answers = collect(helper.getNode('completed-out'));
    const node = helper.getNode('node');
    for (let i = 0; i < 1000; i++) node.receive({ jobId: realId(i), i });
    while (answers.length < 1000) await wait(100);
    new Set(answers.map((m) => m.i)).size.should.equal(1000);
    const selected = (e) => new URLSearchParams(e.query).get('$select') !== null;
    const idsOf = (entries) => idsPerRequest({ log: entries });
    // Each job is read whole when it has ended, in requests of many. The request where a round's
    // whole-job reads end takes running jobs due soon too (in place of their next poll, so as
    // often as the rounds fall), but an ended job is never read whole twice.
    const wholeReads = apiCalls(sim).filter((e) => !selected(e));
    const readWhole = new Set();
    const readWholeEnded = new Map();
    for (const e of wholeReads) {
      for (const [, id] of new URLSearchParams(e.query).get('$filter').matchAll(/'([^']+)'/g)) {
        readWhole.add(id);
        if (Date.parse(e.time) >= Date.parse(sim.getJob(id).completedDate)) readWholeEnded.set(id, (readWholeEnded.get(id) || 0) + 1);
      }
    }
    readWhole.size.should.equal(1000);
    Math.max(...readWholeEnded.values()).should.equal(1);
    wholeReads.length.should.be.below(1000 / 20);
    // The polls of running jobs. Later rounds hold only the jobs due then (how many depends on
    // how a loaded machine spaces them), so the count is checked on the first round, where all
    // 1,000 are due at once.
    const perRequest = idsOf(apiCalls(sim).filter(selected));
    Math.max(...perRequest).should.be.above(20);
    const firstRound = perRequest.slice(0, Math.ceil(1000 / Math.max(...perRequest)));
    firstRound.reduce((a, b) => a + b, 0).should.equal(1000);
    firstRound.length.should.be.below(1000 / 20);
  });

  it('leaves no timer or socket behind and stops polling when redeployed with 2,000 pending waits', async function () {
    this.timeout(30000);
    for (let i = 0; i < 2000; i++) sim.addJob({ jobId: `r-${i}`, runMs: 600000 });
    const count = (type) => process.getActiveResourcesInfo().filter((r) => r === type).length;
    await wait(100);
    const before = { timers: count('Timeout'), sockets: count('TCPSocketWrap') };
    const f = flow(sim);
    await load(f, creds);
    for (let i = 0; i < 2000; i++) helper.getNode('node').receive({ jobId: `r-${i}` });
    await wait(1000);
    const poller = helper.getNode('server').poller;
    poller.size.should.equal(2000);
    count('TCPSocketWrap').should.be.above(before.sockets);
    await helper.unload();
    await wait(200);
    poller.size.should.equal(0);
    count('Timeout').should.be.belowOrEqual(before.timers);
    count('TCPSocketWrap').should.be.belowOrEqual(before.sockets);
    sim.clearLog();
    await wait(500);
    sim.log.length.should.equal(0);
  });

  it('shows the token in no message, status or log line', async () => {
    sim.addJob({ jobId: 'sec', runMs: 200 });
    await load(flow(sim, { progress: true }), creds);
    const seen = ['completed-out', 'progress-out', 'caught', 'statuses'].map((id) => collect(helper.getNode(id)));
    helper.getNode('node').receive({ jobId: 'sec' });
    helper.getNode('node').receive({ jobId: 'missing-job' });
    await wait(800);
    seen[0].length.should.equal(1);
    seen[2].length.should.equal(1);
    JSON.stringify({ seen, log: helper.log().args }).should.not.containEql(TOKEN);
  });
});
