// Two Node-RED instances on one AIMS360 account (docs/scaling.md), simulated: one simulator,
// two real Node-RED processes, each with its own config node at 5 requests/s, 150 waits and a
// job events node. Measured at the simulator: each instance keeps its own budget, so the account
// sees up to twice it; both job events nodes send every event (twice in all), and with the
// documented "one owner" switch (env AIMS360_EVENTS_OWNER) the events go on once in all.
// INSTANCES_FIGURES=1 prints the figures the doc quotes.
require('should');
const fs = require('node:fs');
const path = require('node:path');
const { deploy, startNodeRed, userDirWithPack, writeStartedFlow } = require('../support/node-red-process');
const { busiestSecond, startSim, TOKEN } = require('../support/sim');

const BUDGET = 5;
/** The owner switch exactly as docs/scaling.md gives it to import. */
const ownerSwitch = JSON.parse(/```json\n([\s\S]*?)```/.exec(fs.readFileSync(path.join(__dirname, '../../docs/scaling.md'), 'utf8'))[1]).find((n) => n.type === 'switch');
const JOBS_EACH = 150;

describe('reliability: two Node-RED instances on one account', function () {
  this.timeout(90000);
  let sim;
  /** Per instance: { name, work, host, red }. */
  const instances = [];

  const lines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);
  const fileOf = (instance, name) => path.join(instance.work, `${name}.txt`);
  /** The simulator's log entries of one instance (told apart by the host its base URL names). */
  const requestsOf = (instance) => sim.log.filter((e) => e.host === instance.host);
  /** The job events node's requests: the only ones that filter on modifiedDate. */
  const eventRequestsOf = (instance) => requestsOf(instance).filter((e) => decodeURIComponent(e.query).includes('modifiedDate'));
  /** Its polls: the first page of each (a nextLink's page has $skip). */
  const eventPollsOf = (instance) => eventRequestsOf(instance).filter((e) => !e.query.includes('$skip='));

  async function until(check, what, ms = 45000) {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) {
        const logs = instances.map((i) => `${i.name}: ${i.red ? i.red.output() : ''}`).join('\n');
        throw new Error(`timed out waiting for ${what}\n${logs}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** One instance's user directory: waits → waits.txt; job events → events.txt, and through the owner switch → owned.txt. */
  function prepare(name, host) {
    const work = userDirWithPack(`aims360-instance-${name}-`, { flowFile: 'flows.json', credentialSecret: false });
    const instance = { name, work, host: `${host}:${sim.port}` };
    const file = (id, out) => ({ id, type: 'file', z: 'tab', x: 700, y: 100, filename: fileOf(instance, out), filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', wires: [] });
    writeStartedFlow(work, { label: `instance ${name}`, sim, token: TOKEN, first: 'split', server: { baseUrl: `http://${host}:${sim.port}`, maxRequestsPerSecond: BUDGET } }, [
      { id: 'split', type: 'split', z: 'tab', x: 200, y: 100, splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', wires: [['wait']] },
      { id: 'wait', type: 'aims360-wait-for-job', z: 'tab', x: 300, y: 100, server: 'server', interval: '1', maxInterval: '2', timeout: '0', wires: [['waited'], ['waited'], []] },
      { id: 'waited', type: 'template', z: 'tab', x: 500, y: 100, field: 'payload', fieldType: 'msg', format: 'text', syntax: 'mustache', template: '{{jobId}} {{jobStatus}}', output: 'str', wires: [['waits']] },
      file('waits', 'waits'),
      { id: 'events', type: 'aims360-job-events', z: 'tab', x: 100, y: 200, server: 'server', events: 'completed,failed', interval: '2', wires: [['event']] },
      { id: 'event', type: 'template', z: 'tab', x: 300, y: 200, field: 'payload', fieldType: 'msg', format: 'text', syntax: 'mustache', template: '{{jobId}} {{event}}', output: 'str', wires: [['all', 'owner']] },
      file('all', 'events'),
      // docs/scaling.md's "one owner": events go on only where the environment variable says so.
      { ...ownerSwitch, id: 'owner', z: 'tab', wires: [['owned']] },
      file('owned', 'owned'),
    ]);
    instances.push(instance);
    return instance;
  }

  before(async () => {
    sim = await startSim();
    const a = prepare('a', '127.0.0.1');
    const b = prepare('b', 'localhost');
    [a.red, b.red] = await Promise.all([startNodeRed(a.work, { env: { AIMS360_EVENTS_OWNER: 'true' } }), startNodeRed(b.work)]);
  });

  after(async () => {
    await Promise.all(instances.map((i) => i.red?.stop()));
    if (sim) await sim.close();
    for (const i of instances) fs.rmSync(i.work, { recursive: true, force: true });
  });

  /** 150 jobs per instance on the account, with ids as long as AIMS360's own (uuid and date), so that a poll holds as many as it would there. */
  const addJobs = (outcome) => Array.from({ length: 2 * JOBS_EACH }, (_, n) => sim.addJob({ runMs: 2000 + (n % 50) * 100, outcome: outcome(n) }).jobID);
  /** Each instance waits on its half of `jobs` (returned). */
  async function startWaits(jobs) {
    const mine = [jobs.slice(0, JOBS_EACH), jobs.slice(JOBS_EACH)];
    await Promise.all(instances.map(async (instance, n) => {
      const res = await fetch(`${instance.red.url}/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(mine[n]) });
      res.status.should.equal(204);
    }));
    return mine;
  }

  it('gives the account twice one budget at most and every event twice, or once with one owner', async () => {
    const [a, b] = instances;
    // Both job events nodes have their baseline (a second poll starts only after the first ended).
    await until(() => instances.every((i) => eventPollsOf(i).length >= 2), 'both baselines');
    sim.clearLog();

    const outcome = (n) => (n % 5 === 0 ? 'Failed' : 'Completed');
    const jobs = addJobs(outcome);
    const expected = (event) => jobs.map((id, n) => `${id} ${event(outcome(n))}`).sort();
    const mine = await startWaits(jobs);

    await until(() => instances.every((i) => lines(fileOf(i, 'waits')).length >= JOBS_EACH && lines(fileOf(i, 'events')).length >= jobs.length), 'every wait and event');
    // Three more polls of each job events node: nothing comes late or twice.
    const polled = instances.map((i) => eventPollsOf(i).length);
    await until(() => instances.every((i, n) => eventPollsOf(i).length >= polled[n] + 3), 'three more polls');

    // Each instance answered its own waits once.
    instances.forEach((instance, n) => lines(fileOf(instance, 'waits')).sort().should.eql(mine[n].map((id) => `${id} ${outcome(jobs.indexOf(id))}`).sort()));
    // Both sent every event once: twice in all.
    const eventName = (status) => status.toLowerCase();
    for (const instance of instances) lines(fileOf(instance, 'events')).sort().should.eql(expected(eventName));
    // With one owner: once in all.
    lines(fileOf(a, 'owned')).sort().should.eql(expected(eventName));
    lines(fileOf(b, 'owned')).should.eql([]);

    // Each instance kept its own budget; together they went past it, never past twice it.
    const each = instances.map((i) => busiestSecond(requestsOf(i)));
    const combined = busiestSecond(sim.log);
    each.forEach((n) => n.should.be.belowOrEqual(BUDGET));
    combined.should.be.belowOrEqual(2 * BUDGET);
    combined.should.be.above(BUDGET);
    for (const i of instances) i.red.output().should.not.containEql(TOKEN);

    if (process.env.INSTANCES_FIGURES === '1') {
      const seconds = (Date.parse(sim.log[sim.log.length - 1].time) - Date.parse(sim.log[0].time)) / 1000;
      const sent = instances.map((i) => lines(fileOf(i, 'events')).length);
      const owned = instances.map((i) => lines(fileOf(i, 'owned')).length);
      console.log(JSON.stringify({
        nodeRed: /Node-RED version: (\S+)/.exec(a.red.output())?.[1],
        node: process.version,
        budgetEach: BUDGET,
        waitsEach: JOBS_EACH,
        requests: { a: requestsOf(a).length, b: requestsOf(b).length, all: sim.log.length, seconds },
        busiestSecond: { a: each[0], b: each[1], combined },
        jobEvents: { pollsA: eventPollsOf(a).length, requestsA: eventRequestsOf(a).length, pollsB: eventPollsOf(b).length, requestsB: eventRequestsOf(b).length },
        events: { jobs: jobs.length, sentA: sent[0], sentB: sent[1], total: sent[0] + sent[1] },
        oneOwner: { sentA: owned[0], sentB: owned[1], total: owned[0] + owned[1] },
      }, null, 2));
    }
  });

  it('stays within one budget together when each instance has its share (5 / 2, whole part: 2)', async () => {
    const share = Math.floor(BUDGET / instances.length);
    // The waits alone, redeployed with the share: job events has its owner above.
    const eventNodes = ['events', 'event', 'all', 'owner', 'owned'];
    const startedFlows = (instance) => instance.red.output().split('Started flows').length;
    await Promise.all(instances.map(async (instance) => {
      const flows = JSON.parse(fs.readFileSync(path.join(instance.work, 'flows.json'), 'utf8')).filter((n) => !eventNodes.includes(n.id));
      flows.find((n) => n.id === 'server').maxRequestsPerSecond = share;
      const before = startedFlows(instance);
      await deploy(instance.red.url, flows);
      // The deploy is answered before the new flows (and their /start route) have started.
      await until(() => startedFlows(instance) > before, `${instance.name}'s new flows`);
    }));
    sim.clearLog();
    const before = instances.map((i) => lines(fileOf(i, 'waits')).length);
    const jobs = addJobs(() => 'Completed');
    const mine = await startWaits(jobs);
    await until(() => instances.every((i, n) => lines(fileOf(i, 'waits')).length >= before[n] + JOBS_EACH), 'every wait', 60000);

    instances.forEach((instance, n) => lines(fileOf(instance, 'waits')).slice(before[n]).sort().should.eql(mine[n].map((id) => `${id} Completed`).sort()));
    const each = instances.map((i) => busiestSecond(requestsOf(i)));
    const combined = busiestSecond(sim.log);
    each.forEach((n) => n.should.be.belowOrEqual(share));
    combined.should.be.belowOrEqual(BUDGET);
    if (process.env.INSTANCES_FIGURES === '1') {
      const seconds = (Date.parse(sim.log[sim.log.length - 1].time) - Date.parse(sim.log[0].time)) / 1000;
      console.log(JSON.stringify({ shareEach: share, requests: { a: requestsOf(instances[0]).length, b: requestsOf(instances[1]).length, seconds }, busiestSecond: { a: each[0], b: each[1], combined } }, null, 2));
    }
  });
});
