// The aims360-job-events node (nodes/job-events) in Node-RED against the simulator: the baseline,
// the events and their messages, the subscription and filter, the API's edges (equal timestamps,
// a late modifiedDate, pages, a refused filter), reruns, a redeploy, a failing poll, secrets.
// Waits follow the node's statuses: each poll ends with one.
require('should');
const { helper, setFlows, baseFlow, load, next, collect, useSimAndNodeRed } = require('../support/red');
const { text } = require('../../dist/src/lib/messages.js');
const { startSim, apiCalls, TOKEN } = require('../support/sim');
const { jobEventLog } = require('../../dist/src/lib/job-event-log.js');

const creds = { server: { token: TOKEN } };
const ALL = 'queued,started,completed,failed';

// The node keeps its state per id in the runtime (across redeploys): each test has its own.
let nodeId;
let count = 0;

/** A flow file's entries, each node of the tab placed (helper.setFlows takes an unplaced one for a config node). */
function flow(sim, props = {}) {
  return [
    ...baseFlow(sim).map((n) => (n.z ? { x: 100, y: 100, ...n } : n)),
    { id: nodeId, type: 'aims360-job-events', z: 'tab', server: 'server', interval: 1, wires: [['out']], ...props },
    { id: 'out', type: 'helper', z: 'tab', x: 100, y: 100 },
  ].map((n) => (n.id === nodeId ? { x: 100, y: 100, ...n } : n));
}

const ago = (ms) => new Date(Date.now() - ms).toISOString();
/** A job that has ended: created `msAgo` ago, ended at once (its modifiedDate is its createdDate). */
const ended = (sim, jobId, more = {}) => sim.addJob({ jobId, createdDate: ago(more.msAgo ?? 60000), queuedMs: 0, runMs: 0, ...more });
const names = (msgs) => msgs.map((m) => `${m.jobId}:${m.event}`);

