// The crash window of a kept wait (persist on): Node-RED is killed (SIGKILL) the moment a
// wait's answer reaches the next system, then started again. A wait leaves the context
// store before its answer goes out, so with a store that writes as it is told
// (localfilesystem with cache off) the answer is never sent twice.
require('should');
const fs = require('node:fs');
const path = require('node:path');
const { startNodeRed, userDirWithPack, writeStartedFlow } = require('../support/node-red-process');
const { startReceiver } = require('../support/receivers');
const { startSim, TOKEN } = require('../support/sim');
const { until } = require('../support/wait');

const ANSWERED = 'crash-answered';
const PENDING = 'crash-pending';
const JOBS = '/jobsmanagement/';

describe('a wait answered just before a SIGKILL (file context store, cache off)', function () {
  this.timeout(90000);
  let work;
  let sim;
  let red;
  let receiver;
  const answers = [];

  before(async () => {
    work = userDirWithPack('aims360-crash-window-', {
      flowFile: 'flows.json',
      credentialSecret: false,
      contextStorage: { default: { module: 'localfilesystem', config: { cache: false } } },
    });
    sim = await startSim();
    // The kill comes as the first answer arrives: the worst moment, the answer out and nothing after it.
    receiver = await startReceiver(({ body }) => {
      answers.push(JSON.parse(body).jobId);
      if (answers.length === 1) red.child.kill('SIGKILL');
    });
    writeStartedFlow(work, { label: 'crash window', sim, token: TOKEN, first: 'split' }, [
      { id: 'split', type: 'split', z: 'tab', x: 200, y: 100, splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', wires: [['wait']] },
      {
        id: 'wait', type: 'aims360-wait-for-job', z: 'tab', x: 300, y: 100, server: 'server', interval: '0.05', maxInterval: '0.1',
        timeout: '600', persist: true, wires: [['answer'], ['answer'], ['answer']],
      },
      // Only the job goes on: the kept message of a resumed wait has no req/res to repeat.
      { id: 'answer', type: 'change', z: 'tab', x: 400, y: 100, rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"jobId": $$.jobId}', tot: 'jsonata' }], wires: [['post']] },
      { id: 'post', type: 'http request', z: 'tab', x: 500, y: 100, method: 'POST', ret: 'txt', url: `${receiver.url}/answer`, wires: [[]] },
    ]);
  });

  after(async () => {
    if (red) await red.stop();
    if (receiver) await receiver.close();
    if (sim) await sim.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('answers once: the restarted Node-RED does not bring the answered wait back', async () => {
    for (const jobId of [ANSWERED, PENDING]) sim.addJob({ jobId, runMs: 600000 });
    red = await startNodeRed(work);
    const started = await fetch(`${red.url}/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([ANSWERED, PENDING]) });
    started.status.should.equal(204);
    const contextDir = path.join(work, 'context');
    const kept = () => {
      try {
        const files = fs.readdirSync(contextDir, { recursive: true }).filter((f) => f.endsWith('.json'));
        return files.some((f) => [ANSWERED, PENDING].every((id) => fs.readFileSync(path.join(contextDir, f), 'utf8').includes(id)));
      } catch {
        return false;
      }
    };
    await until(kept, 'both waits kept on disk');

    sim.setJob(ANSWERED, { jobStatus: 'Completed' });
    await until(() => red.child.exitCode !== null || red.child.signalCode !== null, 'killed on the first answer');
    await red.stop();
    answers.should.eql([ANSWERED]);

    red = await startNodeRed(work);
    // The resumed waits are polled together in the first rounds: a few polls of the pending
    // job show that a resumed answered wait would have been asked about, and answered, by now.
    sim.clearLog();
    const polls = () => sim.log.filter((e) => e.path.startsWith(JOBS) && e.status === 200).length;
    await until(() => polls() >= 4, 'the pending wait was resumed');
    sim.setJob(PENDING, { jobStatus: 'Completed' });
    await until(() => answers.length >= 2, 'the pending wait was answered');
    await new Promise((r) => setTimeout(r, 300));
    answers.should.eql([ANSWERED, PENDING]);
  });
});
