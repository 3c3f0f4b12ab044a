// A 1 GB document written with the file format by a real Node-RED process: its peak
// RSS must grow by less than 100 MB. The simulator runs here, in the test process,
// so its memory and CPU are not counted.
require('should');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startNodeRed, writeSettings } = require('../support/node-red-process');
const { listen, debugFrom } = require('../support/comms');
const { startSim, TOKEN } = require('../support/sim');

const root = path.resolve(__dirname, '..', '..');
const GB = 1024 ** 3;
const MB = 1024 ** 2;

/** VmRSS and VmHWM (peak) of a process, in bytes. */
function memoryOf(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

describe('fetch output: 1 GB to a file in a Node-RED process', function () {
  this.timeout(120000);
  let work;
  let sim;
  let red;
  let comms;

  before(async function () {
    if (!fs.existsSync('/proc/self/status')) this.skip();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-mem-'));
    const userDir = path.join(work, 'user');
    fs.mkdirSync(path.join(userDir, 'node_modules', '@flowjobs'), { recursive: true });
    fs.symlinkSync(root, path.join(userDir, 'node_modules', '@flowjobs', 'node-red-aims360'), 'dir');
    writeSettings(userDir, { flowFile: 'flows.json', credentialSecret: false, logging: { console: { level: 'info' } } });
    sim = await startSim();
    sim.addJob({ jobId: 'job-gb', scope: 'Private', documents: [{ name: 'huge.csv', sizeBytes: GB }] });
    const z = 'tab';
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify([
      { id: z, type: 'tab', label: 'memory' },
      { id: 'server', type: 'aims360-config', baseUrl: sim.url, authType: 'token', timeout: 30000 },
      { id: 'go', type: 'inject', z, props: [{ p: 'payload' }], payload: 'job-gb', payloadType: 'str', repeat: '', once: false, wires: [['fetch']] },
      { id: 'fetch', type: 'aims360-fetch-output', z, server: 'server', format: 'file', directory: path.join(work, 'out'), directoryType: 'str', wires: [['saved']] },
      { id: 'saved', type: 'debug', z, name: 'saved', active: true, tosidebar: true, complete: 'payload', targetType: 'msg', wires: [] },
      { id: 'catch', type: 'catch', z, scope: null, uncaught: false, wires: [['failed']] },
      { id: 'failed', type: 'debug', z, name: 'failed', active: true, tosidebar: true, complete: 'error', targetType: 'msg', wires: [] },
    ].map((n) => (n.z ? { x: 100, y: 100, ...n } : n))));
    fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify({ server: { token: TOKEN } }));
    red = await startNodeRed(userDir);
    comms = await listen(red.url);
  });

  after(async () => {
    if (comms) comms.close();
    if (red) await red.stop();
    if (sim) await sim.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('keeps the peak RSS growth under 100 MB', async () => {
    await new Promise((r) => setTimeout(r, 1000));
    const pid = red.child.pid;
    // Resets VmHWM to the current RSS (Linux 4.0+); if refused, the startup peak only makes the check stricter.
    try {
      fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      // Not allowed here: the baseline stays the startup peak.
    }
    const before = memoryOf(pid);
    (await fetch(`${red.url}/inject/go`, { method: 'POST' })).status.should.equal(200);
    const outcome = await Promise.race([comms.waitFor(debugFrom('saved'), 100000), comms.waitFor(debugFrom('failed'), 100000)]);
    outcome.data.name.should.equal('saved', JSON.stringify(outcome.data));
    const file = path.join(work, 'out', 'huge.csv');
    outcome.data.msg.should.equal(file);
    fs.statSync(file).size.should.equal(GB);
    fs.readdirSync(path.dirname(file)).should.eql(['huge.csv']);
    const after = memoryOf(pid);
    const growth = after.peak - before.rss;
    console.log(`      Node-RED RSS before ${(before.rss / MB).toFixed(0)} MB, peak during ${(after.peak / MB).toFixed(0)} MB: +${(growth / MB).toFixed(1)} MB for 1 GB`);
    growth.should.be.below(100 * MB);
  });
});
