// A crash during a download: Node-RED is killed (SIGKILL) while fetch output writes a
// document's temporary `.part` file, which stays behind. Started again, the first download
// into that directory removes the stale `.part` of the pack's own, and nothing of the user's.
require('should');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { startNodeRed, userDirWithPack, writeStartedFlow } = require('../support/node-red-process');
const { startReceiver } = require('../support/receivers');
const { startSim, TOKEN } = require('../support/sim');
const { until } = require('../support/wait');

const CONTENT = 'style,qty\nA-1,3\nB-2,5\n';
/** The user's own files, named like ours but not by our scheme (`.<name>.<uuid>.part`). */
const LOOK_ALIKES = ['report.csv.part', '.notes.part'];
const TWO_HOURS_AGO = new Date(Date.now() - 2 * 3600 * 1000);

/**
 * The simulator behind a proxy that holds every document after its first bytes, as a
 * slow AIMS360 would: the download stays under way until Node-RED is killed. The Host
 * header goes through, so the simulator's links point at the proxy.
 */
async function startHoldingProxy(sim) {
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const upstream = http.request({ host: '127.0.0.1', port: sim.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      if (!req.url.startsWith('/documentmanagement/')) return void answer.pipe(res);
      answer.once('data', (first) => {
        res.write(first);
        answer.destroy();
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    }),
  };
}

describe('a download cut by a SIGKILL leaves a .part that the next start removes', function () {
  this.timeout(90000);
  let work;
  let dir;
  let sim;
  let red;
  let receiver;
  let proxy;

  before(async () => {
    work = userDirWithPack('aims360-stale-part-', { flowFile: 'flows.json', credentialSecret: false });
    dir = path.join(work, 'downloads');
    fs.mkdirSync(dir);
    sim = await startSim();
    proxy = await startHoldingProxy(sim);
    sim.addJob({ jobId: 'big', responseType: 'Publishlink', scope: 'Private', documents: [{ name: 'big.csv', format: 'csv', sizeBytes: 1024 ** 2 }] });
    sim.addJob({ jobId: 'small', responseType: 'Publishlink', scope: 'Private', documents: [{ name: 'small.csv', format: 'csv', content: CONTENT }] });
    receiver = await startReceiver();
    // Longer than the test: a held download never times out, the kill ends it.
    writeStartedFlow(work, { label: 'stale part', sim: proxy, token: TOKEN, timeout: 120000, first: 'fetch' }, [
      { id: 'fetch', type: 'aims360-fetch-output', z: 'tab', x: 300, y: 100, server: 'server', format: 'file', directory: dir, directoryType: 'str', wires: [['saved']] },
      { id: 'saved', type: 'http request', z: 'tab', x: 500, y: 100, method: 'POST', ret: 'txt', url: `${receiver.url}/saved`, wires: [[]] },
      { id: 'catch', type: 'catch', z: 'tab', x: 100, y: 200, scope: null, uncaught: false, wires: [['error']] },
      { id: 'error', type: 'change', z: 'tab', x: 300, y: 200, rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'error', tot: 'msg' }], wires: [['failed']] },
      { id: 'failed', type: 'http request', z: 'tab', x: 500, y: 200, method: 'POST', ret: 'txt', url: `${receiver.url}/failed`, wires: [[]] },
    ]);
  });

  after(async () => {
    if (red) await red.stop();
    if (receiver) await receiver.close();
    if (proxy) await proxy.close();
    if (sim) await sim.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const start = async (jobId) => {
    const res = await fetch(`${red.url}/start`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: jobId });
    res.status.should.equal(204);
  };

  it('removes the stale .part of its own before the next download, keeps the user\'s look-alikes, and saves the new file whole', async () => {
    red = await startNodeRed(work);
    const ours = (name) => name.startsWith('.big.csv.') && name.endsWith('.part');
    await start('big');
    await until(() => fs.readdirSync(dir).some(ours), 'the download began');
    red.child.kill('SIGKILL');
    await red.stop();
    red.child.signalCode.should.equal('SIGKILL');
    const left = fs.readdirSync(dir);
    left.filter(ours).should.have.length(1, `the crash left its .part: ${left}`);
    left.should.have.length(1);
    const stale = left[0];

    // The sweep keeps a .part touched within the last hour: it may be another Node-RED's
    // download still being written. Aged, it is a crash's leftover; the look-alikes are
    // aged too, so that only their names keep them.
    for (const name of LOOK_ALIKES) fs.writeFileSync(path.join(dir, name), 'the user\'s own\n');
    for (const name of [stale, ...LOOK_ALIKES]) fs.utimesSync(path.join(dir, name), TWO_HOURS_AGO, TWO_HOURS_AGO);

    red = await startNodeRed(work);
    await start('small');
    await until(() => receiver.requests.length > 0, 'the download ended');
    receiver.requests.map((r) => [r.path, r.body]).should.eql([['/saved', path.join(dir, 'small.csv')]]);
    fs.readdirSync(dir).sort().should.eql([...LOOK_ALIKES, 'small.csv'].sort());
    fs.readFileSync(path.join(dir, 'small.csv'), 'utf8').should.equal(CONTENT);
    for (const name of LOOK_ALIKES) fs.readFileSync(path.join(dir, name), 'utf8').should.equal('the user\'s own\n');
  });
});
