// The AIMS360 simulator, simulator/tables.ts (EditedViews) and control.ts: a view whose rows
// change between exports (added, changed, removed), over /_sim/views/<source>/<view>/rows.
require('should');
const { parse } = require('csv-parse/sync');
const { useSimulator, AUTH } = require('../support/simulator');

describe('AIMS360 simulator: views whose rows change between exports', function () {
  let sim;
  const { postJson, documentsOf } = useSimulator((started) => (sim = started));
  const ROWS = '/_sim/views/Orders/Open%20Orders/rows';

  const control = async (method, body) => {
    const res = await fetch(`${sim.url}${ROWS}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  /** The rows an export of Orders / Open Orders serves now, as CSV text cells (or in-line JSON). */
  async function exported(outputFormat = 'CSV') {
    sim.setConfig({ exportQueuedMs: 0, exportRunMs: 0 });
    const answer = await (await postJson('/reports/v1.0/reports/exportdata', {
      exportType: 'View', exportDataSettings: { Source: 'Orders', viewName: 'Open Orders' }, exportCriteriaVersion: 'v1.0', outputFormat, publishLinkAccessScope: 'Private',
    })).json();
    const job = sim.getJob(answer.jobId);
    if (outputFormat === 'JSON') return JSON.parse(job.response);
    const res = await fetch(documentsOf(job)[0].DownloadLink, { headers: AUTH });
    return parse(await res.text(), { columns: true });
  }

  it('serves the generated rows until edited; edits add, change and remove rows by their first column', async () => {
    sim.setConfig({ exportRows: 3 });
    const first = (await control('GET')).body;
    first.map((r) => r.orderNo).should.eql(['SO100000', 'SO100002', 'SO100005']);
    (await exported()).map((r) => r.orderNo).should.eql(['SO100000', 'SO100002', 'SO100005']);

    const edited = await control('PATCH', { remove: ['SO100002'], change: { SO100000: { totalQty: 7, status: 'Hold' } }, add: 2 });
    edited.status.should.equal(200);
    // Additions continue the view's generated rows.
    edited.body.map((r) => r.orderNo).should.eql(['SO100000', 'SO100005', 'SO100007', 'SO100010']);
    edited.body[0].should.match({ totalQty: 7, status: 'Hold', customer: first[0].customer });
    const csv = await exported();
    csv.map((r) => r.orderNo).should.eql(['SO100000', 'SO100005', 'SO100007', 'SO100010']);
    csv[0].should.match({ totalQty: '7', status: 'Hold' });
    // Money keeps its two decimals.
    csv[1].totalAmount.should.match(/^\d+\.\d\d$/);
    (await exported('JSON')).map((r) => r.orderNo).should.eql(['SO100000', 'SO100005', 'SO100007', 'SO100010']);

    // Whole rows may be added too; missing columns are empty.
    (await control('POST', { add: [{ orderNo: 'SO999999', customer: 'Test Shop', totalQty: 1 }] })).body.pop()
      .should.match({ orderNo: 'SO999999', customer: 'Test Shop', totalQty: 1, status: '' });

    (await control('DELETE')).status.should.equal(204);
    (await exported()).map((r) => r.orderNo).should.eql(['SO100000', 'SO100002', 'SO100005']);
  });

  it('an export keeps the rows it was started with; reset() forgets every edit', async () => {
    sim.setConfig({ exportRows: 2, exportQueuedMs: 0, exportRunMs: 0 });
    sim.editViewRows('Orders', 'Open Orders', { add: 1, change: { SO100000: { totalQty: 7 } } });
    const answer = await (await postJson('/reports/v1.0/reports/exportdata', {
      exportType: 'View', exportDataSettings: { Source: 'Orders', viewName: 'Open Orders' }, exportCriteriaVersion: 'v1.0', outputFormat: 'CSV', publishLinkAccessScope: 'Private',
    })).json();
    sim.editViewRows('Orders', 'Open Orders', { remove: ['SO100000'], change: { SO100002: { totalQty: 8 } } });
    const res = await fetch(documentsOf(sim.getJob(answer.jobId))[0].DownloadLink, { headers: AUTH });
    const rows = parse(await res.text(), { columns: true });
    rows.map((r) => r.orderNo).should.eql(['SO100000', 'SO100002', 'SO100005']);
    rows[0].totalQty.should.equal('7');
    rows[1].totalQty.should.not.equal('8');
    sim.reset();
    sim.viewRows('Orders', 'Open Orders').should.have.length(25);
  });

  it('refuses an edit that names no row, a column it does not have, or a row id twice: nothing changes', async () => {
    sim.setConfig({ exportRows: 2 });
    const before = (await control('GET')).body;
    for (const edits of [
      { remove: ['SO100000', 'NOPE'] },
      { remove: ['SO100000'], change: { SO100002: { colour: 'RED' } } },
      { change: { SO100002: { orderNo: 'SO1' } } },
      { change: { SO100002: { totalQty: { n: 1 } } } },
      { remove: ['SO100000'], add: [{ orderNo: 'SO100002' }] },
      { add: -1 },
      [],
    ]) {
      const res = await control('PATCH', edits);
      res.status.should.equal(400, JSON.stringify(edits));
      res.body.error.should.be.a.String();
    }
    (await control('GET')).body.should.eql(before);
  });
});
