// Typed values in fetch output and export data: CSV cells that are exactly a number or boolean
// are handed on as one; new nodes have it on, nodes saved before it keep text.
require('should');
const { helper, baseFlow, load, next, collect, wait, useSimAndNodeRed } = require('./support/red');
const { startSim, TOKEN } = require('./support/sim');
const { spec: fetchSpec } = require('../dist/nodes/fetch-output/spec.js');
const { spec: exportSpec } = require('../dist/nodes/export/spec.js');
const { migrate } = require('../dist/src/lib/rules.js');

const creds = { server: { token: TOKEN } };
const FAST = { interval: '0.05', maxInterval: '0.1', timeout: '20' };
const VIEW = { source: 'Orders', sourceType: 'str', viewName: 'All orders', viewNameType: 'str' };

const CSV = 'qty,neg,yes,no,zip,exp,price,plus,space,code,nan,inf,empty,upper\n' +
  '12,-3.5,true,false,00123,1e3,12.50,+5," 7",12345678901234567890,NaN,Infinity,,TRUE\n';
const TEXT = {
  qty: '12', neg: '-3.5', yes: 'true', no: 'false', zip: '00123', exp: '1e3', price: '12.50', plus: '+5', space: ' 7',
  code: '12345678901234567890', nan: 'NaN', inf: 'Infinity', empty: '', upper: 'TRUE',
};
const TYPED = { ...TEXT, qty: 12, neg: -3.5, yes: true, no: false };

/** As the editor saves a node today (settings version and all). */
const NEW_FETCH = { version: String(fetchSpec.version) };
const NEW_EXPORT = { version: String(exportSpec.version) };

describe('typed values: settings version 2', () => {
  it('a node saved before it (no version, or version 1) gets typed values off; a later one keeps its own', () => {
    for (const spec of [fetchSpec, exportSpec]) {
      spec.version.should.equal(2);
      spec.settings.typedValues.value.should.equal(true);
      migrate(spec, {}).should.containEql({ typedValues: false, version: 2 });
      migrate(spec, { version: '1', format: 'rows' }).should.containEql({ typedValues: false, format: 'rows' });
      migrate(spec, { version: '1', typedValues: true }).typedValues.should.equal(true);
      (migrate(spec, { version: '2' }).typedValues === undefined).should.be.true();
    }
  });
});

describe('typed values (fetch output and export data)', function () {
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  beforeEach(() => {
    sim = currentSim();
    sim.setConfig({ exportQueuedMs: 50, exportRunMs: 150 });
  });

  function fetchFlow(props) {
    return [
      ...baseFlow(sim),
      { id: 'node', type: 'aims360-fetch-output', z: 'tab', server: 'server', jobId: 'job-csv', jobIdType: 'str', wires: [['out']], ...props },
      { id: 'out', type: 'helper', z: 'tab' },
    ];
  }

  /** Every payload a fetch output node with `props` sends for one message, once it completed. */
  async function fetched(props, document = { name: 'cells.csv', content: CSV }) {
    sim.addJob({ jobId: 'job-csv', scope: 'Public', documents: [document] });
    await load(fetchFlow(props), creds);
    const out = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    const completed = next(helper.getNode('completed'), helper.getNode('caught'));
    helper.getNode('node').receive({});
    await completed;
    caught.should.eql([]);
    await helper.unload();
    return out.map((m) => m.payload);
  }

  for (const [format, extra, payloadOf] of [
    ['rows', {}, ([rows]) => rows[0]],
    ['auto', {}, ([rows]) => rows[0]],
    ['stream-rows', { rowsPerMessage: '1' }, ([row]) => row],
  ]) {
    it(`hands on numbers and booleans that round-trip exactly, with format ${format}, in a new node`, async () => {
      payloadOf(await fetched({ ...NEW_FETCH, format, ...extra, typedValues: true })).should.eql(TYPED);
      // A node of this version saved without the setting: the spec's default, on.
      payloadOf(await fetched({ ...NEW_FETCH, format, ...extra })).should.eql(TYPED);
    });

    it(`keeps every CSV cell as text with format ${format} in a node saved before typed values, or with it off`, async () => {
      payloadOf(await fetched({ format, ...extra })).should.eql(TEXT);
      payloadOf(await fetched({ ...NEW_FETCH, format, ...extra, typedValues: false })).should.eql(TEXT);
    });
  }

  it('leaves text, and XLSX cells as the workbook types them (a text cell "12" stays text)', async () => {
    (await fetched({ ...NEW_FETCH, format: 'utf8', typedValues: true })).should.eql([CSV]);
    const { default: writeXlsx } = await import('write-excel-file/node');
    const content = await writeXlsx([
      [{ value: 'asText' }, { value: 'flag' }, { value: 'qty' }],
      [{ value: '12' }, { value: 'true' }, { value: 7 }],
    ]).toBuffer();
    const xlsx = { name: 'cells.xlsx', format: 'xlsx', content };
    const rows = { asText: '12', flag: 'true', qty: 7 };
    for (const format of ['rows', 'auto']) (await fetched({ ...NEW_FETCH, format, typedValues: true }, xlsx)).should.eql([[rows]]);
    (await fetched({ ...NEW_FETCH, format: 'stream-rows', rowsPerMessage: '1', typedValues: true }, xlsx)).should.eql([rows]);
  });

  function exportFlow(props) {
    return [
      ...baseFlow(sim),
      { id: 'node', type: 'aims360-export', z: 'tab', server: 'server', ...VIEW, ...FAST, format: 'rows', wires: [['out']], ...props },
      { id: 'out', type: 'helper', z: 'tab' },
    ];
  }

  async function exported(props) {
    await load(exportFlow(props), creds);
    const answer = next(helper.getNode('out'), helper.getNode('caught'));
    helper.getNode('node').receive({});
    const msg = await answer;
    await helper.unload();
    return msg;
  }

  it('export data: a new node hands on quantities as numbers, and order numbers and prices like 78.00 as text', async () => {
    const { payload: [first, second] } = await exported({ ...NEW_EXPORT, typedValues: true });
    first.should.match({ orderNo: 'SO100000', orderDate: '2026-01-05', totalQty: 12, totalAmount: '78.00' });
    second.should.match({ totalQty: 65, totalAmount: 485.55 });
  });

  it('export data: a node saved before typed values keeps every cell as text', async () => {
    const { payload: [first] } = await exported({});
    first.should.match({ orderNo: 'SO100000', totalQty: '12', totalAmount: '78.00' });
  });

  for (const [type, flowOf, current] of [['aims360-fetch-output', fetchFlow, NEW_FETCH], ['aims360-export', exportFlow, NEW_EXPORT]]) {
    it(`${type}: refuses a typed values setting that is not true or false at deploy, with a red status and a clear message`, async () => {
      await load(flowOf({ ...current, typedValues: 'yes' }), creds);
      const caught = collect(helper.getNode('caught'));
      const statuses = collect(helper.getNode('statuses'));
      helper.getNode('node').receive({});
      while (caught.length === 0) await wait(10);
      caught[0].error.code.should.equal('BAD_INPUT');
      caught[0].error.message.should.equal('Typed values must be true or false.');
      statuses.pop().status.should.match({ fill: 'red', text: 'BAD_INPUT: typed values must be true or false' });
      sim.log.length.should.equal(0);
    });
  }
});
