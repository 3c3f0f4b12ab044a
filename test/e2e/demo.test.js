// `npm start` as a user runs it: simulator, Node-RED and the example flows; then stopped
// and started again, keeping what the user built.
const should = require('should');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { nodeRedRoot, deploy } = require('../support/node-red-process');
const { listen, debugFrom } = require('../support/comms');
const { startDemo, getFlows } = require('../support/demo');
const { expectations, clickInject } = require('../support/examples');
const { exampleFlows } = require('../../scripts/example-flows.cjs');
const { RECORD_FILE } = require('../../scripts/demo-flows.cjs');

const root = path.resolve(__dirname, '..', '..');
// An MQTT client: Node-RED's own dependency.
const mqtt = require(require.resolve('mqtt', { paths: [nodeRedRoot()] }));

describe('npm start (demo)', function () {
  this.timeout(60000);
  let demo;
  let comms;
  let editorUrl;
  let simUrl;
  let quietLog;
  let subscriber;
  const mqttRows = [];
  const mqttOther = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-demo-'));
  const output = () => demo.output();
  const simLog = async () => (await fetch(`${simUrl}/_sim/log`)).json();

  before(async () => {
    demo = await startDemo(dir);
    ({ editorUrl, simUrl } = demo);
    // Nothing runs before an editor is there to see it.
    await new Promise((r) => setTimeout(r, 3000));
    quietLog = await simLog();
    // Subscribed to the demo's broker before the examples run.
    subscriber = mqtt.connect(demo.brokerUrl, { reconnectPeriod: 0 });
    await new Promise((resolve, reject) => {
      subscriber.once('connect', resolve);
      subscriber.once('error', reject);
    });
    // Export rows come as JSON; the job events alert as a line of text.
    subscriber.on('message', (topic, payload) => {
      if (topic.startsWith('aims360/orders/')) mqttRows.push({ topic, row: JSON.parse(String(payload)) });
      else mqttOther.push({ topic, text: String(payload) });
    });
    await subscriber.subscribeAsync('aims360/#', { qos: 1 });
    comms = await listen(editorUrl);
  });

  after(async () => {
    if (comms) comms.close();
    if (subscriber) await subscriber.endAsync(true);
    if (demo) await demo.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints the editor URL, the simulator and the demo job ids with how to use them', () => {
    const output = demo.output();
    output.should.containEql(`Node-RED editor:   ${editorUrl}/`);
    output.should.match(/AIMS360 simulator: http:\/\/127\.0\.0\.1:\d+/);
    output.should.match(/MQTT broker: +mqtt:\/\/127\.0\.0\.1:\d+ +\(export-rows-to-mqtt publishes to aims360\/orders\/open\)/);
    output.should.match(/running: .*demo-year-end-valuation \(completes in about 60 min\)/);
    output.should.match(/failed: .*demo-export-failed \(can be rerun\)/);
    output.should.match(/completed: .*demo-price-list/);
    output.should.match(/Paste an id into a job node's Job ID field/);
    output.should.match(/Flows: +the examples, in .*; what you build there is kept when npm start runs again/);
  });

  it('turns off the update notice and the welcome tour, and runs nothing until an editor connects', async () => {
    const settings = await (await fetch(`${editorUrl}/settings`)).json();
    settings.should.not.have.property('telemetryEnabled', true);
    settings.editorTheme.tours.should.be.false();
    // The job events examples only watch (reads of the jobs query): they send nothing for jobs already ended.
    quietLog.filter((e) => !(e.method === 'GET' && e.path === '/jobsmanagement/odata/v1.0/backgroundjob')).should.eql([]);
  });

  it('deploys every example, the start-here tab first, and the job status example runs', async () => {
    const flows = await getFlows(editorUrl);
    for (const file of fs.readdirSync(path.join(root, 'examples'))) {
      const ids = JSON.parse(fs.readFileSync(path.join(root, 'examples', file), 'utf8')).map((n) => n.id);
      ids.every((id) => flows.some((n) => n.id === id)).should.be.true(file);
    }
    const tabs = flows.filter((n) => n.type === 'tab');
    tabs.slice(0, 4).map((t) => t.id).should.eql(['tab-export-open-orders', 'tab-export-csv-to-file', 'tab-export-rows-to-mqtt', 'tab-export-to-webhook']);
    tabs[0].label.should.startWith('Start here');
    flows.filter((n) => n.z === tabs[0].id && n.type === 'comment').map((n) => n.name)[0].should.match(/^Start here: click/);
    tabs[tabs.length - 1].id.should.equal('tab-aims360-request');
    const job = await comms.waitFor(debugFrom('job'));
    job.data.msg.should.equal('Completed');
    const failed = await comms.waitFor(debugFrom('failed jobs'));
    failed.data.format.should.match(/^array/);
    output().should.match(/\[aims360 demo\] an editor connected: running the \d+ example injects/);
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

  it('the rerun job example reruns its failed demo job', async () => {
    const rerun = await comms.waitFor(debugFrom('rerun job'));
    JSON.parse(rerun.data.msg).should.match({ jobId: 'demo-export-failed', jobStatus: 'Queued' });
  });

  it('runs the fetch output example: in-line JSON, CSV rows, blocks joined', async () => {
    const prices = await comms.waitFor(debugFrom('price list'));
    prices.data.msg.should.containEql('ST10003');
    const orders = await comms.waitFor(debugFrom('open orders'));
    orders.data.format.should.equal('array[250]');
    const joined = await comms.waitFor(debugFrom('joined rows'));
    joined.data.msg.should.equal('250');
  });

  it('runs the end-to-end examples: the export lands in a file in the demo folder, failed jobs are rerun, progress is shown', async () => {
    (await comms.waitFor(debugFrom('rows written'), 50000)).data.msg.should.equal('25');
    fs.readFileSync(path.join(dir, 'aims360-open-orders.csv'), 'utf8').should.startWith('orderNo,customer,');
    (await comms.waitFor(debugFrom('completed after rerun'), 50000)).data.msg.should.match(/^demo-/);
    (await comms.waitFor(debugFrom('export progress'), 20000)).data.msg.should.match(/% (Queued|Inprogress|Completed)$/);
  });

  it('runs the export data examples: rows shown, published to the demo\'s MQTT broker, posted to the webhook', async () => {
    (await comms.waitFor(debugFrom('open order rows'), 50000)).data.format.should.equal('array[25]');
    // One POST per row (changes only: the first run hands on every row).
    const received = await comms.waitFor(debugFrom('webhook received'), 50000);
    received.data.format.should.equal('Object');
    (await comms.waitFor(debugFrom('webhook answered'), 20000)).data.msg.should.equal('204');
    // Every row reached the broker once, in order: the Open Orders view's, open orders only.
    const deadline = Date.now() + 50000;
    while (mqttRows.length < 25 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    mqttRows.map((m) => m.topic).should.eql(Array(25).fill('aims360/orders/open'));
    const numbers = mqttRows.map((m) => m.row.orderNo);
    numbers[0].should.equal('SO100000');
    numbers.should.eql([...new Set(numbers)].sort());
    mqttRows.filter((m) => m.row.status !== 'Open').should.eql([]);
  });

  it('runs the job events examples: a job that fails reaches MQTT and the chat webhook, a completed export lands in a file', async () => {
    const received = await comms.waitFor(debugFrom('chat received'), 50000);
    // The demo's own forecast job may fail after the watch began: any failed job's line.
    JSON.parse(received.data.msg).text.should.match(/^AIMS360 job failed: .+ \([\w-]+\) at .+\. .+/);
    const deadline = Date.now() + 20000;
    while (!mqttOther.some((m) => m.topic === 'aims360/jobs/failed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    mqttOther.find((m) => m.topic === 'aims360/jobs/failed').text.should.match(/^AIMS360 job failed: .+\. .+/);
    const saved = await comms.waitFor(debugFrom('export saved'), 50000);
    fs.readFileSync(path.resolve(dir, saved.data.msg), 'utf8').should.startWith('orderNo,customer,');
  });

  /** The examples' injects that lead to a node there to fail (every output unwired), by tab. */
  const deliberate = () => {
    const { flows } = exampleFlows('http://unused', 'unused');
    const failing = new Set(flows.filter((n) => n.type.startsWith('aims360-') && n.wires && n.wires.length > 0 && n.wires.every((p) => p.length === 0)).map((n) => n.id));
    return flows.filter((n) => n.type === 'inject' && !n.d && n.wires.some((p) => p.some((id) => failing.has(id))));
  };

  it('the first run shows no error: the deliberate ones wait for a click, and each rerun example reruns its own job', async () => {
    const { flows } = exampleFlows('http://unused', 'unused');
    const catchFed = new Set(flows.filter((n) => n.type === 'tab').flatMap((tab) => expectations(flows.filter((n) => n.z === tab.id)))
      .filter((e) => e.kind !== 'result').map((e) => e.id));
    const errors = comms.events.filter((e) => e.topic === 'debug' && (e.data.level === 20 || catchFed.has(e.data.id)));
    errors.map((e) => `${e.data.name || e.data.id}: ${e.data.msg}`).should.eql([]);
    deliberate().map((n) => n.name).should.eql(['still running → error', 'unknown job → error', 'demo-year-end-valuation → refused']);
    // demo-export-failed is rerun by the rerun job example only; the daily rerun example reruns the last day's two.
    const reruns = (await simLog()).filter((e) => e.method === 'POST' && /\/rerun$/.test(e.path)).map((e) => e.path.split('/').slice(-2)[0]);
    reruns.sort().should.eql(['demo-ar-aging-failed', 'demo-export-failed', 'demo-nightly-stock-sync']);
  });

  it('the deliberate errors come when their inject is clicked, each labelled as the point of its example', async () => {
    for (const inject of deliberate()) await clickInject(editorUrl, inject.id);
    (await comms.waitFor(debugFrom('error code'))).data.msg.should.containEql('JOB_NOT_FOUND');
    (await comms.waitFor(debugFrom('rerun refused'))).data.msg.should.containEql('RERUN_NOT_ALLOWED');
    (await comms.waitFor(debugFrom('fetch error'))).data.msg.should.containEql('JOB_NOT_COMPLETED');
  });

  // What a user does next: changes an example, adds a flow of their own with a secret.
  const MY_TAB = { id: 'my-tab', type: 'tab', label: 'My flow', disabled: false, info: '', env: [] };
  const MY_SERVER = { id: 'my-server', type: 'aims360-config', name: 'my account', baseUrl: 'https://example.invalid', authType: 'token', timeout: 30000, trustedHosts: '' };
  const MY_NODES = [
    { id: 'my-inject', type: 'inject', z: 'my-tab', name: 'my export', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', payload: '', payloadType: 'date', x: 140, y: 80, wires: [['my-status']] },
    { id: 'my-status', type: 'aims360-job-status', z: 'my-tab', name: 'mine', server: 'my-server', mode: 'single', jobId: 'payload', jobIdType: 'msg', x: 340, y: 80, wires: [[]] },
  ];
  const CHANGED = 'e4d0c5f0d0b00104';

  it('takes a change to an example node and a new tab with a config node and its credentials, deployed from the admin API', async () => {
    const flows = await getFlows(editorUrl);
    const changed = flows.find((n) => n.id === CHANGED);
    changed.name = 'my open orders';
    changed.x += 40;
    await deploy(editorUrl, [...flows, MY_TAB, ...MY_NODES, { ...MY_SERVER, credentials: { token: 'my-own-token' } }]);
    (await getFlows(editorUrl)).map((n) => n.id).should.containEql('my-status');
  });

  it('stops both on Ctrl-C', async () => {
    await demo.stop();
    (await fetch(editorUrl).then(() => 'up', () => 'down')).should.equal('down');
  });

  const credentialsFile = () => JSON.parse(fs.readFileSync(path.join(dir, 'flows_cred.json'), 'utf8'));

  it('started again, keeps the changed example, the new tab and the credentials, and says so', async () => {
    demo = await startDemo(dir);
    const flows = await getFlows(demo.editorUrl);
    flows.find((n) => n.id === CHANGED).should.match({ name: 'my open orders', x: 580 + 40, y: 100 + 140 });
    flows.find((n) => n.id === 'my-tab').should.match({ type: 'tab', label: 'My flow' });
    MY_NODES.concat(MY_SERVER).every((mine) => flows.some((n) => n.id === mine.id)).should.be.true();
    // Every example is still there, the one example config node pointed at this start's simulator.
    const server = flows.find((n) => n.id === 'c0f1a0e1d0b0c0f1');
    server.baseUrl.should.equal(demo.simUrl);
    const credentials = credentialsFile();
    credentials['my-server'].should.eql({ token: 'my-own-token' });
    credentials.c0f1a0e1d0b0c0f1.should.eql({ token: 'simulator-token' });
    demo.output().should.match(/Flows: +yours, kept, in /);
    demo.output().should.not.match(/refreshed|backup/i);
    fs.readdirSync(dir).filter((f) => f.startsWith('flows-backup-')).should.eql([]);
    await demo.stop();
  });

  it('started after an example changed in a new version, refreshes the unchanged copy, keeps a backup and says so', async () => {
    // As an older version shipped it: another name, in the flows and in the demo's record of what it wrote.
    const OLD = 'c0f1a0e1d0b00002';
    const flowsFile = path.join(dir, 'flows.json');
    const older = (n) => (n.id === OLD ? { ...n, name: 'an older name' } : n);
    const before = JSON.parse(fs.readFileSync(flowsFile, 'utf8')).map(older);
    fs.writeFileSync(flowsFile, JSON.stringify(before));
    const record = JSON.parse(fs.readFileSync(path.join(dir, RECORD_FILE), 'utf8'));
    record.nodes[OLD] = older(record.nodes[OLD]);
    fs.writeFileSync(path.join(dir, RECORD_FILE), JSON.stringify(record));

    demo = await startDemo(dir);
    const flows = await getFlows(demo.editorUrl);
    flows.find((n) => n.id === OLD).name.should.equal('demo-price-list');
    flows.find((n) => n.id === CHANGED).name.should.equal('my open orders');
    flows.some((n) => n.id === 'my-tab').should.be.true();
    credentialsFile()['my-server'].should.eql({ token: 'my-own-token' });
    const said = demo.output().match(/Examples refreshed to this version: (.*)\.\n.*Your previous flows are in (\S+)/);
    should.exist(said, demo.output());
    said[1].should.equal('job-status (1 node)');
    JSON.parse(fs.readFileSync(said[2], 'utf8')).should.eql(before);
    path.dirname(said[2]).should.equal(dir);
  });
});
