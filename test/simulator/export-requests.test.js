// The AIMS360 simulator, simulator/export-requests.ts and tables.ts: data exports (exportdata) and the documented System Views.
require('should');
const readXlsx = require('read-excel-file/node').default;
const { useSimulator, AUTH, sleep } = require('../support/simulator');

describe('AIMS360 simulator', function () {
  let sim;
  const { get, postJson, documentsOf, another } = useSimulator((started) => (sim = started));

  describe('exportdata', () => {
    const exportData = (body, headers = AUTH) => postJson('/reports/v1.0/exportdata', body, headers);

    it('creates a queued job with a publish link that completes with the document', async () => {
      sim.setConfig({ exportQueuedMs: 50, exportRunMs: 100 });
      const res = await exportData({ exportType: 'View', outputFormat: 'csv', publishLinkAccessScope: 'Public' });
      res.status.should.equal(200);
      const answer = await res.json();
      answer.jobStatus.should.equal('Queued');
      answer.publishLinkAccessScope.should.equal('PUBLIC');
      answer.publishLink.should.startWith(`${sim.url}/documentmanagement/`);
      const queued = sim.getJob(answer.jobId);
      queued.jobStatus.should.equal('Queued');
      queued.responseType.should.equal('Publishlink');
      await sleep(200);
      sim.getJob(answer.jobId).jobStatus.should.equal('Completed');
      const doc = await fetch(answer.publishLink);
      doc.status.should.equal(200);
      (await doc.text()).should.startWith('style,');
    });

    it('uses default timings, In-line JSON for JSON, xlsx for Excel', async () => {
      const json = await (await exportData({ exportType: 'View', outputFormat: 'JSON' })).json();
      const jsonJob = sim.getJob(json.jobId);
      jsonJob.responseType.should.equal('In-line JSON');
      jsonJob.jobStatus.should.equal('Queued');
      (json.publishLink === null).should.be.true();
      json.publishLinkAccessScope.should.equal('PRIVATE');
      const excel = await (await exportData({ exportType: 'Report', outputFormat: 'Excel', publishLinkAccessScope: 'PeopleInOrganization' })).json();
      excel.publishLinkAccessScope.should.equal('PEOPLEINORGANIZATION');
      sim.setJob(excel.jobId, { jobStatus: 'Completed' });
      documentsOf(sim.getJob(excel.jobId))[0].Type.should.equal('.xlsx');
    });

    it('refuses bad input and missing auth', async () => {
      (await exportData({ outputFormat: 'docx' })).status.should.equal(400);
      (await exportData({ outputFormat: 'csv', publishLinkAccessScope: 'Everyone' })).status.should.equal(400);
      (await get('/reports/v1.0/exportdata', { ...AUTH, 'content-type': 'application/json' }, { method: 'POST', body: '{nope' })).status.should.equal(400);
      (await exportData({ outputFormat: 'csv' }, {})).status.should.equal(401);
      (await get('/reports/v1.0/exportdata')).status.should.equal(405);
    });
  });

  describe('documented data exports', () => {
    const LATEST = '/reports/v1.0/reports/exportdata';
    const EARLIER = '/reports/v1.0/exportdata';
    // The documentation's one full example, verbatim.
    const DOC_BODY = { exportType: 'View', exportDataSettings: { Source: 'Orders', viewName: 'All orders' }, exportCriteriaVersion: 'v1.0', outputFormat: 'JSON', publishLinkAccessScope: 'Public' };
    const ORDER_COLUMNS = ['orderNo', 'customer', 'customerPO', 'orderDate', 'startDate', 'cancelDate', 'status', 'warehouse', 'totalQty', 'totalAmount'];
    const body = (over = {}, settings = {}) => ({ ...DOC_BODY, ...over, exportDataSettings: { ...DOC_BODY.exportDataSettings, ...settings } });
    const started = async (p, b) => {
      const res = await postJson(p, b);
      const answer = await res.json();
      res.status.should.equal(200, JSON.stringify(answer));
      return answer;
    };
    /** The finished job's output: In-line rows, or the first document's response. */
    const output = async (answer, headers = {}) => {
      sim.setJob(answer.jobId, { jobStatus: 'Completed' });
      const job = sim.getJob(answer.jobId);
      if (job.responseType === 'In-line JSON') return { job, rows: JSON.parse(job.response) };
      const [doc] = documentsOf(job);
      return { job, doc, res: await fetch(doc.DownloadLink, { headers }) };
    };
    const csvLines = async (res) => (await res.text()).trim().split('\n');

    it('accepts the documented body on both paths: a queued job with a timestamped GUID, its scope in capitals, small JSON In-line', async () => {
      for (const p of [LATEST, EARLIER]) {
        const answer = await started(p, DOC_BODY);
        answer.should.have.keys('jobId', 'jobStatus', 'publishLink', 'publishLinkAccessScope');
        answer.jobId.should.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d{17}$/);
        answer.jobStatus.should.equal('Queued');
        answer.publishLinkAccessScope.should.equal('PUBLIC');
        const { job, rows } = await output(answer);
        job.subCategoryName.should.equal('View export');
        job.publishLinkAccessScope.should.equal('Public');
        rows.length.should.equal(25);
        Object.keys(rows[0]).should.eql(ORDER_COLUMNS);
        rows[1].should.eql({ orderNo: 'SO100001', customer: 'Coastal Kids', customerPO: 'PO-7013', orderDate: '2026-01-06', startDate: '2026-01-20', cancelDate: '2026-02-20', status: 'Hold', warehouse: 'WEST', totalQty: 65, totalAmount: 485.55 });
      }
      sim.log.map((e) => e.path).should.eql([LATEST, EARLIER]);
    });

    it('writes CSV and real Excel files with the columns of the Source, the same rows every time', async () => {
      const csv = await output(await started(LATEST, body({ outputFormat: 'csv' })));
      csv.doc.Type.should.equal('.csv');
      csv.doc.documentName.should.match(/^All_orders_\d{14}\.csv$/);
      const lines = await csvLines(csv.res);
      lines.length.should.equal(26);
      lines[0].should.equal(ORDER_COLUMNS.join(','));
      lines[1].should.equal('SO100000,Bloom Boutique,PO-7000,2026-01-05,2026-01-19,2026-02-19,Open,MAIN,12,78.00');
      const again = await output(await started(EARLIER, body({ outputFormat: 'CSV' })));
      (await csvLines(again.res)).should.eql(lines);

      const excel = await output(await started(LATEST, body({ outputFormat: 'excel' }, { Source: 'invoices', viewName: 'BALANCE OWING' })));
      excel.doc.Type.should.equal('.xlsx');
      const [sheet] = await readXlsx(Buffer.from(await excel.res.arrayBuffer()));
      sheet.data.length.should.equal(26);
      sheet.data[0].should.eql(['invoiceNo', 'orderNo', 'customer', 'invoiceDate', 'dueDate', 'terms', 'totalQty', 'invoiceAmount', 'balance']);
      sheet.data[1][0].should.equal('INV300000');
      sheet.data[2][7].should.be.a.Number();
    });

    it('serves a big JSON result as a .json document, and as many rows as exportRows says', async () => {
      sim.setConfig({ exportRows: 101 });
      const big = await output(await started(LATEST, DOC_BODY));
      big.job.responseType.should.equal('Publishlink');
      big.doc.Type.should.equal('.json');
      const rows = await big.res.json();
      rows.length.should.equal(101);
      rows[100].orderNo.should.equal('SO100100');
      sim.setConfig({ exportRows: 100 });
      (await output(await started(LATEST, DOC_BODY))).rows.length.should.equal(100);
      sim.setConfig({ exportRows: 3 });
      (await output(await started(LATEST, body({ outputFormat: 'csv' })))).doc.should.be.ok();
      (await csvLines((await output(await started(LATEST, body({ outputFormat: 'csv' })))).res)).length.should.equal(4);
    });

    it('keeps the requested scope: Public without auth, Private and PeopleInOrganization with the bearer token only', async () => {
      for (const [scope, shown] of [['private', 'PRIVATE'], ['People in Organization', 'PEOPLEINORGANIZATION'], ['PUBLIC', 'PUBLIC']]) {
        const answer = await started(LATEST, body({ outputFormat: 'CSV', publishLinkAccessScope: scope }));
        answer.publishLinkAccessScope.should.equal(shown);
        answer.publishLink.should.startWith(`${sim.url}/documentmanagement/v1.0/aimsdocument/`);
        const anonymous = await output(answer);
        anonymous.res.status.should.equal(shown === 'PUBLIC' ? 200 : 403, scope);
        (await fetch(answer.publishLink, { headers: AUTH })).status.should.equal(200);
      }
    });

    it('has plausible columns for common Sources and generic ones for the rest', async () => {
      const columnsOf = async (Source, viewName) => Object.keys((await output(await started(LATEST, body({}, { Source, viewName })))).rows[0]);
      (await columnsOf('Styles', 'Active Styles')).should.containEql('wholesalePrice');
      (await columnsOf('Purchase Orders', "Open PO's")).should.eql(['poNo', 'vendor', 'poDate', 'expectedDate', 'status', 'warehouse', 'totalQty', 'totalCost']);
      (await columnsOf('Shipments', 'All Shipments')).should.containEql('trackingNo');
      (await columnsOf('Invoices', 'All Invoices')).should.containEql('balance');
      const zip = (await output(await started(LATEST, body({}, { Source: 'Zip Codes', viewName: 'Default View' })))).rows;
      Object.keys(zip[0]).should.eql(['code', 'name', 'status', 'createdDate', 'modifiedDate', 'modifiedBy']);
      zip[0].should.containEql({ code: 'ZC1000', name: 'Zip Codes 1' });
    });

    it('answers 400 with the reason for a missing or wrong field, and starts no job', async () => {
      const cases = [
        [body({ exportType: undefined }), 'The exportType field is required.'],
        [body({ exportType: 'Report' }), "The exportType 'Report' is not supported. Use View."],
        // Without it the earlier path reads the older simulator body (below).
        [{ ...DOC_BODY, exportDataSettings: undefined }, 'The exportDataSettings field is required.', [LATEST]],
        [{ ...DOC_BODY, exportDataSettings: 'Orders' }, 'The exportDataSettings field must be an object.'],
        [body({}, { Source: '' }), 'The exportDataSettings.Source field is required.'],
        [body({}, { Source: 7 }), 'The exportDataSettings.Source field must be a string.'],
        [body({}, { viewName: undefined }), 'The exportDataSettings.viewName field is required.'],
        [body({}, { Source: 'Orderz' }), "The Source 'Orderz' is not valid."],
        [body({}, { viewName: 'Orders of the moon' }), "The view 'Orders of the moon' was not found for the Source 'Orders'."],
        [body({}, { Source: 'Styles' }), "The view 'All orders' was not found for the Source 'Styles'."],
        [body({ exportCriteriaVersion: undefined }), 'The exportCriteriaVersion field is required.'],
        [body({ exportCriteriaVersion: 'v2.0' }), "The exportCriteriaVersion 'v2.0' is not supported. Use v1.0."],
        [body({ outputFormat: undefined }), 'The outputFormat field is required.'],
        [body({ outputFormat: 'PDF' }), "The outputFormat 'PDF' is not valid. Use CSV, Excel or JSON."],
        [body({ publishLinkAccessScope: undefined }), 'The publishLinkAccessScope field is required.'],
        [body({ publishLinkAccessScope: 'Everyone' }), "The publishLinkAccessScope 'Everyone' is not valid. Use Public, Private or PeopleInOrganization."],
        [[DOC_BODY], 'The request is invalid.'],
      ];
      for (const [b, message, paths = [LATEST, EARLIER]] of cases) {
        for (const p of paths) {
          const res = await postJson(p, b);
          res.status.should.equal(400, `${p} ${JSON.stringify(b)}`);
          (await res.json()).should.eql({ Message: message });
        }
      }
      // The older simulator body is read on the earlier path only.
      (await postJson(LATEST, { exportType: 'View', outputFormat: 'csv' })).status.should.equal(400);
      (await postJson(LATEST, DOC_BODY, {})).status.should.equal(401);
      sim.listJobs().length.should.equal(0);
      // The documentation's lower-case `source` is read too.
      await started(LATEST, { ...DOC_BODY, exportDataSettings: { source: 'Orders', viewName: 'Open Orders' } });
    });

    it('exports custom views: one by default, more added, none after clearing, the default back on reset', async () => {
      const custom = (Source, viewName) => postJson(LATEST, body({}, { Source, viewName }));
      sim.listCustomViews().should.eql([{ source: 'Orders', viewName: 'My Open Orders' }]);
      (await custom('Orders', 'my open orders')).status.should.equal(200);
      (await custom('Orders', 'Weekly Bookings')).status.should.equal(400);
      sim.addCustomView({ source: 'orders', viewName: 'Weekly Bookings' });
      sim.addCustomView({ source: 'Showroom Samples', viewName: 'Everything' });
      sim.addCustomView({ source: 'Orders', viewName: 'WEEKLY BOOKINGS' }).length.should.equal(3);
      const weekly = await output(await started(LATEST, body({}, { Source: 'Orders', viewName: 'Weekly Bookings' })));
      Object.keys(weekly.rows[0]).should.eql(ORDER_COLUMNS);
      const samples = await output(await started(EARLIER, body({}, { Source: 'showroom samples', viewName: 'Everything' })));
      samples.rows[0].name.should.equal('Showroom Samples 1');
      (() => sim.addCustomView({ source: 'Orders' })).should.throw(/viewName/);
      sim.clearCustomViews();
      (await custom('Orders', 'My Open Orders')).status.should.equal(400);
      sim.reset();
      (await custom('Orders', 'My Open Orders')).status.should.equal(200);
      const none = await another({ customViews: [{ source: 'Styles', viewName: 'Core Basics' }] });
      none.listCustomViews().should.eql([{ source: 'Styles', viewName: 'Core Basics' }]);
    });

    it('switches either path to 404, as an API without it, until turned back on or reset', async () => {
      sim.setExportPathServed('latest', false);
      const missing = await postJson(LATEST, DOC_BODY, {});
      missing.status.should.equal(404);
      (await missing.json()).should.eql({ Message: 'No HTTP resource was found that matches the request URI' });
      (await get(LATEST)).status.should.equal(404);
      await started(EARLIER, DOC_BODY);
      sim.setExportPathServed('earlier', false);
      (await postJson(EARLIER, DOC_BODY)).status.should.equal(404);
      sim.setExportPathServed('latest', true);
      await started(LATEST, DOC_BODY);
      sim.reset();
      await started(EARLIER, DOC_BODY);
      (() => sim.setExportPathServed('newest', false)).should.throw();
      const old = await another({ exportPaths: { latest: false } });
      const oldPost = (p) => fetch(old.url + p, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify(DOC_BODY) });
      (await oldPost(LATEST)).status.should.equal(404);
      (await oldPost(EARLIER)).status.should.equal(200);
      old.reset();
      (await oldPost(LATEST)).status.should.equal(404);
    });
  });
});
