// The AIMS360 simulator, simulator/documents.ts: the documents of a finished job, their formats, links, byte ranges and cuts.
require('should');
const readXlsx = require('read-excel-file/node').default;
const { useSimulator, AUTH } = require('../support/simulator');

describe('AIMS360 simulator', function () {
  let sim;
  const { query, filter, documentsOf } = useSimulator((started) => (sim = started));

  describe('documents', () => {
    const addDocJob = (spec) => {
      const job = sim.addJob({ responseType: 'Publishlink', ...spec });
      return { job, docs: documentsOf(job) };
    };

    it('lists documents as the API does and serves a public one without auth', async () => {
      const { job, docs } = addDocJob({ scope: 'Public', documents: [{ name: 'Orders.csv', format: 'csv', rows: 37 }] });
      docs.length.should.equal(1);
      const doc = docs[0];
      Object.keys(doc).should.eql(['DocumentGUID', 'documentName', 'DownloadLink', 'SizeInMB', 'Type', 'DocumentID', 'ExpiryDate', 'Version']);
      doc.documentName.should.equal('Orders.csv');
      doc.Type.should.equal('.csv');
      doc.Version.should.equal('1.0');
      doc.DownloadLink.should.startWith(`${sim.url}/documentmanagement/v1.0/aimsdocument/${doc.DocumentGUID}/`);
      job.publishLink.should.equal(doc.DownloadLink);
      const res = await fetch(doc.DownloadLink);
      res.status.should.equal(200);
      res.headers.get('content-type').should.startWith('text/csv');
      res.headers.get('content-disposition').should.containEql('filename="Orders.csv"');
      const text = await res.text();
      Number(res.headers.get('content-length')).should.equal(Buffer.byteLength(text));
      doc.SizeInMB.should.equal(Buffer.byteLength(text) / 1048576);
      const lines = text.trim().split('\n');
      lines[0].should.equal('style,color,size,qty,price');
      lines.length.should.equal(38);
    });

    it('needs a bearer token for Private and PeopleInOrganization documents', async () => {
      for (const scope of ['Private', 'PeopleInOrganization']) {
        const { docs } = addDocJob({ scope });
        const anonymous = await fetch(docs[0].DownloadLink);
        anonymous.status.should.equal(403);
        (await anonymous.text()).should.equal('Access Denied');
        (await fetch(docs[0].DownloadLink, { headers: { authorization: 'Bearer wrong' } })).status.should.equal(403);
        (await fetch(docs[0].DownloadLink, { headers: AUTH })).status.should.equal(200);
      }
    });

    it('refuses a wrong link token, expired links and unknown documents', async () => {
      const { docs } = addDocJob({ scope: 'Public', documents: [{ format: 'csv' }, { format: 'csv', expiresInMs: -1000 }] });
      const wrong = docs[0].DownloadLink.replace(/\/[^/]+$/, '/not-the-token');
      (await fetch(wrong)).status.should.equal(403);
      Date.parse(docs[1].ExpiryDate).should.be.below(Date.now());
      const expired = await fetch(docs[1].DownloadLink);
      expired.status.should.equal(410);
      (await expired.json()).Message.should.containEql('expired');
      (await fetch(`${sim.url}/documentmanagement/v1.0/aimsdocument/nope/nope`)).status.should.equal(404);
    });

    it('answers 404 for a document whose job is not completed yet', async () => {
      const job = sim.addJob({ responseType: 'Publishlink', scope: 'Public', queuedMs: 60000 });
      (job.response === null).should.be.true();
      (await fetch(job.publishLink)).status.should.equal(404);
    });

    it('keeps hostile names verbatim and honours host and noDownloadLink', async () => {
      const { docs } = addDocJob({
        documents: [{ name: '../../etc/passwd.csv', format: 'csv' }, { format: 'txt', host: 'evil.example.com' }, { format: 'json', noDownloadLink: true }],
      });
      docs[0].documentName.should.equal('../../etc/passwd.csv');
      const res = await fetch(docs[0].DownloadLink, { headers: AUTH });
      res.status.should.equal(200);
      res.headers.get('content-disposition').should.containEql("filename*=UTF-8''..%2F..%2Fetc%2Fpasswd.csv");
      new URL(docs[1].DownloadLink).hostname.should.equal('evil.example.com');
      docs[1].Type.should.equal('.txt');
      docs[2].should.not.have.property('DownloadLink');
    });

    it('serves JSON, text, PDF and exact content', async () => {
      const { docs } = addDocJob({
        scope: 'Public',
        documents: [{ format: 'json', rows: 4 }, { format: 'txt', rows: 2 }, { format: 'pdf' }, { format: 'csv', content: 'a,b\n1,2\n' }],
      });
      const [json, txt, pdf, exact] = await Promise.all(docs.map((d) => fetch(d.DownloadLink)));
      json.headers.get('content-type').should.startWith('application/json');
      (await json.json()).length.should.equal(4);
      (await txt.text()).trim().split('\n').length.should.equal(3);
      pdf.headers.get('content-type').should.equal('application/pdf');
      (await pdf.text()).should.startWith('%PDF-');
      (await exact.text()).should.equal('a,b\n1,2\n');
    });

    it('serves a real xlsx workbook', async () => {
      sim.addJob({ jobId: 'xl', scope: 'Public', documents: [{ name: 'Stock.xlsx', format: 'xlsx', rows: 12 }] });
      const job = (await filter("jobId eq 'xl'")).body.value[0];
      const [doc] = documentsOf(job);
      doc.Type.should.equal('.xlsx');
      const res = await fetch(doc.DownloadLink);
      res.status.should.equal(200);
      res.headers.get('content-type').should.equal('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const buf = Buffer.from(await res.arrayBuffer());
      buf.subarray(0, 2).toString('latin1').should.equal('PK');
      Number(res.headers.get('content-length')).should.equal(buf.length);
      doc.SizeInMB.should.equal(buf.length / 1048576);
      const [sheet] = await readXlsx(buf);
      sheet.data.length.should.equal(13);
      sheet.data[0].should.eql(['style', 'color', 'size', 'qty', 'price']);
    });

    it('streams a large generated document with exact length and flat memory', async function () {
      this.timeout(60000);
      const size = 50 * 1024 * 1024;
      const { docs } = addDocJob({ scope: 'Public', documents: [{ name: 'big.csv', format: 'csv', sizeBytes: size }] });
      docs[0].SizeInMB.should.equal(50);
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const res = await fetch(docs[0].DownloadLink);
      Number(res.headers.get('content-length')).should.equal(size);
      let bytes = 0;
      let last = 0;
      for await (const chunk of res.body) {
        bytes += chunk.length;
        last = chunk[chunk.length - 1];
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      bytes.should.equal(size);
      last.should.equal(10);
      (peak - baseline).should.be.below(60 * 1024 * 1024);
    });

    describe('ranges and cuts', () => {
      const bodyOf = async (res) => Buffer.from(await res.arrayBuffer());
      let link;
      let whole;
      beforeEach(async () => {
        sim.reset();
        const { docs } = addDocJob({ scope: 'Public', documents: [{ format: 'csv', sizeBytes: 300000 }] });
        link = docs[0].DownloadLink;
        const res = await fetch(link);
        whole = await bodyOf(res);
        whole.length.should.equal(300000);
        res.headers.get('accept-ranges').should.equal('bytes');
        res.headers.get('etag').should.match(/^"[^"]+"$/);
        new Date(res.headers.get('last-modified')).getTime().should.not.be.NaN();
      });

      it('answers 206 with Content-Range and exactly the bytes asked for, in every form of a single range', async () => {
        for (const [range, first, last] of [['bytes=100000-', 100000, 299999], ['bytes=5-9', 5, 9], ['bytes=-10', 299990, 299999], ['bytes=299000-999999', 299000, 299999], ['bytes=0-0', 0, 0]]) {
          const res = await fetch(link, { headers: { range } });
          res.status.should.equal(206, range);
          res.headers.get('content-range').should.equal(`bytes ${first}-${last}/300000`);
          Number(res.headers.get('content-length')).should.equal(last - first + 1);
          (await bodyOf(res)).equals(whole.subarray(first, last + 1)).should.be.true(range);
        }
      });

      it('answers 416 with the size for a range past the end, and the whole body for what it does not serve', async () => {
        for (const range of ['bytes=300000-', 'bytes=-0']) {
          const res = await fetch(link, { headers: { range } });
          res.status.should.equal(416, range);
          res.headers.get('content-range').should.equal('bytes */300000');
          await res.arrayBuffer();
        }
        for (const range of ['bytes=0-1,5-9', 'lines=1-2', 'bytes=9-5']) {
          const res = await fetch(link, { headers: { range } });
          res.status.should.equal(200, range);
          (await bodyOf(res)).equals(whole).should.be.true(range);
        }
      });

      it('serves a range only while If-Range still matches: touchDocument changes the ETag and Last-Modified', async () => {
        const first = await fetch(link, { method: 'GET' });
        const etag = first.headers.get('etag');
        const modified = first.headers.get('last-modified');
        await first.arrayBuffer();
        (await fetch(link, { headers: { range: 'bytes=10-', 'if-range': etag } })).status.should.equal(206);
        (await fetch(link, { headers: { range: 'bytes=10-', 'if-range': modified } })).status.should.equal(206);
        sim.touchDocument(new URL(link).pathname.split('/')[4]);
        const changed = await fetch(link, { headers: { range: 'bytes=10-', 'if-range': etag } });
        changed.status.should.equal(200);
        changed.headers.get('etag').should.not.equal(etag);
        changed.headers.get('last-modified').should.not.equal(modified);
        (await bodyOf(changed)).equals(whole).should.be.true();
        (() => sim.touchDocument('nope')).should.throw(/No document/);
      });

      it('can stop offering ranges: no Accept-Ranges, and a Range gets the whole body', async () => {
        sim.setConfig({ serveRanges: false });
        const res = await fetch(link, { headers: { range: 'bytes=10-' } });
        res.status.should.equal(200);
        (res.headers.get('accept-ranges') === null).should.be.true();
        (await bodyOf(res)).equals(whole).should.be.true();
      });

      /** The bytes a download got before its connection ended, and whether it ended early. */
      async function receive(headers = {}) {
        const res = await fetch(link, { headers });
        const chunks = [];
        try {
          for await (const chunk of res.body) chunks.push(chunk);
          return { status: res.status, bytes: Buffer.concat(chunks), cut: false };
        } catch {
          return { status: res.status, bytes: Buffer.concat(chunks), cut: true };
        }
      }

      it('cuts a document body at a given byte, once or every time, and never other answers', async () => {
        sim.addFault({ type: 'cut', atByte: 120000, match: { path: '/documentmanagement/' } });
        const cut = await receive();
        cut.should.containDeep({ status: 200, cut: true });
        cut.bytes.length.should.equal(120000);
        cut.bytes.equals(whole.subarray(0, 120000)).should.be.true();
        const rest = await receive({ range: 'bytes=120000-' });
        rest.should.containDeep({ status: 206, cut: false });
        Buffer.concat([cut.bytes, rest.bytes]).equals(whole).should.be.true();
        sim.addFault({ type: 'cut', atByte: 1000, times: -1 });
        (await query('$top=1')).status.should.equal(200);
        for (const headers of [{}, { range: 'bytes=5000-' }]) {
          const again = await receive(headers);
          again.cut.should.be.true();
          again.bytes.length.should.equal(1000);
        }
        sim.listFaults().at(-1).hits.should.equal(2);
        (() => sim.addFault({ type: 'cut' })).should.throw(/atByte/);
        (() => sim.addFault({ type: 'cut', atByte: -1 })).should.throw(/atByte/);
      });
    });

    it('refuses impossible document specs', () => {
      (() => sim.addJob({ documents: [{ format: 'docx' }] })).should.throw();
      (() => sim.addJob({ documents: [{ format: 'xlsx', sizeBytes: 1e6 }] })).should.throw();
      (() => sim.addJob({ documents: [{ format: 'csv', sizeBytes: 10 }] })).should.throw();
    });
  });
});
