// OData injection through job ids and query options, path traversal through
// document names, and symlinks planted in the download directory.
require('should');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { helper, collect, next, until, useSimAndNodeRed } = require('../support/red');
const { startSim, apiCalls } = require('../support/sim');
const { credentials, nodeFlow, loadFast } = require('../support/nodes');

const INJECTIONS = [
  "x' or jobStatus eq 'Failed", "x'&$top=1", 'x&$filter=true', 'x%27%20or%201%20eq%201', "x') or ('1'='1", 'x#frag', 'x?y=1', 'x\n$top=1',
];
const QUERY_NAMES = new Set(['$filter', '$orderby', '$select', '$top']);

/** The parameter names of a raw query string. */
const names = (query) => query.split('&').map((p) => decodeURIComponent(p.split('=')[0]));

describe('input safety', function () {
  this.timeout(20000);
  const getSim = useSimAndNodeRed(startSim);

  async function send(name, input, props = {}, onLoad = () => undefined) {
    await loadFast(nodeFlow(getSim(), name, { props }), credentials());
    onLoad();
    const answer = next(helper.getNode('out'), helper.getNode('caught'));
    helper.getNode('node').receive(input);
    return answer;
  }

  for (const name of ['job status (single)', 'wait for job', 'rerun job', 'fetch output']) {
    it(`${name}: every injected job id is refused with BAD_INPUT before any request`, async () => {
      for (const id of INJECTIONS) {
        const msg = await send(name, { jobId: id });
        msg.error.code.should.equal('BAD_INPUT');
        await helper.unload();
      }
      getSim().log.length.should.equal(0);
    });
  }

  it('job status (query): injected query options stay inside their own parameter', async () => {
    const sim = getSim();
    sim.addJob({ jobId: 'job-1' });
    const props = { filter: 'filter', filterType: 'msg', orderby: 'orderby', orderbyType: 'msg', select: 'select', selectType: 'msg' };
    for (const bad of INJECTIONS) {
      sim.clearLog();
      await send('job status (query)', { filter: `jobId eq '${bad}'`, orderby: `jobId&$top=${bad}`, select: `jobId&${bad}` }, props);
      for (const call of apiCalls(sim)) {
        names(call.query).every((n) => QUERY_NAMES.has(n)).should.be.true(call.query);
        decodeURIComponent(call.query).should.containEql(`jobId eq '${bad}'`);
        call.query.should.not.match(/[#\n ]/);
      }
      await helper.unload();
    }
  });

  it('aims360 request: query values with &, = and quotes are escaped, never new parameters', async () => {
    const sim = getSim();
    for (const bad of INJECTIONS) {
      sim.clearLog();
      await send('aims360 request', { q: { $filter: bad, $top: `1&${bad}` } }, { query: 'q', queryType: 'msg' });
      const [call] = apiCalls(sim);
      names(call.query).should.eql(['$filter', '$top']);
      call.query.should.not.match(/'/);
      await helper.unload();
    }
  });

  describe('file mode', function () {
    let root;
    let dir;
    let outside;
    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-safety-'));
      dir = path.join(root, 'downloads');
      outside = path.join(root, 'outside');
      fs.mkdirSync(dir);
      fs.mkdirSync(outside);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    const fetchFile = (jobId, onLoad) => send('fetch output', { jobId }, { format: 'file', directory: dir, documents: 'all' }, onLoad);

    it('a document name cannot write outside the chosen directory', async () => {
      const names = ['../outside/evil.csv', '..\\outside\\evil.csv', '/tmp/evil.csv', '..', '.', '../../etc/passwd.csv', 'a/../../outside/b.csv'];
      getSim().addJob({ jobId: 'job-names', documents: names.map((name) => ({ name, content: 'a,b\n1,2\n' })), scope: 'Public' });
      let seen;
      await fetchFile('job-names', () => (seen = collect(helper.getNode('out'))));
      await until(() => seen.length === names.length, `${names.length} documents`);
      for (const msg of seen) path.dirname(msg.payload).should.equal(dir);
      fs.readdirSync(outside).should.eql([]);
      fs.readdirSync(root).sort().should.eql(['downloads', 'outside']);
    });

    it('a symlink planted under the document name is replaced, never followed', async () => {
      const target = path.join(outside, 'precious.txt');
      fs.writeFileSync(target, 'keep me');
      fs.symlinkSync(target, path.join(dir, 'report.csv'));
      getSim().addJob({ jobId: 'job-link', documents: [{ name: 'report.csv', content: 'a,b\n1,2\n' }], scope: 'Public' });
      const msg = await fetchFile('job-link');
      msg.payload.should.equal(path.join(dir, 'report.csv'));
      fs.readFileSync(target, 'utf8').should.equal('keep me');
      fs.lstatSync(msg.payload).isSymbolicLink().should.be.false();
      fs.readFileSync(msg.payload, 'utf8').should.equal('a,b\n1,2\n');
    });
  });
});
