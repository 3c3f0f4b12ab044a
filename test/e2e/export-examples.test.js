// The export examples that hand rows on to other systems, deployed from the packed
// package against the simulator: every row of the export reaches a real MQTT broker
// and a webhook (one message per row), each exactly once; with changes only, a later run
// sends only the rows that changed and the keys of the rows removed, and an unchanged run nothing.
require('should');
const { parse } = require('csv-parse/sync');
const { usePackedNodeRed } = require('../support/packed');
const { startSim, TOKEN } = require('../support/sim');
const { startBroker, startReceiver } = require('../support/receivers');
const { clickInject } = require('../support/examples');
const { deploy } = require('../support/node-red-process');
const { listen, debugFrom } = require('../support/comms');
const { exampleFlows } = require('../../scripts/example-flows.cjs');

const ROWS = 60;
const TOPIC = 'aims360/orders/open';
const REMOVED_TOPIC = 'aims360/orders/open/removed';
const FILES = ['export-rows-to-mqtt', 'export-to-webhook'];
const VIEW = ['Orders', 'Open Orders'];

describe('export examples deliver every row once: MQTT and a webhook', function () {
  this.timeout(60000);
  let sim;
  let broker;
  let receiver;
  let flows;
  let comms;
  const red = usePackedNodeRed();

  before(async () => {
    // More rows than the default 25, fewer than 100, so a JSON export comes in-line.
    sim = await startSim();
    sim.setConfig({ exportRows: ROWS });
    broker = await startBroker();
    receiver = await startReceiver();
  });
  // After Node-RED has stopped (its after hook was registered first, and runs first).
  after(async () => {
    if (broker) await broker.close();
    if (receiver) await receiver.close();
    if (sim) await sim.close();
    if (comms) comms.close();
  });

  /** The two examples only, pointed at the simulator, the test's broker and the test's receiver. */
  before(async () => {
    const all = exampleFlows(sim.url, TOKEN, { mqtt: { host: broker.host, port: broker.port } });
    const tabs = new Set(FILES.map((f) => `tab-${f}`));
    flows = all.flows.filter((n) => tabs.has(n.id) || tabs.has(n.z) || (!n.z && n.type !== 'tab'));
    for (const n of flows.filter((x) => x.type === 'http request')) n.url = `${receiver.url}/aims360-webhook`;
    flows.filter((n) => n.type === 'http request').should.have.length(1);
    flows.filter((n) => n.type === 'mqtt-broker').should.have.length(1);
    // The test's own: a debug message when an example's function has handled a run's changes
    // (sent them on, or nothing), so that a run that publishes nothing has an end to wait for.
    for (const file of FILES) {
      const handler = flows.find((n) => n.type === 'function' && n.z === `tab-${file}`);
      flows.push(
        { id: `test-${file}-complete`, type: 'complete', z: handler.z, scope: [handler.id], uncaught: false, x: 100, y: 500, wires: [[`test-${file}-debug`]] },
        { id: `test-${file}-debug`, type: 'debug', z: handler.z, name: `test: ${file} handled`, active: true, tosidebar: true, complete: 'false', x: 300, y: 500, wires: [] },
      );
    }
    comms = await listen(red().url);
    const started = () => red().output().split('Started flows').length;
    const before = started();
    await deploy(red().url, flows.map((n) => (all.credentials[n.id] ? { ...n, credentials: all.credentials[n.id] } : n)));
    // The deploy answers before the new flows have started.
    const deadline = Date.now() + 20000;
    while (started() === before) {
      if (Date.now() > deadline) throw new Error(`the flows did not start:\n${red().output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  const injectOf = (file) => flows.find((n) => n.type === 'inject' && n.z === `tab-${file}` && !n.d);

  /** Clicks the example's inject and resolves once its function has handled the run. */
  async function run(file) {
    const seen = comms.events.length;
    await clickInject(red().url, injectOf(file).id);
    await comms.waitFor((e) => comms.events.indexOf(e) >= seen && debugFrom(`test: ${file} handled`)(e), 50000);
  }

  /** Rows as text, as the CSV has them: money with two decimals. */
  const asText = (row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k === 'totalAmount' && typeof v === 'number' ? v.toFixed(2) : String(v)]));
  const byOrder = (a, b) => a.orderNo.localeCompare(b.orderNo);

  /** Changes two rows, removes two and adds one; resolves what a changes-only run hands on. */
  function changeView() {
    const [a, b, c, d] = sim.viewRows(...VIEW).map((r) => r.orderNo);
    const rows = sim.editViewRows(...VIEW, { remove: [a, b], change: { [c]: { totalQty: 5 }, [d]: { status: 'Hold' } }, add: 1 });
    return { rows: rows.filter((r) => [c, d].includes(r.orderNo) || r === rows[rows.length - 1]).map(asText).sort(byOrder), removed: [{ orderNo: a }, { orderNo: b }].sort(byOrder) };
  }

  /** The export job the simulator ran for this output format, once completed. */
  async function exportJob(outputFormat) {
    const deadline = Date.now() + 30000;
    for (;;) {
      const job = sim.listJobs().find((j) => j.subCategoryName === 'View export' && String(j.jobDescription).endsWith(` as ${outputFormat}`));
      if (job && job.jobStatus === 'Completed') return job;
      if (Date.now() > deadline) throw new Error(`no completed ${outputFormat} export; jobs: ${JSON.stringify(sim.listJobs().map((j) => j.jobDescription))}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Waits until `count()` reaches `n`, then a while longer, so that a duplicate would show. */
  async function settle(count, n, what) {
    const deadline = Date.now() + 40000;
    while (count() < n) {
      if (Date.now() > deadline) throw new Error(`${what}: ${count()} of ${n} within 40 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2000));
  }

  it('export-rows-to-mqtt.json publishes each row of the export as JSON, once, to aims360/orders/open', async () => {
    await clickInject(red().url, injectOf('export-rows-to-mqtt').id);
    const job = await exportJob('CSV');
    // The rows as the simulator serves them: its CSV document, read here independently.
    const [doc] = JSON.parse(job.response);
    const res = await fetch(doc.DownloadLink, { headers: { authorization: `Bearer ${TOKEN}` } });
    res.status.should.equal(200);
    const expected = parse(await res.text(), { columns: true });
    expected.should.have.length(ROWS);

    const rows = () => broker.published.filter((p) => p.topic === TOPIC);
    await settle(() => rows().length, ROWS, 'rows published');
    const got = rows().map((p) => JSON.parse(p.payload));
    got.should.have.length(ROWS);
    new Set(got.map((r) => r.orderNo)).size.should.equal(ROWS);
    // The example hands on typed values: each cell is the CSV's text, as a number where that
    // text is one exactly (12), text where a number would change it (78.00).
    got.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)]))).should.eql(expected);
    got.every((row) => typeof row.totalQty === 'number').should.be.true('totalQty handed on as numbers');
    got.filter((row) => typeof row.totalAmount === 'string').every((row) => /\.\d0$/.test(row.totalAmount)).should.be.true('only amounts a number would change stay text');
    rows().every((p) => p.qos === 1).should.be.true();
    // Nothing else was published, on any topic.
    broker.published.length.should.equal(ROWS);
  });

  it('export-rows-to-mqtt.json, run again: nothing when the view is unchanged; then only the changed rows and the removed keys', async () => {
    const before = broker.published.length;
    await run('export-rows-to-mqtt');
    broker.published.length.should.equal(before);

    const expected = changeView();
    await run('export-rows-to-mqtt');
    const now = () => broker.published.slice(before);
    await settle(() => now().length, 5, 'changes published');
    now().filter((p) => p.topic === TOPIC).map((p) => asText(JSON.parse(p.payload))).sort(byOrder).should.eql(expected.rows);
    now().filter((p) => p.topic === REMOVED_TOPIC).map((p) => JSON.parse(p.payload)).sort(byOrder).should.eql(expected.removed);
    now().should.have.length(5);
  });

  it('export-to-webhook.json POSTs each row of the export as JSON to the webhook, once', async () => {
    // The view as the MQTT test left it: its own export data node has not seen it yet.
    const expected = sim.viewRows(...VIEW).map(asText).sort(byOrder);
    await run('export-to-webhook');
    await settle(() => receiver.requests.length, expected.length, 'webhook requests');
    receiver.requests.should.have.length(expected.length);
    for (const request of receiver.requests) {
      request.method.should.equal('POST');
      request.path.should.equal('/aims360-webhook');
      request.headers['content-type'].should.match(/^application\/json/);
      request.headers['x-aims360-change'].should.equal('changed');
      // The token went to the API only.
      JSON.stringify(request.headers).should.not.containEql(TOKEN);
    }
    receiver.requests.map((r) => asText(JSON.parse(r.body))).sort(byOrder).should.eql(expected);
  });

  it('export-to-webhook.json, run again: nothing when the view is unchanged; then one POST per changed row and per removed key', async () => {
    const before = receiver.requests.length;
    await run('export-to-webhook');
    receiver.requests.length.should.equal(before);

    const expected = changeView();
    await run('export-to-webhook');
    const now = () => receiver.requests.slice(before);
    await settle(() => now().length, 5, 'webhook requests');
    const of = (change) => now().filter((r) => r.headers['x-aims360-change'] === change).map((r) => JSON.parse(r.body));
    of('changed').map(asText).sort(byOrder).should.eql(expected.rows);
    of('removed').sort(byOrder).should.eql(expected.removed);
    now().should.have.length(5);
  });
});
