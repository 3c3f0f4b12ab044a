// The job events node across a Node-RED restart with a file context store (a real second
// Node-RED process): a job that ends while Node-RED is stopped gives its event once after
// the start, jobs in flight give their end, and nothing is sent twice.
require('should');
const fs = require('node:fs');
const path = require('node:path');
const { startNodeRed, userDirWithPack, writeStartedFlow } = require('../support/node-red-process');
const { startSim, TOKEN } = require('../support/sim');

const ago = (ms) => new Date(Date.now() - ms).toISOString();

describe('job events across a Node-RED restart (file context store)', function () {
  this.timeout(120000);
  let work;
  let sim;
  let red;
  let out;

  const lines = () => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8').trim().split('\n').filter(Boolean) : []);
  /** Resolves once `check()` holds (looked at on each simulator request: the node's polls). */
  async function until(check, what, ms = 30000) {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; lines: ${lines().join(', ')}; store: ${saved()}; log: ${red ? red.output() : ''}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** Resolves after the node has polled `n` more times (its requests to the jobs endpoint). */
  async function polls(n) {
    const from = sim.requestCount;
    await until(() => sim.requestCount >= from + n, `${n} polls`);
  }
  /** The node's state as the file store holds it. */
  const saved = () => {
    const dir = path.join(work, 'context');
    if (!fs.existsSync(dir)) return '';
    return fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.json')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
  };

  before(async () => {
    work = userDirWithPack('aims360-events-restart-', {
      flowFile: 'flows.json',
      credentialSecret: false,
      contextStorage: { default: { module: 'localfilesystem', config: { flushInterval: 1 } } },
    });
    sim = await startSim();
    out = path.join(work, 'events.txt');
    writeStartedFlow(work, { label: 'events', sim, token: TOKEN, first: 'ok' }, [
      { id: 'events', type: 'aims360-job-events', z: 'tab', x: 100, y: 200, server: 'server', events: 'queued,started,completed,failed', interval: '1', wires: [['line']] },
      { id: 'line', type: 'template', z: 'tab', x: 300, y: 200, field: 'payload', fieldType: 'msg', format: 'text', syntax: 'mustache', template: '{{jobId}} {{event}}', output: 'str', wires: [['file']] },
      { id: 'file', type: 'file', z: 'tab', x: 500, y: 200, filename: out, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', wires: [] },
    ]);
  });

  after(async () => {
    if (red) await red.stop();
    if (sim) await sim.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('sends what ended while it was stopped once, and nothing twice', async () => {
    sim.addJob({ jobId: 'before', createdDate: ago(60000) });
    sim.addJob({ jobId: 'long', createdDate: ago(1000), queuedMs: 0, runMs: 600000 });
    red = await startNodeRed(work);
    await until(() => /"baselined": *true/.test(saved()), 'the baseline in the store');
    sim.addJob({ jobId: 'live' });
    await until(() => lines().length === 3, 'the live job');
    await until(() => saved().includes('"live"'), 'the live job in the store');
    await red.stop();
    red = undefined;

    // While Node-RED is down: a new job fails, the one in flight completes.
    sim.addJob({ jobId: 'meanwhile', outcome: 'Failed' });
    sim.setJob('long', { jobStatus: 'Completed' });
    red = await startNodeRed(work);
    await until(() => lines().length >= 7, 'the events of the stop');
    await polls(3);
    const all = lines();
    all.slice(0, 3).should.eql(['live queued', 'live started', 'live completed']);
    // 'before' had ended before the first start: nothing. 'long' was known in flight: its end only.
    all.slice(3).sort().should.eql(['long completed', 'meanwhile failed', 'meanwhile queued', 'meanwhile started']);
    all.filter((l) => l.startsWith('meanwhile')).should.eql(['meanwhile queued', 'meanwhile started', 'meanwhile failed']);
    red.output().should.not.containEql(TOKEN);
  });
});
