// The export examples that hand rows on to other systems, deployed from the packed
// package against the simulator: every row of the export reaches a real MQTT broker
// (one message per row) and a webhook (one POST with them all), each exactly once.
require('should');
const { parse } = require('csv-parse/sync');
const { usePackedNodeRed } = require('../support/packed');
const { startSim, TOKEN } = require('../support/sim');
const { startBroker, startReceiver } = require('../support/receivers');
const { clickInject } = require('../support/examples');
const { deploy } = require('../support/node-red-process');
const { exampleFlows } = require('../../scripts/example-flows.cjs');

const ROWS = 60;
const TOPIC = 'aims360/orders/open';
const FILES = ['export-rows-to-mqtt', 'export-to-webhook'];

describe('export examples deliver every row once: MQTT and a webhook', function () {
  this.timeout(60000);
  let sim;
  let broker;
  let receiver;
  let flows;
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
  });

  /** The two examples only, pointed at the simulator, the test's broker and the test's receiver. */
  before(async () => {
    const all = exampleFlows(sim.url, TOKEN, { mqtt: { host: broker.host, port: broker.port } });
    const tabs = new Set(FILES.map((f) => `tab-${f}`));
    flows = all.flows.filter((n) => tabs.has(n.id) || tabs.has(n.z) || (!n.z && n.type !== 'tab'));
    for (const n of flows.filter((x) => x.type === 'http request')) n.url = `${receiver.url}/aims360-webhook`;
    flows.filter((n) => n.type === 'http request').should.have.length(1);
    flows.filter((n) => n.type === 'mqtt-broker').should.have.length(1);
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

  it('export-to-webhook.json POSTs the export\'s rows as JSON to the webhook, once', async () => {
    await clickInject(red().url, injectOf('export-to-webhook').id);
    const job = await exportJob('JSON');
    job.responseType.should.equal('In-line JSON');
    const expected = JSON.parse(job.response);
    expected.should.have.length(ROWS);

    await settle(() => receiver.requests.length, 1, 'webhook requests');
    receiver.requests.should.have.length(1);
    const [request] = receiver.requests;
    request.method.should.equal('POST');
    request.path.should.equal('/aims360-webhook');
    request.headers['content-type'].should.match(/^application\/json/);
    const got = JSON.parse(request.body);
    got.should.have.length(ROWS);
    new Set(got.map((r) => r.orderNo)).size.should.equal(ROWS);
    got.should.eql(expected);
    // The token went to the API only.
    JSON.stringify(request.headers).should.not.containEql(TOKEN);
  });
});
