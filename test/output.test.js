// lib/job-output, lib/formats and AimsClient.download against the simulator, without Node-RED.
const should = require('should');
const { useTempDir } = require('./support/temp');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { AimsClient } = require('../dist/src/lib/client.js');
const out = { ...require('../dist/src/lib/job-output.js'), ...require('../dist/src/lib/formats.js') };
const { startSim, rejection, TOKEN } = require('./support/sim');

const DOCS = '/documentmanagement/';
const downloads = (sim) => sim.log.filter((e) => e.path.startsWith(DOCS));
const settings = (extra = {}) => ({ ...out.readSettings({}), ...extra });

describe('lib/job-output, lib/formats and AimsClient.download', function () {
  let sim;
  const clients = [];
  const client = (options = {}) => {
    const c = new AimsClient({ baseUrl: sim.url, auth: { type: 'token', token: TOKEN }, timeout: 2000, ...options });
    clients.push(c);
    return c;
  };
  const oauth = () => ({
    type: 'oauth2', tokenUrl: `${sim.url}/connect/token`, clientId: 'sim-client', clientSecret: 'sim-secret',
    username: 'operator@example.com', password: 'sim-password',
  });

  before(async () => {
    sim = await startSim();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  async function fetchFirst(spec, options = {}, c = client()) {
    const job = sim.addJob({ jobId: 'job-d', responseType: 'Publishlink', ...spec });
    const [doc] = out.jobDocuments(job);
    return out.fetchDocument(c, doc, settings({ auth: out.needsToken(job), ...options }));
  }

  describe('download', () => {
    it('sends no Authorization header for a Public document and the token for the others', async () => {
      for (const scopeSpelling of ['Public', 'PUBLIC', 'public']) {
        sim.clearLog();
        (await fetchFirst({ scope: 'Public', scopeSpelling })).payload.length.should.equal(10);
        should(downloads(sim)[0].headers.authorization).be.undefined();
      }
      for (const [scope, scopeSpelling] of [['Private', 'Private'], ['PeopleInOrganization', 'PeopleInOrganization'], ['PeopleInOrganization', 'People in Organization']]) {
        sim.clearLog();
        (await fetchFirst({ scope, scopeSpelling })).payload.length.should.equal(10);
        downloads(sim)[0].headers.authorization.should.equal(`Bearer ${TOKEN}`);
      }
    });

    it('refuses to send the token to an untrusted host, before any request', async () => {
      const c = client();
      const err = await rejection(c.download('http://evil.example.com:1/doc', { auth: true }));
      err.code.should.equal('UNTRUSTED_HOST');
      const trusted = client({ trustedHosts: `http://localhost:${sim.port}` });
      (await trusted.download(`${sim.url.replace('127.0.0.1', 'localhost')}/nothing`, { auth: true }).catch((e) => e)).code.should.equal('API_ERROR');
      downloads(sim).length.should.equal(0);
      sim.log.length.should.equal(1);
    });

    it('fetches only http and https links', async () => {
      for (const link of ['file:///etc/passwd', 'ftp://127.0.0.1/x']) {
        (await rejection(client().download(link, { auth: false }))).code.should.equal('BAD_INPUT');
      }
    });

    it('loses the token when a redirect leaves the trusted origin', async () => {
      const job = sim.addJob({ jobId: 'job-r', scope: 'Private', responseType: 'Publishlink' });
      const [doc] = out.jobDocuments(job);
      // A trusted host that redirects to the same document under another host name (another origin).
      const elsewhere = doc.link.replace('127.0.0.1', 'localhost');
      const redirector = http.createServer((req, res) => {
        res.writeHead(302, { location: elsewhere });
        res.end();
      });
      await new Promise((r) => redirector.listen(0, '127.0.0.1', r));
      try {
        const link = `http://127.0.0.1:${redirector.address().port}/doc`;
        const err = await rejection(client({ trustedHosts: `http://127.0.0.1:${redirector.address().port}` }).download(link, { auth: true }));
        err.code.should.equal('ACCESS_DENIED');
        const [call] = downloads(sim);
        call.host.should.startWith('localhost:');
        should(call.headers.authorization).be.undefined();
      } finally {
        redirector.close();
      }
    });

    it('with OAuth2, fetches a new token once on a 401 and tries again', async () => {
      const c = client({ auth: oauth() });
      sim.addFault({ type: 'status', status: 401, match: { path: DOCS } });
      (await fetchFirst({ scope: 'Private' }, {}, c)).payload.length.should.equal(10);
      downloads(sim).map((e) => e.status).should.eql([401, 200]);
      sim.log.filter((e) => e.path === '/connect/token').length.should.equal(2);
    });

    it('maps 401, 403, 410, 429 and 500 to AUTH_FAILED, ACCESS_DENIED, LINK_EXPIRED, RATE_LIMITED and API_ERROR', async () => {
      const cases = [[401, 'AUTH_FAILED'], [403, 'ACCESS_DENIED'], [410, 'LINK_EXPIRED'], [429, 'RATE_LIMITED'], [500, 'API_ERROR']];
      for (const [status, code] of cases) {
        sim.addFault({ type: 'status', status, match: { path: DOCS } });
        const err = await rejection(fetchFirst({ jobId: `job-${status}`, scope: 'Public' }));
        err.code.should.equal(code);
        err.status.should.equal(status);
      }
      // The simulator's own refusal of a Private link without a token.
      (await rejection(fetchFirst({ jobId: 'job-p', scope: 'Private' }, { auth: false }))).code.should.equal('ACCESS_DENIED');
    });
  });

  describe('a download cut off part-way', function () {
    this.timeout(120000);
    const MB200 = 200 * 1024 * 1024;
    const dir = useTempDir('aims360-resume-');
    // Resumes wait the retry policy's delays: short ones here.
    // (and time for the simulator, which generates a range's bytes from the start of the document).
    const quick = () => client({ retry: { baseDelayMs: 10, maxDelayMs: 20 }, timeout: 30000 });
    const sha256 = (stream) => new Promise((resolve, reject) => {
      const hash = crypto.createHash('sha256');
      stream.on('data', (c) => hash.update(c)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
    });
    /** The document straight from the simulator, hashed. */
    async function simulatorSha(job) {
      const res = await fetch(job.response[0].DownloadLink, { headers: { authorization: `Bearer ${TOKEN}` } });
      return sha256(require('node:stream').Readable.fromWeb(res.body));
    }
    const statuses = () => downloads(sim).map((e) => e.status);
    const ranges = () => downloads(sim).map((e) => e.headers.range ?? null);
    /** Fetches to a file; `seen` is the downloads' statuses and ranges before anything else asks. */
    async function fetchToFile(spec, size) {
      const job = sim.addJob({ jobId: 'job-r', responseType: 'Publishlink', responseAsJson: true, scope: 'Private', documents: [{ name: 'big.csv', sizeBytes: size }] });
      const [doc] = out.jobDocuments(job);
      const result = await out.fetchDocument(quick(), doc, settings({ auth: true, format: 'file', directory: dir(), ...spec }));
      return { job, result, seen: { statuses: statuses(), ranges: ranges() } };
    }

    // Stryker runs each mutant's covering tests; this one alone takes seconds per run (see stryker.config.mjs).
    (process.env.AIMS360_MUTATION ? it.skip : it)('resumes a 200 MB Private download cut at 40% with a Range from the bytes written, and the file is the same', async () => {
      const cutAt = Math.floor(MB200 * 0.4);
      sim.addFault({ type: 'cut', atByte: cutAt, match: { path: DOCS } });
      const { job, result, seen } = await fetchToFile({}, MB200);
      fs.statSync(result.payload).size.should.equal(MB200);
      seen.should.eql({ statuses: [200, 206], ranges: [null, `bytes=${cutAt}-`] });
      (await sha256(fs.createReadStream(result.payload))).should.equal(await simulatorSha(job));
      downloads(sim)[1].headers['if-range'].should.match(/^"[^"]+"$/);
      downloads(sim)[1].headers.authorization.should.equal(`Bearer ${TOKEN}`);
      fs.readdirSync(dir()).should.eql(['big.csv']);
    });

    it('downloads once more from the start when the server offers no ranges, then fails with NETWORK and no partial file', async () => {
      sim.setConfig({ serveRanges: false });
      sim.addFault({ type: 'cut', atByte: 100000, match: { path: DOCS } });
      const { job, result, seen } = await fetchToFile({}, 1024 * 1024);
      seen.should.eql({ statuses: [200, 200], ranges: [null, null] });
      (await sha256(fs.createReadStream(result.payload))).should.equal(await simulatorSha(job));
      fs.rmSync(result.payload);
      sim.reset();
      sim.setConfig({ serveRanges: false });
      sim.addFault({ type: 'cut', atByte: 100000, times: -1, match: { path: DOCS } });
      const err = await rejection(fetchToFile({}, 1024 * 1024));
      err.code.should.equal('NETWORK');
      err.message.should.match(/cut off.*no way to resume/);
      downloads(sim).length.should.equal(2);
      fs.readdirSync(dir()).should.eql([]);
    });

    it('starts again from zero when the document changed (a new ETag) before the resume', async () => {
      sim.addFault({ type: 'cut', atByte: 300000, replace: true, match: { path: DOCS } });
      const { job, result, seen } = await fetchToFile({}, 1024 * 1024);
      // The resume's If-Range no longer matches: the whole body comes back, and is fetched anew.
      seen.should.eql({ statuses: [200, 200, 200], ranges: [null, 'bytes=300000-', null] });
      (await sha256(fs.createReadStream(result.payload))).should.equal(await simulatorSha(job));
      fs.readdirSync(dir()).should.eql(['big.csv']);
    });

    it('starts again from zero after a 416 to the resume', async () => {
      sim.addFault({ type: 'cut', atByte: 300000, match: { path: DOCS } });
      sim.addFault({ type: 'status', status: 416, match: { path: DOCS } });
      const { job, result, seen } = await fetchToFile({}, 1024 * 1024);
      seen.statuses.should.eql([200, 416, 200]);
      (await sha256(fs.createReadStream(result.payload))).should.equal(await simulatorSha(job));
    });

    it('ends a body cut on every attempt in one NETWORK error after the retry policy\'s resumes, with no partial file', async () => {
      sim.addFault({ type: 'cut', atByte: 100000, times: -1, match: { path: DOCS } });
      const err = await rejection(fetchToFile({}, 1024 * 1024));
      err.code.should.equal('NETWORK');
      err.message.should.match(/cut off/);
      // The first answer and 4 resumes (the default policy's limit), each cut again.
      statuses().should.eql([200, 206, 206, 206, 206]);
      ranges().slice(1).should.eql(['bytes=100000-', 'bytes=200000-', 'bytes=300000-', 'bytes=400000-']);
      fs.readdirSync(dir()).should.eql([]);
    });

    it('resumes an in-memory format as well', async () => {
      sim.addFault({ type: 'cut', atByte: 5000, match: { path: DOCS } });
      const job = sim.addJob({ jobId: 'job-rows', responseType: 'Publishlink', scope: 'Private', documents: [{ rows: 2000 }] });
      const [doc] = out.jobDocuments(job);
      const { payload } = await out.fetchDocument(quick(), doc, settings({ auth: true, format: 'rows' }));
      payload.length.should.equal(2000);
      statuses().should.eql([200, 206]);
    });
  });

  describe('job output', () => {
    it('reads In-line JSON whether response is a JSON string or JSON', () => {
      for (const responseAsJson of [false, true]) {
        const job = sim.addJob({ jobId: `job-i-${responseAsJson}`, inline: { a: [1, 2] }, responseAsJson });
        out.isPublishlink(job).should.be.false();
        out.inlineOutput(job).should.eql({ a: [1, 2] });
      }
      (() => out.inlineOutput({ jobID: 'x', response: '{oops' })).should.throw({ code: 'BAD_RESPONSE' });
    });

    it('lists documents with DownloadLink, else the publishLink', () => {
      const job = sim.addJob({ jobId: 'job-l', documents: [{ name: 'a.csv' }, { name: 'b.pdf', format: 'pdf', noDownloadLink: true }] });
      const docs = out.jobDocuments(job);
      docs.map((d) => d.info.name).should.eql(['a.csv', 'b.pdf']);
      docs.map((d) => d.info.type).should.eql(['csv', 'pdf']);
      docs[1].link.should.equal(job.publishLink);
      docs[0].info.should.have.properties(['expiryDate', 'documentId', 'sizeBytes']);
      out.jobDocuments({ jobID: 'p', responseType: 'Publishlink', publishLink: 'http://x/y', response: null })[0].link.should.equal('http://x/y');
      (() => out.jobDocuments({ jobID: 'p', responseType: 'Publishlink', response: '[]' })).should.throw({ code: 'BAD_RESPONSE' });
    });

    it('refuses JOB_NOT_COMPLETED and JOB_FAILED', () => {
      (() => out.checkCompleted(sim.addJob({ jobId: 'q', queuedMs: 60000 }))).should.throw({ code: 'JOB_NOT_COMPLETED' });
      (() => out.checkCompleted(sim.addJob({ jobId: 'f', outcome: 'Failed' }))).should.throw({ code: 'JOB_FAILED' });
      out.checkCompleted(sim.addJob({ jobId: 'c' }));
    });

    it('checks expiry, scheme, trust and announced size before any request', () => {
      const c = client();
      const check = (spec, extra = {}, auth = true) => {
        const job = sim.addJob(spec);
        return () => out.checkBeforeRequest(c, out.jobDocuments(job), auth, settings(extra));
      };
      check({ documents: [{ expiresInMs: -1000 }] }).should.throw({ code: 'LINK_EXPIRED' });
      check({ documents: [{ host: 'evil.example.com' }] }).should.throw({ code: 'UNTRUSTED_HOST' });
      check({ documents: [{ host: 'evil.example.com' }] }, {}, false).should.not.throw();
      check({ documents: [{ sizeBytes: 2 * 1024 * 1024 }] }, { maxBytes: 1024 * 1024 }).should.throw({ code: 'TOO_LARGE' });
      check({ documents: [{ sizeBytes: 2 * 1024 * 1024 }] }, { maxBytes: 1024 * 1024, format: 'file' }).should.not.throw();
      (() => out.checkBeforeRequest(c, [{ info: { name: 'x', type: '' }, link: 'file:///etc/passwd' }], false, settings()))
        .should.throw({ code: 'BAD_RESPONSE' });
      sim.log.length.should.equal(0);
    });

    it('reads its settings, refusing bad ones with BAD_INPUT', () => {
      out.readSettings({}).should.eql({ format: 'auto', maxBytes: 100 * 1024 * 1024, documents: 'first', rowsPerMessage: 1000 });
      out.readSettings({ format: 'file', maxSizeMB: '0.5', documents: 'all', rowsPerMessage: '10' }).maxBytes.should.equal(512 * 1024);
      for (const bad of [{ format: 'xml' }, { documents: 'some' }, { maxSizeMB: '0' }, { rowsPerMessage: '1.5' }, { rowsPerMessage: 0 }]) {
        (() => out.readSettings(bad)).should.throw({ code: 'BAD_INPUT' });
      }
    });

    it('makes document names safe as file names', () => {
      out.safeFileName('../../etc/passwd.csv').should.equal('_._etc_passwd.csv');
      out.safeFileName('..\\..\\x.csv').should.equal('_._x.csv');
      out.safeFileName('a\u0000b\nc\u202e.csv').should.equal('abc.csv');
      out.safeFileName('..').should.equal('document');
      out.safeFileName('C:report?.csv').should.equal('C_report_.csv');
      for (const name of ['../../x', '/etc/passwd', 'a/../../b', '....//', '.hidden']) {
        const safe = out.safeFileName(name);
        safe.should.not.containEql('/');
        safe.should.not.containEql('..');
        path.basename(safe).should.equal(safe);
      }
    });
  });

  it('makes a chosen file name safe and numbers it from the second document on', () => {
    const info = { name: 'Orders 2026.csv', type: 'csv' };
    out.chosenFileName('sales.csv', info, 0).should.equal('sales.csv');
    out.chosenFileName('sales.csv', info, 1).should.equal('sales-2.csv');
    out.chosenFileName('sales', info, 2).should.equal('sales-3');
    out.chosenFileName('../../etc/passwd', info, 0).should.equal('_._etc_passwd');
    out.chosenFileName('..', info, 0).should.equal('Orders 2026.csv');
    const long = out.chosenFileName(`${'x'.repeat(210)}.csv`, info, 9);
    long.should.endWith('x-10.csv');
    Buffer.byteLength(long).should.equal(212);
    out.safeFileName(long).should.equal(long);
  });

  describe('formats', () => {
    const dir = useTempDir('aims360-out-');

    it('decodes CSV, XLSX and JSON as auto, and gives other documents as a Buffer', async () => {
      const csv = await fetchFirst({ scope: 'Public', documents: [{ rows: 3 }] });
      csv.payload.should.eql([
        { style: 'ST10000', color: 'BLACK', size: 'XS', qty: '1', price: '5.00' },
        { style: 'ST10001', color: 'WHITE', size: 'S', qty: '38', price: '6.31' },
        { style: 'ST10002', color: 'NAVY', size: 'M', qty: '75', price: '7.62' },
      ]);
      csv.info.should.match({ type: 'csv', sizeBytes: 98 });
      const xlsx = await fetchFirst({ jobId: 'x', documents: [{ format: 'xlsx', rows: 2 }] });
      xlsx.payload.should.eql([{ style: 'ST10000', color: 'BLACK', size: 'XS', qty: 1, price: 5 }, { style: 'ST10001', color: 'WHITE', size: 'S', qty: 38, price: 6.31 }]);
      const json = await fetchFirst({ jobId: 'j', documents: [{ format: 'json', rows: 2 }] });
      json.payload.length.should.equal(2);
      json.payload[1].style.should.equal('ST10001');
      const pdf = await fetchFirst({ jobId: 'p', documents: [{ format: 'pdf' }] });
      Buffer.isBuffer(pdf.payload).should.be.true();
      pdf.payload.subarray(0, 5).toString().should.equal('%PDF-');
    });

    it('gives buffer, utf8, json and rows as asked', async () => {
      const content = 'a,b\n1,"x, y"\n';
      (await fetchFirst({ documents: [{ content }] }, { format: 'buffer' })).payload.should.eql(Buffer.from(content));
      (await fetchFirst({ jobId: 'u', documents: [{ content }] }, { format: 'utf8' })).payload.should.equal(content);
      (await fetchFirst({ jobId: 'r', documents: [{ content }] }, { format: 'rows' })).payload.should.eql([{ a: '1', b: 'x, y' }]);
      (await fetchFirst({ jobId: 'js', documents: [{ format: 'json', content: '{"k":1}' }] }, { format: 'json' })).payload.should.eql({ k: 1 });
      (await rejection(fetchFirst({ jobId: 'bj', documents: [{ format: 'json', content: '{"k":' }] }))).code.should.equal('BAD_RESPONSE');
      (await rejection(fetchFirst({ jobId: 'bx', documents: [{ format: 'xlsx', content: 'not a zip' }] }))).code.should.equal('BAD_RESPONSE');
      (await rejection(fetchFirst({ jobId: 'pr', documents: [{ format: 'pdf' }] }, { format: 'rows' }))).code.should.equal('BAD_INPUT');
    });

    it('refuses TOO_LARGE from Content-Length before reading, and while reading', async () => {
      const limit = { maxBytes: 1000 };
      // No SizeInMB to go by: the document's content is fixed, its size shows only in Content-Length.
      const big = 'a\n' + 'x\n'.repeat(1000);
      const job = sim.addJob({ jobId: 't', scope: 'Public', documents: [{ content: big }] });
      const [doc] = out.jobDocuments(job);
      delete doc.info.sizeBytes;
      (await rejection(out.fetchDocument(client(), doc, settings({ ...limit, auth: false })))).code.should.equal('TOO_LARGE');
      // file and stream-rows of a CSV are not bounded.
      (await out.fetchDocument(client(), doc, settings({ ...limit, auth: false, format: 'file', directory: dir() }))).info.sizeBytes.should.equal(big.length);
      // Without a Content-Length, reading stops as soon as the bytes pass the limit.
      let sent = 0;
      const endless = http.createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/csv' });
        const more = () => {
          while (!res.destroyed && sent < 64 * 1024 * 1024 && res.write('x,y\n'.repeat(1024))) sent += 4096;
          if (!res.destroyed && sent < 64 * 1024 * 1024) res.once('drain', more);
          else res.end();
        };
        more();
      });
      await new Promise((r) => endless.listen(0, '127.0.0.1', r));
      try {
        const unsized = { info: { name: 'endless.csv', type: 'csv' }, link: `http://127.0.0.1:${endless.address().port}/` };
        (await rejection(out.fetchDocument(client(), unsized, settings({ maxBytes: 1024 * 1024, auth: false })))).code.should.equal('TOO_LARGE');
        sent.should.be.below(16 * 1024 * 1024);
      } finally {
        endless.close();
        endless.closeAllConnections();
      }
    });

    it('writes a file under a safe name inside the directory, replacing a symlink rather than following it', async () => {
      const outside = path.join(dir(), 'outside.txt');
      fs.writeFileSync(outside, 'keep');
      const inside = path.join(dir(), 'in');
      fs.mkdirSync(inside);
      fs.symlinkSync(outside, path.join(inside, 'report.csv'));
      const saved = await fetchFirst({ documents: [{ name: 'report.csv', rows: 2 }] }, { format: 'file', directory: inside });
      saved.payload.should.equal(path.join(inside, 'report.csv'));
      fs.lstatSync(saved.payload).isFile().should.be.true();
      fs.readFileSync(outside, 'utf8').should.equal('keep');
      const hostile = await fetchFirst({ jobId: 'h', documents: [{ name: '../../x.csv', rows: 2 }] }, { format: 'file', directory: inside });
      path.dirname(hostile.payload).should.equal(inside);
      fs.readdirSync(inside).sort().should.eql(['_._x.csv', 'report.csv']);
    });

    it('removes the partial file when a download is cut off or cancelled', async () => {
      // Twice: a body that cannot be resumed is downloaded once more from the start.
      sim.addFault({ type: 'truncated', match: { path: DOCS }, times: 2 });
      const err = await rejection(fetchFirst({ documents: [{ rows: 5000 }] }, { format: 'file', directory: dir() }));
      err.code.should.equal('NETWORK');
      err.message.should.match(/cut off/);
      fs.readdirSync(dir()).should.eql([]);
      const abort = new AbortController();
      const pending = fetchFirst({ jobId: 'big', documents: [{ sizeBytes: 500 * 1024 * 1024 }] }, {
        format: 'file', directory: dir(), signal: abort.signal,
        onProgress: (bytes) => bytes > 1024 * 1024 && abort.abort(),
      });
      (await rejection(pending)).code.should.equal('NETWORK');
      fs.readdirSync(dir()).should.eql([]);
    });

    it('sends stream-rows in blocks that carry what a Join node needs', async () => {
      const blocks = [];
      const onRows = (payload, parts) => blocks.push({ payload, parts });
      const done = await fetchFirst({ documents: [{ rows: 5 }] }, { format: 'stream-rows', rowsPerMessage: 2, onRows });
      done.payload.should.equal(5);
      blocks.map((b) => b.payload.length).should.eql([2, 2, 1]);
      blocks.map((b) => b.parts.index).should.eql([0, 1, 2]);
      blocks.map((b) => b.parts.count).should.eql([undefined, undefined, 3]);
      blocks.every((b) => b.parts.type === 'array' && b.parts.len === 2 && b.parts.id === blocks[0].parts.id).should.be.true();
      // Exactly full blocks: the last one still carries count; one row per message sends the row itself.
      blocks.length = 0;
      await fetchFirst({ jobId: 'x4', documents: [{ format: 'xlsx', rows: 4 }] }, { format: 'stream-rows', rowsPerMessage: 2, onRows });
      blocks.map((b) => b.parts.count).should.eql([undefined, 2]);
      blocks.length = 0;
      await fetchFirst({ jobId: 'one', documents: [{ rows: 2 }] }, { format: 'stream-rows', rowsPerMessage: 1, onRows });
      blocks.map((b) => b.payload.style).should.eql(['ST10000', 'ST10001']);
      should(blocks[0].parts.len).be.undefined();
      blocks.length = 0;
      await fetchFirst({ jobId: 'empty', documents: [{ content: 'a,b\n' }] }, { format: 'stream-rows', onRows });
      blocks.should.match([{ payload: [], parts: { index: 0, count: 1 } }]);
    });
  });
});
