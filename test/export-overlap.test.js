// Export data's overlap setting: what a message does while its node already runs the same export.
require('should');
const { helper, baseFlow, english, load, collect, wait, useSimAndNodeRed } = require('./support/red');
const { startSim, apiCalls, TOKEN } = require('./support/sim');

const creds = { server: { token: TOKEN } };
const FAST = { interval: '0.05', maxInterval: '0.1', timeout: '20' };
const VIEW = { source: 'Orders', sourceType: 'str', viewName: 'All orders', viewNameType: 'str' };
const DOCS = '/documentmanagement/';

function flow(sim, props = {}) {
  return [
    ...baseFlow(sim),
    { id: 'node', type: 'aims360-export', z: 'tab', server: 'server', ...VIEW, ...FAST, wires: [['out']], ...props },
    { id: 'out', type: 'helper', z: 'tab' },
  ];
}

const placed = (f) => f.map((n) => (n.x === undefined && n.z ? { x: 100, y: 100, ...n } : n));
const posts = (sim) => sim.log.filter((e) => e.method === 'POST' && /exportdata/.test(e.path));

async function until(check, what) {
  for (let i = 0; i < 2000; i++) {
    if (check()) return;
    await wait(10);
  }
  throw new Error(`never: ${what}`);
}

describe('aims360-export: overlapping runs (overlap)', function () {
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
    // Exports run until a test completes them.
    sim.setConfig({ exportQueuedMs: 50, exportRunMs: 60000 });
  });

  /** Loads the flow and collects every output, Catch, Complete and Status message. */
  async function setUp(props) {
    await load(flow(sim, props), creds);
    return {
      node: helper.getNode('node'),
      out: collect(helper.getNode('out')),
      caught: collect(helper.getNode('caught')),
      completed: collect(helper.getNode('completed')),
      statuses: collect(helper.getNode('statuses')),
    };
  }

  /** The id of the only export job the simulator has, once the POST was answered. */
  async function onlyJob() {
    await until(() => sim.listJobs().length > 0, 'an export job');
    const jobs = sim.listJobs();
    jobs.length.should.equal(1);
    return jobs[0].jobID ?? jobs[0].jobId;
  }

  it('share (the default): 20 messages post one export and each gets the data on its own message, from one download', async () => {
    const { node, out, caught, completed, statuses } = await setUp();
    for (let n = 0; n < 20; n++) node.receive({ topic: `click ${n}`, n, payload: n });
    const id = await onlyJob();
    // The status follows the one export, not 20 of them.
    await until(() => statuses.some((s) => /^Inprogress/.test(s.status.text)), 'the export\'s progress in the status');
    sim.setJob(id, { jobStatus: 'Completed' });
    await until(() => completed.length === 20, '20 completed');
    caught.should.eql([]);
    posts(sim).length.should.equal(1);
    apiCalls(sim, DOCS).length.should.equal(1);
    out.length.should.equal(20);
    out.map((m) => m.n).sort((a, b) => a - b).should.eql([...Array(20).keys()]);
    for (const msg of out) {
      msg.topic.should.equal(`click ${msg.n}`);
      msg.jobId.should.equal(id);
      msg.jobStatus.should.equal('Completed');
      msg.payload.should.have.length(25);
      msg.document.name.should.match(/\.csv$/);
    }
    new Set(out.map((m) => m._msgid)).size.should.equal(20);
    // One message's data changed downstream is not another's.
    new Set(out.map((m) => m.payload)).size.should.equal(20);
    new Set(out.map((m) => m.payload[0])).size.should.equal(20);
    new Set(out.map((m) => m.job)).size.should.equal(20);
    out[0].payload[0].totalQty = 'changed';
    out[1].payload[0].totalQty.should.not.equal('changed');
    out.slice(1).every((m) => JSON.stringify(m.payload) === JSON.stringify(out[1].payload)).should.be.true();
    statuses.map((s) => s.status.text).should.not.containEql('waiting on 20 exports');
    await wait(100);
    out.length.should.equal(20);
    completed.length.should.equal(20);
  });

  it('share with stream-rows: each message gets every block as a sequence of its own, under its own parts', async () => {
    const { node, out, completed } = await setUp({ format: 'stream-rows', rowsPerMessage: '10' });
    node.receive({ n: 1 });
    node.receive({ n: 2, parts: { id: 'outer', index: 4, count: 9 } });
    node.receive({ n: 3 });
    const id = await onlyJob();
    sim.setJob(id, { jobStatus: 'Completed' });
    await until(() => completed.length === 3, '3 completed');
    posts(sim).length.should.equal(1);
    apiCalls(sim, DOCS).length.should.equal(1);
    const ids = [];
    for (const n of [1, 2, 3]) {
      const blocks = out.filter((m) => m.n === n);
      blocks.map((m) => m.payload.length).should.eql([10, 10, 5]);
      blocks.map((m) => m.parts.index).should.eql([0, 1, 2]);
      blocks[2].parts.count.should.equal(3);
      new Set(blocks.map((m) => m.parts.id)).size.should.equal(1);
      ids.push(blocks[0].parts.id);
      if (n === 2) blocks.every((m) => m.parts.parts.id === 'outer' && m.parts.parts.index === 4).should.be.true();
      else blocks.every((m) => m.parts.parts === undefined).should.be.true();
    }
    new Set(ids).size.should.equal(3);
  });

  it('share: a message after the export ended starts a new one', async () => {
    const { node, out, completed } = await setUp();
    node.receive({ n: 1 });
    const id = await onlyJob();
    sim.setJob(id, { jobStatus: 'Completed' });
    await until(() => completed.length === 1, 'the first completed');
    node.receive({ n: 2 });
    await until(() => sim.listJobs().length === 2, 'a second export');
    posts(sim).length.should.equal(2);
    out.length.should.equal(1);
  });

  it('start: every message posts its own export', async () => {
    const { node, out, completed } = await setUp({ overlap: 'start' });
    for (let n = 0; n < 20; n++) node.receive({ n });
    await until(() => sim.listJobs().length === 20, '20 exports');
    for (const job of sim.listJobs()) sim.setJob(job.jobID ?? job.jobId, { jobStatus: 'Completed' });
    await until(() => completed.length === 20, '20 completed');
    posts(sim).length.should.equal(20);
    new Set(out.map((m) => m.jobId)).size.should.equal(20);
  });

  it('drop: a message for a running export completes at once without output, and the status says so', async () => {
    const { node, out, caught, completed, statuses } = await setUp({ overlap: 'drop' });
    node.receive({ n: 1 });
    const id = await onlyJob();
    for (let n = 2; n <= 5; n++) node.receive({ n });
    await until(() => completed.length === 4, 'the dropped completed');
    completed.map((m) => m.n).should.eql([2, 3, 4, 5]);
    out.should.eql([]);
    caught.should.eql([]);
    const key = 'aims360-export.status.dropped';
    statuses.map(({ status: { fill, shape, text } }) => ({ fill, shape, text })).should.containEql({ fill: 'grey', shape: 'ring', text: key });
    english(key).should.not.equal(key);
    posts(sim).length.should.equal(1);
    sim.setJob(id, { jobStatus: 'Completed' });
    await until(() => out.length === 1, 'the first one\'s data');
    out[0].n.should.equal(1);
    await until(() => completed.length === 5, 'the first completed');
    // Ended: the next message runs again.
    node.receive({ n: 6 });
    await until(() => sim.listJobs().length === 2, 'a second export');
  });

  it('never shares an export of another body (another view, another msg.exportBody)', async () => {
    const { node, out, completed } = await setUp({ viewName: 'view', viewNameType: 'msg' });
    node.receive({ view: 'All orders', n: 1 });
    node.receive({ view: 'Open Orders', n: 2 });
    node.receive({ view: 'All orders', exportBody: { note: 'x' }, n: 3 });
    node.receive({ view: 'All orders', n: 4 });
    await until(() => sim.listJobs().length === 3, '3 exports');
    await wait(200);
    posts(sim).length.should.equal(3);
    const views = posts(sim).map((p) => JSON.parse(p.body)).map((b) => `${b.exportDataSettings.viewName} ${b.note ?? ''}`.trim());
    views.sort().should.eql(['All orders', 'All orders x', 'Open Orders']);
    for (const job of sim.listJobs()) sim.setJob(job.jobID ?? job.jobId, { jobStatus: 'Completed' });
    await until(() => completed.length === 4, '4 completed');
    const byN = Object.fromEntries(out.map((m) => [m.n, m.jobId]));
    byN[1].should.equal(byN[4]);
    new Set([byN[1], byN[2], byN[3]]).size.should.equal(3);
  });

  it('a failed export reaches every sharer once with JOB_FAILED, each on its own message', async () => {
    const { node, out, caught, completed } = await setUp();
    for (let n = 0; n < 5; n++) node.receive({ topic: `t${n}` });
    const id = await onlyJob();
    await wait(200);
    sim.setJob(id, { jobStatus: 'Failed' });
    await until(() => caught.length === 5, '5 errors');
    await wait(200);
    caught.length.should.equal(5);
    caught.map((m) => m.topic).sort().should.eql(['t0', 't1', 't2', 't3', 't4']);
    caught.every((m) => m.error.code === 'JOB_FAILED' && m.job.jobStatus === 'Failed').should.be.true();
    out.should.eql([]);
    completed.should.eql([]);
    posts(sim).length.should.equal(1);
    apiCalls(sim, DOCS).length.should.equal(0);
  });

  it('an export the API refuses reaches every message that shared its POST once', async () => {
    const { node, out, caught } = await setUp({ viewName: 'No such view' });
    for (let n = 0; n < 5; n++) node.receive({ n });
    await until(() => caught.length === 5, '5 errors');
    await wait(200);
    caught.length.should.equal(5);
    caught.map((m) => m.n).sort().should.eql([0, 1, 2, 3, 4]);
    caught.every((m) => m.error.code === 'API_ERROR' && m.error.cause.status === 400).should.be.true();
    // Each sharer's cause carries the API's words, as the first message's does.
    new Set(caught.map((m) => m.error.cause.message)).should.eql(new Set([caught[0].error.cause.message]));
    caught[0].error.cause.message.should.be.a.String().and.not.be.empty();
    new Set(caught.map((m) => m.error.cause)).size.should.equal(5);
    posts(sim).length.should.equal(1);
    out.should.eql([]);
  });

  it('the timeout reaches every sharer once', async () => {
    const { node, out, caught, completed } = await setUp({ timeout: '0.4' });
    for (let n = 0; n < 5; n++) node.receive({ n });
    await until(() => caught.length === 5, '5 timeouts');
    await wait(300);
    caught.length.should.equal(5);
    caught.map((m) => m.n).sort().should.eql([0, 1, 2, 3, 4]);
    caught.every((m) => m.error.code === 'TIMEOUT').should.be.true();
    posts(sim).length.should.equal(1);
    out.should.eql([]);
    completed.should.eql([]);
    const polls = apiCalls(sim).length;
    await wait(300);
    apiCalls(sim).length.should.equal(polls);
  });

  it('msg.cancel with the job id ends every message waiting on the shared export, and the next message starts anew', async () => {
    const { node, out, caught, completed } = await setUp();
    for (let n = 1; n <= 3; n++) node.receive({ n });
    const id = await onlyJob();
    await wait(200);
    node.receive({ jobId: id, cancel: true });
    await until(() => completed.length === 4, 'the 3 waits and the cancel completed');
    completed.map((m) => m.n).sort().should.eql([1, 2, 3, undefined]);
    node.receive({ n: 4 });
    await until(() => sim.listJobs().length === 2, 'a new export');
    const second = sim.listJobs().map((j) => j.jobID ?? j.jobId).find((j) => j !== id);
    sim.setJob(id, { jobStatus: 'Completed' });
    sim.setJob(second, { jobStatus: 'Completed' });
    await until(() => out.length === 1, 'the new one\'s data');
    out[0].n.should.equal(4);
    out[0].jobId.should.equal(second);
    await wait(200);
    out.length.should.equal(1);
    caught.should.eql([]);
  });

  it('with persist on, the shared wait survives a redeploy and answers all its messages from one download', async () => {
    const f = flow(sim, { persist: true });
    await load(f, creds);
    for (let n = 1; n <= 3; n++) helper.getNode('node').receive({ topic: `kept ${n}` });
    const id = await onlyJob();
    await wait(400);
    await helper.setFlows(placed(f), 'full', creds);
    const out = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    sim.clearLog();
    sim.setJob(id, { jobStatus: 'Completed' });
    await until(() => out.length === 3, '3 data messages');
    out.map((m) => m.topic).sort().should.eql(['kept 1', 'kept 2', 'kept 3']);
    out.every((m) => m.jobId === id && m.payload.length === 25).should.be.true();
    new Set(out.map((m) => m.payload)).size.should.equal(3);
    apiCalls(sim, DOCS).length.should.equal(1);
    posts(sim).length.should.equal(0);
    await wait(200);
    caught.should.eql([]);
  });

  it('refuses an unknown overlap at deploy with a clear message, before any request', async () => {
    const { node, caught, statuses } = await setUp({ overlap: 'sometimes' });
    node.receive({});
    await until(() => caught.length === 1, 'the refusal');
    caught[0].error.code.should.equal('BAD_INPUT');
    caught[0].error.message.should.equal('Overlap must be one of share, start, drop, not "sometimes".');
    statuses.pop().status.should.match({ fill: 'red', text: 'BAD_INPUT: overlap must be one of share, start…' });
    sim.log.length.should.equal(0);
    await helper.unload();
    // Start mode starts every message anyway: overlap does not count there.
    const start = await setUp({ overlap: 'sometimes', mode: 'start' });
    start.node.receive({});
    await until(() => start.completed.length === 1 || start.caught.length === 1, 'an answer');
    start.caught.should.eql([]);
  });
});
