// examples/export-changes-to-database.json end to end: the packed package and
// node-red-node-mysql in a real Node-RED, the simulator's Orders / Open Orders view changing
// between runs, and a private MariaDB server (test/support/mariadb.js). After every run the
// table holds exactly the view's rows; a run that fails half way leaves it as it was.
require('should');
const path = require('node:path');
const { usePackedNodeRed } = require('../support/packed');
const { startSim, TOKEN } = require('../support/sim');
const { useMariaDb } = require('../support/mariadb');
const { listen, debugFrom } = require('../support/comms');
const { clickInject } = require('../support/examples');
const { deploy } = require('../support/node-red-process');
const { exampleFlows, examples } = require('../../scripts/example-flows.cjs');

const FILE = 'export-changes-to-database';
const MYSQL_NODE = path.dirname(require.resolve('node-red-node-mysql/package.json'));
const TABLE = 'aims360_open_orders';
const SOURCE = 'Orders';
const VIEW = 'Open Orders';
const ENV = ['AIMS360_DB_HOST', 'AIMS360_DB_PORT', 'AIMS360_DB_NAME'];
const WRITTEN = 'test: database node done';

describe('export-changes-to-database.json: export data, changes only, into MariaDB', function () {
  this.timeout(120000);
  const db = useMariaDb();
  const saved = {};
  let sim;
  let comms;
  let table;

  const { flow } = examples().find((e) => e.file === `${FILE}.json`);
  const inject = flow.find((n) => n.type === 'inject' && !n.d);
  const writer = flow.find((n) => n.type === 'mysql');
  const database = flow.find((n) => n.type === 'MySQLdatabase');

  // Node-RED reads the database's address from its environment, as a user's would.
  before(async () => {
    for (const name of ENV) saved[name] = process.env[name];
    Object.assign(process.env, { AIMS360_DB_HOST: db().host, AIMS360_DB_PORT: String(db().port), AIMS360_DB_NAME: db().database });
    sim = await startSim();
    sim.setConfig({ exportRows: 20, exportQueuedMs: 0, exportRunMs: 300 });
    table = await db().connect(db().database);
  });
  after(async () => {
    for (const name of ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    if (comms) comms.close();
    if (table) await table.end();
    if (sim) await sim.close();
  });
  const red = usePackedNodeRed(() => ({ settings: { nodesDir: MYSQL_NODE } }));

  // The example alone, as shipped but for its AIMS360 config node (the simulator) and the
  // database's user and password, typed into its credentials.
  before(async () => {
    comms = await listen(red().url);
    const all = exampleFlows(sim.url, TOKEN);
    const tab = `tab-${FILE}`;
    const flows = all.flows.filter((n) => n.id === tab || n.z === tab || (!n.z && n.type !== 'tab' && flow.some((f) => f.id === n.id)));
    const credentials = { ...all.credentials, [database.id]: { user: db().user, password: db().password } };
    // The test's own: a message when the database node has finished a run, well or not (its
    // status repeats the last one as a message arrives, so the status alone does not say).
    flows.push(
      { id: 'test-written', type: 'complete', z: tab, scope: [writer.id], uncaught: false, x: 800, y: 300, wires: [['test-written-debug']] },
      { id: 'test-written-debug', type: 'debug', z: tab, name: WRITTEN, active: true, tosidebar: true, complete: 'false', x: 900, y: 300, wires: [] },
    );
    await deploy(red().url, flows.map((n) => (credentials[n.id] ? { ...n, credentials: credentials[n.id] } : n)));
    // The deploy answers before the config node has connected.
    await comms.waitFor((e) => e.topic === `status/${writer.id}` && e.data && e.data.text === 'connected', 30000);
  });

  /** Clicks the example's inject; resolves with the run's msg.changes and how the write went. */
  async function run() {
    const seen = comms.events.length;
    const after = (predicate) => (e) => comms.events.indexOf(e) >= seen && predicate(e);
    await clickInject(red().url, inject.id);
    const ended = await comms.waitFor(after((e) => debugFrom('export error')(e) || debugFrom(WRITTEN)(e)), 60000);
    if (ended.data.name === 'export error') return { exportError: JSON.parse(ended.data.msg).code };
    // The node sets its status, then completes the message.
    const status = comms.events.slice(0, comms.events.indexOf(ended)).reverse().find((e) => e.topic === `status/${writer.id}`).data.text;
    const changes = comms.events.find(after(debugFrom('changes this run')));
    return { written: status === 'OK', status, changes: changes && JSON.parse(changes.data.msg) };
  }

  /** Rows as text, ordered by order number: the view's (money with two decimals, as exported) or the table's (an empty cell is NULL there). */
  const cell = (k, v) => (v === null ? '' : k === 'totalAmount' && typeof v === 'number' ? v.toFixed(2) : String(v));
  const text = (rows) => rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, cell(k, v)])))
    .sort((a, b) => a.orderNo.localeCompare(b.orderNo));
  const viewRows = () => text(sim.viewRows(SOURCE, VIEW));
  const tableRows = async () => text((await table.query({ sql: `SELECT * FROM ${TABLE}`, dateStrings: true }))[0]);

  it('holds no address, user or password: the database node reads the environment and its credentials; the schedule is off', () => {
    database.should.match({ host: '${AIMS360_DB_HOST}', port: '${AIMS360_DB_PORT}', db: '${AIMS360_DB_NAME}' });
    for (const node of flow) Object.keys(node).should.not.containDeep(['credentials', 'user', 'password']);
    flow.filter((n) => n.type === 'inject').map((n) => ({ repeat: n.repeat, disabled: n.d === true }))
      .should.eql([{ repeat: '', disabled: false }, { repeat: '900', disabled: true }]);
  });

  it('three runs: the first writes every row, the next add, change and remove rows; the table equals the view after each', async () => {
    const first = await run();
    first.should.match({ written: true, changes: { added: 20, changed: 0, removed: 0, unchanged: 0 } });
    (await tableRows()).should.eql(viewRows());

    const [a, b, c, d, e] = sim.viewRows(SOURCE, VIEW).map((r) => r.orderNo);
    sim.editViewRows(SOURCE, VIEW, { remove: [a, b, c], change: { [d]: { totalQty: 9, status: 'Hold' }, [e]: { totalAmount: 1234.5 } }, add: 2 });
    const second = await run();
    second.should.match({ written: true, changes: { added: 2, changed: 2, removed: 3, unchanged: 15 } });
    (await tableRows()).should.eql(viewRows());
    (await tableRows()).find((r) => r.orderNo === e).totalAmount.should.equal('1234.50');

    sim.editViewRows(SOURCE, VIEW, { remove: [d], change: { [e]: { customer: 'Corner Store' } }, add: [{ orderNo: 'SO999001', customer: 'New Shop', orderDate: '2026-12-01', status: 'Open', totalQty: 3, totalAmount: 45 }] });
    const third = await run();
    third.should.match({ written: true, changes: { added: 1, changed: 1, removed: 1, unchanged: 17 } });
    (await tableRows()).should.eql(viewRows());
  });

  it('a run with no change writes nothing and the table stays equal to the view', async () => {
    const before = await tableRows();
    const quiet = await run();
    quiet.should.match({ written: true, changes: { added: 0, changed: 0, removed: 0, unchanged: 19 } });
    (await tableRows()).should.eql(before);
    before.should.eql(viewRows());
  });

  it('a download cut half way changes nothing; the next run catches up', async () => {
    const before = await tableRows();
    const [a] = sim.viewRows(SOURCE, VIEW).map((r) => r.orderNo);
    sim.editViewRows(SOURCE, VIEW, { remove: [a], add: 1 });
    sim.setConfig({ serveRanges: false });
    sim.addFault({ type: 'cut', atByte: 600, times: -1 });
    const failed = await run();
    failed.should.have.property('exportError');
    (await tableRows()).should.eql(before);

    sim.clearFaults();
    sim.setConfig({ serveRanges: true });
    const next = await run();
    next.should.match({ written: true, changes: { added: 1, removed: 1 } });
    (await tableRows()).should.eql(viewRows());
  });

  it('a row the database refuses rolls the whole run back: removed rows stay, no row is written', async () => {
    const before = await tableRows();
    const [a, b, c] = sim.viewRows(SOURCE, VIEW).map((r) => r.orderNo);
    // The delete runs first, then the upsert fails on the bad number: one transaction undoes both.
    sim.editViewRows(SOURCE, VIEW, { remove: [a, b], change: { [c]: { totalQty: 'lots' } }, add: 1 });
    const failed = await run();
    failed.written.should.be.false();
    failed.status.should.match(/ER_TRUNCATED_WRONG_VALUE_FOR_FIELD|WARN_DATA_TRUNCATED/);
    (await tableRows()).should.eql(before);
    // Nothing was left open on the connection: a later write from another session is not blocked.
    await table.query('SET SESSION innodb_lock_wait_timeout = 1');
    await table.query(`UPDATE ${TABLE} SET status = status WHERE orderNo = ?`, [a]);
  });
});
