// 1,000 pending waits survive a Node-RED SIGKILL with a file context store: a
// real second Node-RED process reads them back and answers each exactly once.
require('should');
const fs = require('node:fs');
const path = require('node:path');
const { startNodeRed, userDirWithPack, writeStartedFlow } = require('../support/node-red-process');
const { startSim, TOKEN } = require('../support/sim');

const JOBS = Array.from({ length: 1000 }, (_, i) => `restart-${String(i).padStart(4, '0')}`);
/** How each job ends: the first third while Node-RED is down (Completed or Failed), the rest after. */
const outcome = (i) => (i % 2 === 0 ? 'Completed' : 'Failed');

describe('wait for job across a Node-RED restart (file context store)', function () {
  this.timeout(120000);
  let work;
  let sim;
  let red;

  before(async () => {
    work = userDirWithPack('aims360-restart-', {
      flowFile: 'flows.json',
      credentialSecret: false,
      // Written every second, so a kill loses at most the last second.
      contextStorage: { default: { module: 'localfilesystem', config: { flushInterval: 1 } } },
    });
    sim = await startSim();
    for (const jobId of JOBS) sim.addJob({ jobId, runMs: 600000 });
    const out = path.join(work, 'answers.txt');
    writeStartedFlow(work, { label: 'restart', sim, token: TOKEN, first: 'split' }, [
      { id: 'split', type: 'split', z: 'tab', x: 200, y: 100, splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', wires: [['wait']] },
      {
        id: 'wait', type: 'aims360-wait-for-job', z: 'tab', x: 300, y: 100, server: 'server', interval: '0.2', maxInterval: '0.5',
        timeout: '600', persist: true, wires: [['line'], ['line'], ['line']],
      },
      { id: 'line', type: 'template', z: 'tab', x: 400, y: 100, field: 'payload', fieldType: 'msg', format: 'text', syntax: 'mustache', template: '{{jobId}} {{jobStatus}}', output: 'str', wires: [['file']] },
      { id: 'file', type: 'file', z: 'tab', x: 500, y: 100, filename: out, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', wires: [] },
    ]);
  });

  after(async () => {
    if (red) await red.stop();
    if (sim) await sim.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('answers every wait once after SIGKILL and a new start', async () => {
    red = await startNodeRed(work);
    const started = await fetch(`${red.url}/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(JOBS) });
    started.status.should.equal(204);
    const contextDir = path.join(work, 'context');
    const kept = () => {
      try {
        return fs.readdirSync(contextDir, { recursive: true })
          .filter((f) => f.endsWith('.json'))
          .some((f) => JOBS.every((id) => fs.readFileSync(path.join(contextDir, f), 'utf8').includes(id)));
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 20000;
    while (!kept() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    kept().should.be.true();
    red.child.kill('SIGKILL');
    await red.stop();
    red = undefined;

    // While Node-RED is down a third of the jobs end; the new process must answer them and the rest.
    const third = Math.floor(JOBS.length / 3);
    JOBS.slice(0, third).forEach((id, i) => sim.setJob(id, { jobStatus: outcome(i) }));
    red = await startNodeRed(work);
    const out = path.join(work, 'answers.txt');
    const lines = () => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8').trim().split('\n') : []);
    const until = Date.now() + 60000;
    while (lines().length < third && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    JOBS.slice(third).forEach((id, i) => sim.setJob(id, { jobStatus: outcome(third + i) }));
    while (lines().length < JOBS.length && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1500));
    lines().sort().should.eql(JOBS.map((id, i) => `${id} ${outcome(i)}`));
    red.output().should.not.containEql(TOKEN);
  });
});

// Export data stopped while it downloads its job's output (a normal restart, SIGTERM): the
// wait is still kept, so the next start fetches the output again and sends it once.
describe('export data across a Node-RED restart during its download (file context store)', function () {
  this.timeout(90000);
  const DOCS = '/documentmanagement/';
  let work;
  let sim;
  let red;

  before(async () => {
    work = userDirWithPack('aims360-restart-export-', {
      flowFile: 'flows.json',
      credentialSecret: false,
      contextStorage: { default: { module: 'localfilesystem', config: { flushInterval: 1 } } },
    });
    sim = await startSim();
    sim.setConfig({ exportQueuedMs: 0, exportRunMs: 600000 });
    const out = path.join(work, 'answers.txt');
    writeStartedFlow(work, { label: 'restart export', sim, token: TOKEN, timeout: 30000, first: 'topic' }, [
      // An http in message is not JSON (req, res): only _msgid, topic and jobId are kept of it.
      { id: 'topic', type: 'change', z: 'tab', x: 200, y: 100, rules: [{ t: 'set', p: 'topic', pt: 'msg', to: 'payload.topic', tot: 'msg' }], wires: [['export']] },
      {
        id: 'export', type: 'aims360-export', z: 'tab', x: 300, y: 100, server: 'server', source: 'Orders', sourceType: 'str', viewName: 'All orders',
        viewNameType: 'str', outputFormat: 'CSV', interval: '0.1', maxInterval: '0.2', timeout: '0', persist: true, wires: [['line']],
      },
      {
        id: 'line', type: 'function', z: 'tab', x: 400, y: 100, func: "msg.payload = msg.topic + ' ' + msg.jobId + ' ' + msg.payload.length;\nreturn msg;",
        outputs: 1, wires: [['file']],
      },
      { id: 'file', type: 'file', z: 'tab', x: 500, y: 100, filename: out, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', wires: [] },
    ]);
  });

  after(async () => {
    if (red) await red.stop();
    if (sim) await sim.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('fetches the output again after the restart and sends it once', async () => {
    red = await startNodeRed(work);
    const started = await fetch(`${red.url}/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'restart' }) });
    started.status.should.equal(204);
    while (sim.listJobs().length === 0) await new Promise((r) => setTimeout(r, 20));
    const job = sim.listJobs()[0];
    const jobId = job.jobID ?? job.jobId;
    // The first download never answers: it is in flight when Node-RED stops.
    const hang = sim.addFault({ type: 'hang', match: { path: DOCS } });
    sim.setJob(jobId, { jobStatus: 'Completed' });
    while (sim.listFaults().find((f) => f.id === hang.id).hits === 0) await new Promise((r) => setTimeout(r, 20));
    await red.stop();
    red = undefined;

    red = await startNodeRed(work);
    const out = path.join(work, 'answers.txt');
    const lines = () => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8').trim().split('\n') : []);
    // Bounded: the old code dropped the message on close, and nothing would ever come.
    for (const until = Date.now() + 10000; lines().length === 0 && Date.now() < until;) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    lines().should.eql([`restart ${jobId} 25`]);
    sim.log.filter((e) => e.path.startsWith(DOCS)).length.should.equal(2);
    red.output().should.not.containEql(TOKEN);
  });
});

// Changes only's fingerprints live in the node's own context, in the default store: with a file
// store they outlast a restart, so the same document after it hands on nothing.
describe('changes only across a Node-RED restart (file context store)', function () {
  this.timeout(90000);
  let work;
  let sim;
  let red;

  before(async () => {
    work = userDirWithPack('aims360-restart-changes-', {
      flowFile: 'flows.json',
      credentialSecret: false,
      contextStorage: { default: { module: 'localfilesystem', config: { flushInterval: 1 } } },
    });
    sim = await startSim();
    const out = path.join(work, 'answers.txt');
    writeStartedFlow(work, { label: 'restart changes', sim, token: TOKEN, first: 'fetch' }, [
      { id: 'fetch', type: 'aims360-fetch-output', z: 'tab', x: 300, y: 100, server: 'server', format: 'rows', changes: 'changed', keyColumns: 'style', wires: [['line']] },
      {
        id: 'line', type: 'function', z: 'tab', x: 400, y: 100, outputs: 1, wires: [['file']],
        func: "msg.payload = [msg.payload.length, msg.changes.added, msg.changes.unchanged].join(' ');\nreturn msg;",
      },
      { id: 'file', type: 'file', z: 'tab', x: 500, y: 100, filename: out, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', wires: [] },
    ]);
  });

  after(async () => {
    if (red) await red.stop();
    if (sim) await sim.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('compares with the run before the restart', async () => {
    const out = path.join(work, 'answers.txt');
    const lines = () => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8').trim().split('\n') : []);
    const fetchJob = async (jobId, count) => {
      sim.addJob({ jobId, scope: 'Public', documents: [{ name: 'styles.csv', rows: 10 }] });
      const started = await fetch(`${red.url}/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobId }) });
      started.status.should.equal(204);
      for (const until = Date.now() + 20000; lines().length < count && Date.now() < until;) await new Promise((r) => setTimeout(r, 100));
    };
    red = await startNodeRed(work);
    await fetchJob('before-restart', 1);
    await red.stop();
    red = undefined;
    red = await startNodeRed(work);
    await fetchJob('after-restart', 2);
    lines().should.eql(['10 10 0', '0 0 10']);
  });
});