describe('aims360-job-events', function () {
  this.timeout(20000);
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
    nodeId = `events-${++count}`;
  });

  /** The next status of the node after it has started (statuses as the Status node passes them on). */
  async function nextStatus() {
    for (;;) {
      const { status } = await next(helper.getNode('statuses'));
      const { source, ...shown } = status;
      source.id.should.equal(nodeId);
      if (shown.text !== 'aims360-job-events.status.starting') return shown;
    }
  }

  /** Loads the node; answers its messages (collected) and `polls(n)`, which resolves after n more polls. */
  async function start(props = {}) {
    await load(flow(sim, props), creds);
    helper.getNode('server').client.retryPolicy.baseDelayMs = 5;
    const polls = async (n = 1) => {
      let last;
      for (let i = 0; i < n; i++) last = await nextStatus();
      return last;
    };
    return { seen: collect(helper.getNode('out')), caught: collect(helper.getNode('caught')), polls };
  }

  it('sends nothing for jobs that had ended before its first start, then one message per event as subscribed', async () => {
    ended(sim, 'before-1');
    ended(sim, 'before-2', { outcome: 'Failed' });
    sim.addJob({ jobId: 'running', createdDate: ago(1000), queuedMs: 0, runMs: 600000 });
    const { seen, polls } = await start();
    (await polls()).should.eql({ fill: 'green', shape: 'dot', text: 'aims360-job-events.status.watching' });
    seen.should.eql([]);
    // The baseline: the newest date, the jobs in flight, the window before it.
    apiCalls(sim).length.should.equal(3);
    sim.addJob({ jobId: 'new-ok', category: 'Reports' });
    sim.addJob({ jobId: 'new-bad', outcome: 'Failed', jobStatusText: 'Database timeout.' });
    sim.setJob('running', { jobStatus: 'Completed' });
    const status = await polls();
    // Oldest modifiedDate first: these three may share a millisecond.
    names(seen).sort().should.eql(['new-bad:failed', 'new-ok:completed', 'running:completed']);
    const ok = seen.find((m) => m.jobId === 'new-ok');
    const bad = seen.find((m) => m.jobId === 'new-bad');
    ok.should.containEql({ topic: 'aims360/jobs/completed', event: 'completed', jobId: 'new-ok', jobStatus: 'Completed' });
    ok.payload.should.eql(sim.getJob('new-ok'));
    bad.should.containEql({ topic: 'aims360/jobs/failed', event: 'failed', jobStatus: 'Failed' });
    bad.payload.jobStatusText.should.equal('Database timeout.');
    const last = seen.at(-1);
    status.should.eql({ fill: 'green', shape: 'dot', text: `${last.event}: ${last.jobId}` });
    // The runtime's event log (the sidebar's list) has them too, newest first.
    jobEventLog.list().slice(0, 3).map((e) => `${e.jobId}:${e.event}`).should.eql(names(seen).reverse());
    jobEventLog.list().find((e) => e.jobId === 'new-bad').should.containEql({ node: nodeId, server: 'server', jobStatusText: 'Database timeout.', modifiedDate: bad.payload.modifiedDate });
    await polls();
    seen.length.should.equal(3);
  });

  it('a job first seen ended gives queued, started and completed in order; progress alone gives nothing', async () => {
    const { seen, polls } = await start({ events: ALL });
    await polls();
    sim.addJob({ jobId: 'quick' });
    sim.addJob({ jobId: 'slow', queuedMs: 600000 });
    await polls();
    names(seen).should.eql(['quick:queued', 'quick:started', 'quick:completed', 'slow:queued']);
    sim.setJob('slow', { jobStatus: 'Inprogress', percentCompleted: 10 });
    await polls();
    sim.setJob('slow', { percentCompleted: 60 });
    await polls();
    sim.setJob('slow', { jobStatus: 'Failed' });
    await polls();
    names(seen.slice(4)).should.eql(['slow:started', 'slow:failed']);
  });

  it('a rerun gives its events again, as subscribed', async () => {
    ended(sim, 'again', { outcome: 'Failed', rerunOutcome: 'Completed' });
    const { seen, polls } = await start({ events: 'started, Completed,failed' });
    await polls();
    const res = await fetch(`${sim.url}/jobsmanagement/v1.0/backgroundjob/again/rerun`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    res.status.should.equal(200);
    await polls();
    names(seen).should.eql(['again:started', 'again:completed']);
    sim.setJob('again', { restart: true, rerunOutcome: 'Failed' });
    await polls();
    names(seen).should.eql(['again:started', 'again:completed', 'again:started', 'again:failed']);
  });

  it('ANDs the filter to every query, and sends only the jobs it matches', async () => {
    const { seen, polls } = await start({ filter: " categoryName eq 'Reports' " });
    await polls();
    sim.addJob({ jobId: 'report', category: 'Reports' });
    sim.addJob({ jobId: 'order', category: 'Orders' });
    await polls();
    names(seen).should.eql(['report:completed']);
    for (const call of apiCalls(sim)) decodeURIComponent(call.query).should.match(/\$filter=\(?categoryName eq 'Reports'\)?( and |&|$)/);
  });

  it('equal timestamps, a modifiedDate written late, and pages: every job once', async () => {
    sim.setConfig({ pageSize: 2 });
    const at = ago(5000);
    sim.addJob({ jobId: 'tie-1', createdDate: at });
    sim.addJob({ jobId: 'late', createdDate: ago(10000), queuedMs: 0, runMs: 9000, modifiedLagMs: 60000 });
    const { seen, polls } = await start();
    await polls();
    // Same modifiedDate as tie-1, which the last poll saw already.
    sim.addJob({ jobId: 'tie-2', createdDate: at });
    for (let i = 0; i < 5; i++) sim.addJob({ jobId: `burst-${i}` });
    await polls();
    names(seen).sort().should.eql(['burst-0', 'burst-1', 'burst-2', 'burst-3', 'burst-4', 'tie-2'].map((id) => `${id}:completed`));
    apiCalls(sim).some((c) => c.query.includes('$skip=')).should.be.true();
    // Its end (a second ago) shows now, older than what the last poll saw.
    sim.setJob('late', { modifiedLagMs: 0 });
    await polls();
    names(seen.slice(6)).should.eql(['late:completed']);
    await polls();
    seen.length.should.equal(7);
  });

  it('falls back to the newest jobs by createdDate when the API refuses the modifiedDate filter, and says so once', async () => {
    ended(sim, 'old');
    sim.setConfig({ rejectModifiedDateFilter: true });
    const { seen, caught, polls } = await start();
    await polls();
    sim.addJob({ jobId: 'fresh', outcome: 'Failed' });
    await polls(2);
    names(seen).should.eql(['fresh:failed']);
    caught.should.eql([]);
    const said = helper.log().args.filter(([e]) => e.level === helper.log().WARN && e.id === nodeId);
    said.map(([e]) => e.msg).should.eql([text('aims360.jobEvents.fallback')]);
    decodeURIComponent(apiCalls(sim).at(-1).query).should.startWith('$filter=(createdDate ge ');
  });

  it('a failing poll: red status, one Catch error per failure streak, then it carries on', async () => {
    const { seen, caught, polls } = await start();
    await polls();
    sim.addFault({ type: 'status', status: 500, times: -1 });
    const red = await polls();
    red.fill.should.equal('red');
    red.text.should.startWith('API_ERROR');
    await polls(2);
    caught.length.should.equal(1);
    caught[0].error.should.containEql({ code: 'API_ERROR' });
    caught[0].error.source.id.should.equal(nodeId);
    sim.clearFaults();
    sim.addJob({ jobId: 'after' });
    (await polls()).should.eql({ fill: 'green', shape: 'dot', text: 'completed: after' });
    names(seen).should.eql(['after:completed']);
    // A new streak is reported again.
    sim.addFault({ type: 'status', status: 500, times: -1 });
    await polls(2);
    caught.length.should.equal(2);
  });

  it('carries on across a redeploy: what ended meanwhile once, nothing twice', async () => {
    const { polls } = await start({ events: ALL });
    await polls();
    sim.addJob({ jobId: 'first' });
    await polls();
    const firstRun = collect(helper.getNode('out'));
    await setFlows(flow(sim, { events: ALL, interval: 1 }), 'full', creds);
    helper.getNode('server').client.retryPolicy.baseDelayMs = 5;
    // Ended while the flows restarted: not a baseline, so it is sent.
    sim.addJob({ jobId: 'meanwhile', outcome: 'Failed' });
    const seen = collect(helper.getNode('out'));
    await nextStatus();
    names(seen).should.eql(['meanwhile:queued', 'meanwhile:started', 'meanwhile:failed']);
    firstRun.should.eql([]);
  });

  it('refuses wrong settings at deploy: a red status and one Catch error', async () => {
    // Catch and Status first, then the node (a deploy of changed nodes): they see its start.
    const bad = flow(sim, { events: 'completed,done', interval: '0.5' });
    await load(bad.filter((n) => n.id !== nodeId), creds);
    const caught = next(helper.getNode('caught'));
    const shown = nextStatus();
    await setFlows(bad, 'nodes', creds);
    const status = await shown;
    status.fill.should.equal('red');
    status.text.should.startWith('BAD_INPUT');
    (await caught).error.should.containEql({ code: 'BAD_INPUT', message: 'Events must name one or more of queued, started, completed and failed, separated by commas.' });
    apiCalls(sim).should.eql([]);
  });

  it('never puts the token in a message, a status, a Catch error or a log line', async () => {
    const { seen, caught, polls } = await start({ events: ALL });
    const statuses = collect(helper.getNode('statuses'));
    await polls();
    sim.addJob({ jobId: 'secret-check', scope: 'Private', documents: [{ name: 'a.csv', rows: 1 }] });
    sim.addFault({ type: 'status', status: 401, times: 1 });
    await polls(3);
    seen.length.should.be.above(0);
    caught.length.should.be.above(0);
    JSON.stringify({ seen, caught, statuses, log: helper.log().args }).should.not.containEql(TOKEN);
  });
});
