// `npm start` as a user runs it: simulator, Node-RED and the example flows.
require('should');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort, nodeRedRoot } = require('../support/node-red-process');
const { listen, debugFrom } = require('../support/comms');

const root = path.resolve(__dirname, '..', '..');
// An MQTT client: Node-RED's own dependency.
const mqtt = require(require.resolve('mqtt', { paths: [nodeRedRoot()] }));

describe('npm start (demo)', function () {
  this.timeout(60000);
  let child;
  let output = '';
  let comms;
  let editorUrl;
  let simUrl;
  let quietLog;
  let subscriber;
  const mqttRows = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-demo-'));

  before(async () => {
    const [redPort, simPort, mqttPort] = [await freePort(), await freePort(), await freePort()];
    editorUrl = `http://127.0.0.1:${redPort}`;
    child = spawn(process.execPath, [path.join(root, 'scripts', 'demo.mjs')], {
      env: { ...process.env, PORT: String(redPort), AIMS360_SIM_PORT: String(simPort), AIMS360_MQTT_PORT: String(mqttPort), AIMS360_DEMO_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const deadline = Date.now() + 40000;
    while (!output.includes('Started flows')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`demo did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Nothing runs before an editor is there to see it.
    await new Promise((r) => setTimeout(r, 3000));
    simUrl = output.match(/AIMS360 simulator: (http:\/\/127\.0\.0\.1:\d+)/)[1];
    quietLog = await (await fetch(`${simUrl}/_sim/log`)).json();
    // Subscribed to the demo's broker before the examples run.
    const broker = output.match(/MQTT broker: +(mqtt:\/\/127\.0\.0\.1:\d+)/)[1];
    subscriber = mqtt.connect(broker, { reconnectPeriod: 0 });
    await new Promise((resolve, reject) => {
      subscriber.once('connect', resolve);
      subscriber.once('error', reject);
    });
    subscriber.on('message', (topic, payload) => mqttRows.push({ topic, row: JSON.parse(String(payload)) }));
    await subscriber.subscribeAsync('aims360/#', { qos: 1 });
    comms = await listen(editorUrl);
  });

  after(async () => {
    if (comms) comms.close();
    if (subscriber) await subscriber.endAsync(true);
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints the editor URL, the simulator and the demo job ids with how to use them', () => {
    output.should.containEql(`Node-RED editor:   ${editorUrl}/`);
    output.should.match(/AIMS360 simulator: http:\/\/127\.0\.0\.1:\d+/);
    output.should.match(/MQTT broker: +mqtt:\/\/127\.0\.0\.1:\d+ +\(export-rows-to-mqtt publishes to aims360\/orders\/open\)/);
    output.should.match(/running: .*demo-year-end-valuation \(completes in about 60 min\)/);
    output.should.match(/failed: .*demo-export-failed \(can be rerun\)/);
    output.should.match(/completed: .*demo-price-list/);
    output.should.match(/Paste an id into a job node's Job ID field/);
  });

  it('turns off the update notice and the welcome tour, and runs nothing until an editor connects', async () => {
    const settings = await (await fetch(`${editorUrl}/settings`)).json();
    settings.should.not.have.property('telemetryEnabled', true);
    settings.editorTheme.tours.should.be.false();
    quietLog.should.eql([]);
  });

  it('deploys every example, and the job status example runs', async () => {
    const flows = await (await fetch(`${editorUrl}/flows`, { headers: { accept: 'application/json' } })).json();
    for (const file of fs.readdirSync(path.join(root, 'examples'))) {
      const ids = JSON.parse(fs.readFileSync(path.join(root, 'examples', file), 'utf8')).map((n) => n.id);
      ids.every((id) => flows.some((n) => n.id === id)).should.be.true(file);
    }
    const job = await comms.waitFor(debugFrom('job'));
    job.data.msg.should.equal('Completed');
    const failed = await comms.waitFor(debugFrom('failed jobs'));
    failed.data.format.should.match(/^array/);
    const error = await comms.waitFor(debugFrom('error code'));
    error.data.msg.should.containEql('JOB_NOT_FOUND');
    output.should.match(/\[aims360 demo\] an editor connected: running the \d+ example injects/);
  });

  it('runs the wait for job example: progress, then the failed and the completed job', async () => {
    (await comms.waitFor(debugFrom('progress'))).data.should.have.property('msg');
    (await comms.waitFor(debugFrom('failed job'), 30000)).data.msg.should.containEql('"jobStatus":"Failed"');
    (await comms.waitFor(debugFrom('completed job'), 40000)).data.msg.should.equal('Completed');
  });

  it('the aims360 request example starts an export job', async () => {
    const started = await comms.waitFor(debugFrom('export job id'));
    started.data.msg.should.match(/^[A-Za-z0-9_-]+$/);
  });

  it('the rerun job example reruns the failed demo job and refuses one that cannot be rerun', async () => {
    const rerun = await comms.waitFor(debugFrom('rerun job'));
    JSON.parse(rerun.data.msg).should.match({ jobId: 'demo-export-failed', jobStatus: 'Queued' });
    const refused = await comms.waitFor(debugFrom('rerun refused'));
    refused.data.msg.should.containEql('RERUN_NOT_ALLOWED');
  });

  it('runs the fetch output example: in-line JSON, CSV rows, blocks joined, an error', async () => {
    const prices = await comms.waitFor(debugFrom('price list'));
    prices.data.msg.should.containEql('ST10003');
    const orders = await comms.waitFor(debugFrom('open orders'));
    orders.data.format.should.equal('array[250]');
    const joined = await comms.waitFor(debugFrom('joined rows'));
    joined.data.msg.should.equal('250');
    const error = await comms.waitFor(debugFrom('fetch error'));
    error.data.msg.should.containEql('JOB_NOT_COMPLETED');
  });

  it('runs the end-to-end examples: the export lands in a file in the demo folder, failed jobs are rerun, progress is shown', async () => {
    (await comms.waitFor(debugFrom('rows written'), 50000)).data.msg.should.equal('25');
    fs.readFileSync(path.join(dir, 'aims360-open-orders.csv'), 'utf8').should.startWith('orderNo,customer,');
    (await comms.waitFor(debugFrom('completed after rerun'), 50000)).data.msg.should.match(/^demo-/);
    (await comms.waitFor(debugFrom('export progress'), 20000)).data.msg.should.match(/% (Queued|Inprogress|Completed)$/);
  });

  it('runs the export data examples: rows shown, published to the demo\'s MQTT broker, posted to the webhook', async () => {
    (await comms.waitFor(debugFrom('open order rows'), 50000)).data.format.should.equal('array[25]');
    const received = await comms.waitFor(debugFrom('webhook received'), 50000);
    received.data.format.should.equal('array[25]');
    (await comms.waitFor(debugFrom('webhook answered'), 20000)).data.msg.should.equal('204');
    await comms.waitFor((e) => debugFrom('row published')(e) && JSON.parse(e.data.msg).orderNo === 'SO100024', 50000);
    // Every row reached the broker once, in order.
    const deadline = Date.now() + 10000;
    while (mqttRows.length < 25 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    mqttRows.map((m) => m.topic).should.eql(Array(25).fill('aims360/orders/open'));
    mqttRows.map((m) => m.row.orderNo).should.eql(Array.from({ length: 25 }, (_, i) => `SO${100000 + i}`));
  });

  it('stops both on Ctrl-C', async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
    (await fetch(editorUrl).then(() => 'up', () => 'down')).should.equal('down');
  });
});
