// Every file in examples/ runs against the demo simulator through the packed and
// installed package: deployed with the admin API, quiet until its injects are
// clicked, then watched in the debug sidebar.
require('should');
const fs = require('node:fs');
const path = require('node:path');
const { usePackedNodeRed, examples } = require('../support/packed');
const { useSim, shorterExports, TOKEN } = require('../support/sim');
const { listen, debugFrom } = require('../support/comms');
const { expectations, checkShown, firesByItself, clickedInjects, clickInject } = require('../support/examples');
const { deploy, freePort } = require('../support/node-red-process');
const { exampleFlows } = require('../../scripts/example-flows.cjs');

describe('example flows, packed and installed, against the simulator', function () {
  this.timeout(60000);
  let comms;
  let deployedAt;
  const sim = useSim({ demo: true }, shorterExports);
  // node-red-node-mysql, which export-changes-to-database.json writes with, as a user installs it beside the pack.
  const red = usePackedNodeRed(() => ({ settings: { nodesDir: path.dirname(require.resolve('node-red-node-mysql/package.json')) } }));

  before(async () => {
    comms = await listen(red().url);
    // Every example on its own tab, its config node pointed at the simulator, the webhook
    // example posting to this Node-RED; its MQTT broker a port where none listens (the
    // rows reach a real broker in export-examples.test.js), not a broker of this machine.
    const nowhere = { host: '127.0.0.1', port: await freePort() };
    const { flows, credentials } = exampleFlows(sim().url, TOKEN, { nodeRedUrl: red().url, mqtt: nowhere });
    await deploy(red().url, flows.map((n) => (credentials[n.id] ? { ...n, credentials: credentials[n.id] } : n)));
    deployedAt = Date.now();
  });
  after(() => comms && comms.close());

  it('no example fires an inject by itself (on Deploy or a schedule left on), and their server says it is the simulator', () => {
    for (const { file, flow } of examples()) {
      flow.filter(firesByItself).map((n) => n.name || n.id).should.eql([], `${file} fires injects by itself`);
      for (const server of flow.filter((n) => n.type === 'aims360-config')) server.name.should.equal('AIMS360 simulator — change before use');
    }
  });

  it('deploying every example sends nothing to the API but job events\' watching, and writes no file within 10 s', async () => {
    await new Promise((r) => setTimeout(r, Math.max(0, deployedAt + 10000 - Date.now())));
    // Job events nodes start watching on Deploy: reads of the jobs query only (they send nothing for jobs already ended).
    const watching = examples().some(({ flow }) => flow.some((n) => n.type === 'aims360-job-events'));
    sim().log.map((e) => `${e.method} ${e.path}`).filter((call) => !(watching && call === 'GET /jobsmanagement/odata/v1.0/backgroundjob')).should.eql([]);
    fs.readdirSync(red().userDir).filter((f) => /^aims360-/.test(f)).should.eql([]);
    // What a user clicks next.
    for (const { flow } of examples()) {
      for (const inject of clickedInjects(flow)) await clickInject(red().url, inject.id);
    }
  });

  const shown = (id) => (event) => event.topic === 'debug' && event.data && event.data.id === id;

  for (const { file, flow } of examples()) {
    it(`${file}: every debug node shows what the example is for`, async () => {
      const expected = expectations(flow);
      expected.some((e) => e.kind === 'result').should.be.true(`${file} has no debug node on a normal path`);
      for (const e of expected.filter((x) => x.kind !== 'silent')) {
        const event = await comms.waitFor(shown(e.id), 50000);
        checkShown(e, event.data);
      }
      for (const e of expected.filter((x) => x.kind === 'silent')) {
        const event = comms.events.find(shown(e.id));
        if (event) checkShown(e, event.data);
      }
    });
  }

  // What the end-to-end examples are for, beyond "something was shown".
  it('export-csv-to-file.json writes the export with a unit price column into the working directory', async () => {
    const written = await comms.waitFor(debugFrom('rows written'), 50000);
    written.data.msg.should.equal('25');
    const file = path.join(red().userDir, 'aims360-open-orders.csv');
    const header = 'orderNo,customer,customerPO,orderDate,startDate,cancelDate,status,warehouse,totalQty,totalAmount,unitPrice';
    const csv = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
    csv[0].should.equal(header);
    csv.should.have.length(26);
    const cells = csv[1].split(',');
    cells[0].should.equal('SO100000');
    const [qty, amount, unitPrice] = cells.slice(-3).map(Number);
    unitPrice.should.be.approximately(amount / qty, 0.01);
    // The Open Orders view: open orders only.
    csv.slice(1).map((line) => line.split(',')[header.split(',').indexOf('status')]).should.eql(Array(25).fill('Open'));
    // No failure was logged.
    fs.existsSync(path.join(red().userDir, 'aims360-export-failures.log')).should.be.false();

    // A second run writes a whole file again, header first.
    const seen = comms.events.length;
    const { flow } = examples().find((e) => e.file === 'export-csv-to-file.json');
    await clickInject(red().url, flow.find((n) => n.type === 'inject' && !n.d).id);
    await comms.waitFor((e) => comms.events.indexOf(e) >= seen && debugFrom('rows written')(e), 50000);
    const again = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
    again[0].should.equal(header);
    again.should.have.length(26);
  });

  it('export-open-orders.json shows the export\'s rows', async () => {
    const rows = await comms.waitFor(debugFrom('open order rows'), 50000);
    rows.data.format.should.equal('array[25]');
    rows.data.msg.should.containEql('"orderNo":"SO100000"');
  });

  it('export-to-webhook.json posts the rows, one by one, to its own http in node, which answers 204', async () => {
    (await comms.waitFor(debugFrom('webhook received'), 50000)).data.format.should.equal('Object');
    (await comms.waitFor(debugFrom('webhook answered'), 50000)).data.msg.should.equal('204');
  });

  it('rerun-failed-jobs.json reruns the two jobs that failed in the last day, not last week\'s', async () => {
    const found = await comms.waitFor(debugFrom('failed jobs found'), 50000);
    // Not demo-export-failed either: the rerun job example's job failed before the last day.
    found.data.msg.should.equal('2');
    (await comms.waitFor(debugFrom('completed after rerun'), 50000)).data.msg.should.not.equal('demo-last-week-export-failed');
    (await comms.waitFor(debugFrom('failed again'), 50000)).data.msg.should.match(/warehouse system was offline/);
    comms.events.filter(debugFrom('completed after rerun')).map((e) => e.data.msg).should.not.containEql('demo-last-week-export-failed');
  });

  it('job-events-alert-on-failed-jobs.json: a job that fails after Deploy reaches the chat webhook as a readable line', async () => {
    // The try-it job's failure: the rerun example's job failing again is an event too, and may come first.
    const received = await comms.waitFor((e) => debugFrom('chat received')(e) && /the warehouse system did not answer/.test(e.data.msg), 50000);
    JSON.parse(received.data.msg).text.should.match(/^AIMS360 job failed: Nightly Stock Sync \([\w-]+\) at .+\. Nightly stock sync failed: the warehouse system did not answer\.$/);
  });

  it('job-events-fetch-completed-exports.json writes each export that completes after Deploy to a file', async () => {
    const written = await comms.waitFor(debugFrom('export saved'), 50000);
    const file = path.resolve(red().userDir, written.data.msg);
    file.startsWith(path.join(red().userDir, 'aims360-exports')).should.be.true(file);
    fs.readFileSync(file, 'utf8').split(/\r?\n/)[0].should.startWith('orderNo,customer');
  });

  it('progress-display.json shows a growing bar, then the finished job', async () => {
    await comms.waitFor(debugFrom('export finished'), 50000);
    const bars = comms.events.filter(debugFrom('export progress')).map((e) => e.data.msg);
    bars.length.should.be.above(2);
    bars[bars.length - 1].should.match(/^■{10} 100% Completed$/);
    bars.some((b) => /% Inprogress$/.test(b)).should.be.true(bars.join(' | '));
  });
});
