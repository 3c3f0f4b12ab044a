// The AIMS360 simulator, simulator/query.ts and odata-query-options.ts: the jobs query as the real endpoint answers it ($filter, $orderby,
// $top, $select, $count, strict encoding) and its paging.
require('should');
const { useSimulator, AUTH, JOBS, enc } = require('../support/simulator');

describe('AIMS360 simulator', function () {
  let sim;
  const { query, filter, ids } = useSimulator((started) => (sim = started));

  describe('job queries', () => {
    it('finds one job by jobId or jobID and answers the documented shape', async () => {
      sim.addJob({ jobId: 'job-1', category: 'Reports', subCategory: 'Production Forecasting Report' });
      sim.addJob({ jobId: 'job-2' });
      for (const field of ['jobId', 'jobID']) {
        const { status, body } = await filter(`${field} eq 'job-1'`);
        status.should.equal(200);
        body['@odata.context'].should.equal(`${sim.url}/jobsmanagement/odata/v1.0/$metadata#backgroundjob`);
        body.value.length.should.equal(1);
        const job = body.value[0];
        Object.keys(job).should.eql([
          '@odata.etag', 'categoryName', 'subCategoryName', 'jobDescription', 'clientRequestId', 'jobStatus', 'jobStatusText',
          'publishLink', 'requestURL', 'publishLinkAccessScope', 'percentCompleted', 'jobID', 'responseType', 'response',
          'startDate', 'completedDate', 'purgeDateTime', 'clientID', 'DatabaseName', 'accountCode', 'canReRun', 'createdBy',
          'createdDate', 'modifiedBy', 'modifiedDate',
        ]);
        job['@odata.etag'].should.match(/^W\/"[A-Za-z0-9+/=]+"$/);
        job.jobID.should.equal('job-1');
        job.jobStatus.should.equal('Completed');
        job.percentCompleted.should.equal(100);
        job.responseType.should.equal('In-line JSON');
        job.response.should.be.a.String();
        JSON.parse(job.response).should.be.an.Array();
        job.publishLinkAccessScope.should.equal('Private');
        job.canReRun.should.equal('Yes');
      }
    });

    it('generates real-looking ids and honours spellings and raw JSON responses', async () => {
      const job = sim.addJob();
      job.jobID.should.match(/^[0-9a-f-]{36}-\d{17}$/);
      sim.addJob({ jobId: 'spelled', idSpelling: 'jobId', scopeSpelling: 'PUBLIC', responseAsJson: true, inline: { a: 1 } });
      const { body } = await filter("jobId eq 'spelled'");
      const found = body.value[0];
      found.jobId.should.equal('spelled');
      found.should.not.have.property('jobID');
      found.publishLinkAccessScope.should.equal('PUBLIC');
      found.response.should.eql({ a: 1 });
    });

    it('supports or, and, status, parentheses and not', async () => {
      sim.addJob({ jobId: 'a', category: 'Reports' });
      sim.addJob({ jobId: 'b', outcome: 'Failed', category: 'Reports' });
      sim.addJob({ jobId: 'c', outcome: 'Failed', category: 'Imports' });
      sim.addJob({ jobId: 'd', queuedMs: 60000 });
      ids((await filter("jobId eq 'a' or jobId eq 'c' or jobID eq 'd'")).body).should.eql(['a', 'c', 'd']);
      ids((await filter("jobStatus eq 'Failed' and categoryName eq 'Reports'")).body).should.eql(['b']);
      ids((await filter("(jobId eq 'a' or jobId eq 'b') and jobStatus eq 'Failed'")).body).should.eql(['b']);
      ids((await filter("jobStatus eq 'Queued'")).body).should.eql(['d']);
      ids((await filter("not (jobStatus eq 'Failed') and jobStatus ne 'Queued'")).body).should.eql(['a']);
      // Filters that name ids alongside other terms: only ids on every branch narrow the search.
      ids((await filter("jobId eq 'd' or jobStatus eq 'Failed'")).body).should.eql(['b', 'c', 'd']);
      ids((await filter("jobStatus eq 'Failed' or jobId eq 'a'")).body).should.eql(['a', 'b', 'c']);
      ids((await filter("not (jobId eq 'a')")).body).should.eql(['b', 'c', 'd']);
      ids((await filter("jobStatus eq 'Failed' and (jobId eq 'c' or jobId eq 'a')")).body).should.eql(['c']);
      ids((await filter("jobId eq 'd' or jobId eq 'b'")).body).should.eql(['b', 'd']);
    });

    it("reads '' as an escaped quote", async () => {
      sim.addJob({ jobId: "o'brien" });
      ids((await filter("jobId eq 'o''brien'")).body).should.eql(["o'brien"]);
    });

    it('compares createdDate with datetime literals and quoted strings', async () => {
      sim.addJob({ jobId: 'old', createdDate: '2020-01-01T00:00:00Z' });
      sim.addJob({ jobId: 'new', createdDate: '2024-06-01T12:00:00Z' });
      ids((await filter('createdDate ge 2024-01-01T00:00:00Z')).body).should.eql(['new']);
      ids((await filter("createdDate lt '2024-01-01T00:00:00.000Z'")).body).should.eql(['old']);
      ids((await filter('createdDate gt 2019-12-31T00:00:00Z and createdDate le 2024-06-01T12:00:00Z')).body).should.eql(['old', 'new']);
    });

    it("refuses a '+' for a space and malformed filters with an OData error", async () => {
      sim.addJob({ jobId: 'job-1' });
      const plus = await query("$filter=jobId+eq+'job-1'");
      plus.status.should.equal(400);
      plus.body.error.code.should.equal('');
      plus.body.error.message.should.containEql('+');
      for (const bad of ["jobId eq 'job-1", 'jobId eq', "jobId eq 'a' or", "(jobId eq 'a'", "nosuch eq 'a'", "jobId like 'a'", "createdDate ge 'yesterday'"]) {
        const res = await filter(bad);
        res.status.should.equal(400, bad);
        res.body.should.have.property('error');
        res.body.error.message.should.be.a.String();
      }
      (await query('$top=abc')).status.should.equal(400);
      (await query('$skip=-1')).status.should.equal(400);
      (await query('$orderby=jobStatus%20sideways')).status.should.equal(400);
      (await query('$select=nosuch')).status.should.equal(400);
      (await query('$expand=x')).status.should.equal(400);
    });

    it('answers 400 to or-filters when combined filters are rejected', async () => {
      sim.addJob({ jobId: 'a' });
      sim.setCombinedFilterRejected(true);
      (await filter("jobId eq 'a' or jobId eq 'b'")).status.should.equal(400);
      (await filter("jobId eq 'a'")).status.should.equal(200);
      sim.setCombinedFilterRejected(false);
      (await filter("jobId eq 'a' or jobId eq 'b'")).status.should.equal(200);
    });

    it('applies $top, $skip, $orderby and $select', async () => {
      sim.addJob({ jobId: 'j1', createdDate: '2024-01-03T00:00:00Z', outcome: 'Failed' });
      sim.addJob({ jobId: 'j2', createdDate: '2024-01-01T00:00:00Z' });
      sim.addJob({ jobId: 'j3', createdDate: '2024-01-02T00:00:00Z', outcome: 'Failed' });
      ids((await query('$orderby=createdDate%20desc')).body).should.eql(['j1', 'j3', 'j2']);
      ids((await query('$orderby=createdDate')).body).should.eql(['j2', 'j3', 'j1']);
      ids((await query('$orderby=jobStatus%20asc,createdDate%20desc')).body).should.eql(['j2', 'j1', 'j3']);
      ids((await query('$orderby=createdDate%20asc&$top=2')).body).should.eql(['j2', 'j3']);
      ids((await query('$orderby=createdDate%20asc&$skip=1&$top=1')).body).should.eql(['j3']);
      const selected = await query('$select=jobID,jobStatus&$top=1');
      selected.body.value[0].should.eql({ '@odata.etag': selected.body.value[0]['@odata.etag'], jobID: 'j1', jobStatus: 'Failed' });
      selected.body['@odata.context'].should.endWith('#backgroundjob(jobID,jobStatus)');
    });

    it('never returns purged jobs', async () => {
      sim.addJob({ jobId: 'gone', purged: true });
      sim.addJob({ jobId: 'purged-later' });
      sim.purgeJob('purged-later').should.be.true();
      (await query('')).body.value.length.should.equal(0);
      (sim.getJob('purged-later') === undefined).should.be.true();
    });

    describe('modifiedDate, as a job watcher asks', () => {
      const T = Date.parse('2026-12-07T04:00:00.000Z');
      const iso = (ms) => new Date(T + ms).toISOString();
      /** Ended jobs whose modifiedDate is T + ms (created 1 s before, run 1 s). */
      const ended = (jobId, ms, more = {}) => sim.addJob({ jobId, createdDate: iso(ms - 1000), queuedMs: 0, runMs: 1000, ...more });

      beforeEach(() => {
        ended('m1', 1000);
        ended('m2', 2000, { category: 'Orders' });
        ended('m3', 2000);
        ended('m4', 3000);
      });

      it('filters with gt and ge, ANDed with a clause of the user, ordered asc or desc', async () => {
        ids((await filter(`modifiedDate gt ${iso(1000)}`, '&$orderby=modifiedDate')).body).should.eql(['m2', 'm3', 'm4']);
        ids((await filter(`modifiedDate ge ${iso(2000)}`, '&$orderby=modifiedDate')).body).should.eql(['m2', 'm3', 'm4']);
        ids((await filter(`modifiedDate gt ${iso(2000)}`, '&$orderby=modifiedDate')).body).should.eql(['m4']);
        ids((await filter(`modifiedDate gt ${iso(0)}`, '&$orderby=modifiedDate%20desc')).body).should.eql(['m4', 'm2', 'm3', 'm1']);
        ids((await filter(`modifiedDate ge ${iso(1500)} and categoryName eq 'Reports'`, '&$orderby=modifiedDate%20asc')).body).should.eql(['m3', 'm4']);
        ids((await filter(`(categoryName eq 'Orders') and modifiedDate gt ${iso(1000)}`)).body).should.eql(['m2']);
      });

      it('pages a modifiedDate query with nextLinks that keep the filter and the order', async () => {
        sim.setConfig({ pageSize: 2 });
        const seen = [];
        let link = `${sim.url}${JOBS}?$filter=${enc(`modifiedDate gt ${iso(0)}`)}&$orderby=modifiedDate%20desc`;
        while (link) {
          const body = await (await fetch(link, { headers: AUTH })).json();
          seen.push(...ids(body));
          link = body['@odata.nextLink'];
        }
        seen.should.eql(['m4', 'm2', 'm3', 'm1']);
        sim.log[1].query.should.containEql(`$filter=${enc(`modifiedDate gt ${iso(0)}`)}`);
        sim.log[1].query.should.containEql('$orderby=modifiedDate%20desc');
      });

      it('refuses a modifiedDate filter with 400 when told to, and nothing else', async () => {
        sim.setConfig({ rejectModifiedDateFilter: true });
        const refused = await filter(`categoryName eq 'Reports' and not (modifiedDate le ${iso(0)})`);
        refused.status.should.equal(400);
        refused.body.error.message.should.match(/modifiedDate/);
        (await filter(`createdDate ge ${iso(0)}`, '&$orderby=modifiedDate')).status.should.equal(200);
        sim.reset();
        (await filter(`modifiedDate gt ${iso(0)}`)).status.should.equal(200);
      });
    });

    describe('paging', () => {
      it('pages with absolute nextLinks until the end', async () => {
        sim.setConfig({ pageSize: 2 });
        for (let i = 0; i < 5; i++) sim.addJob({ jobId: `p-${i}`, outcome: 'Failed' });
        const seen = [];
        let link = `${sim.url}${JOBS}?$filter=${enc("jobStatus eq 'Failed'")}`;
        let pages = 0;
        while (link) {
          link.should.startWith(`${sim.url}${JOBS}?`);
          const body = await (await fetch(link, { headers: AUTH })).json();
          seen.push(...ids(body));
          link = body['@odata.nextLink'];
          pages++;
        }
        pages.should.equal(3);
        seen.should.eql(['p-0', 'p-1', 'p-2', 'p-3', 'p-4']);
        sim.log[1].query.should.containEql('$filter=jobStatus%20eq%20%27Failed%27');
        sim.log[1].query.should.containEql('$skip=2');
      });

      it('keeps $top across pages', async () => {
        sim.setConfig({ pageSize: 2 });
        for (let i = 0; i < 6; i++) sim.addJob({ jobId: `t-${i}` });
        const first = (await query('$top=3')).body;
        ids(first).should.eql(['t-0', 't-1']);
        const second = await (await fetch(first['@odata.nextLink'], { headers: AUTH })).json();
        ids(second).should.eql(['t-2']);
        (second['@odata.nextLink'] === undefined).should.be.true();
      });

      it('gives a single-job answer a nextLink to an empty page, as the real API does', async () => {
        sim.addJob({ jobId: 'only' });
        const { body } = await filter("jobId eq 'only'");
        body.value.length.should.equal(1);
        body['@odata.nextLink'].should.equal(`${sim.url}${JOBS}?$filter=jobId%20eq%20%27only%27&$skip=100`);
        const next = await (await fetch(body['@odata.nextLink'], { headers: AUTH })).json();
        next.value.should.eql([]);
        (next['@odata.nextLink'] === undefined).should.be.true();
        (await filter("jobId eq 'missing'")).body.should.not.have.property('@odata.nextLink');
      });

      it('uses nextLinkHost in nextLinks when configured', async () => {
        sim.setConfig({ pageSize: 1, nextLinkHost: 'other.example.com' });
        sim.addJob({ jobId: 'h1' });
        sim.addJob({ jobId: 'h2' });
        const { body } = await query('');
        const next = new URL(body['@odata.nextLink']);
        next.hostname.should.equal('other.example.com');
        next.pathname.should.equal(JOBS);
        next.search.should.equal('?$skip=1');
      });
    });
  });
});
