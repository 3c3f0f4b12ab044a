// npm pack, install the tarball into a fresh Node-RED user directory, start
// Node-RED, and use the pack as a user would.
require('should');
const { catalogFile, sourceDir } = require('../support/locales');
const fs = require('node:fs');
const path = require('node:path');
const { startNodeRed, nodeRedRoot } = require('../support/node-red-process');
const { packedUserDir, packedFiles, nodeTypes, PACKAGE, root } = require('../support/packed');
const { startSim, TOKEN } = require('../support/sim');

/** Every file under `dir` of the checkout, relative to its root ([] when there is no such folder). */
const filesUnder = (dir) => (fs.existsSync(path.join(root, dir))
  ? fs.readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)))
  : []);

describe('the tarball npm pack makes (what npm publish ships)', function () {
  // npm pack, once per run (shared with the tests that install it): slow on a loaded machine.
  this.timeout(240000);
  let files;
  before(() => {
    files = packedFiles();
  });

  it('holds every node and plugin of package.json with its editor .html, locales and icons', () => {
    const missing = [];
    const expect = (file) => files.includes(file) || missing.push(file);
    for (const file of [...Object.values(PACKAGE['node-red'].nodes), ...Object.values(PACKAGE['node-red'].plugins)]) {
      const base = path.basename(file, '.js');
      expect(file);
      expect(file.replace(/\.js$/, '.html'));
      const locales = path.join(sourceDir(base), 'locales');
      for (const lang of fs.existsSync(locales) ? fs.readdirSync(locales) : []) {
        for (const ext of ['json', 'html']) {
          if (fs.existsSync(catalogFile(base, ext, lang))) expect(`${path.dirname(file)}/locales/${lang}/${base}.${ext}`);
        }
      }
    }
    // Node-RED finds an icon in an icons/ folder beside any of the module's nodes.
    for (const icon of fs.readdirSync(path.join(root, 'icons'))) {
      if (!files.some((f) => f.startsWith('dist/nodes/') && f.endsWith(`/icons/${icon}`))) missing.push(`icons/${icon}`);
    }
    missing.should.eql([]);
  });

  it('holds everything the build made, the examples, the simulator command, README, LICENSE and CHANGELOG.md', () => {
    const wanted = [
      ...filesUnder('dist'), ...filesUnder('resources'), ...filesUnder('examples'),
      ...Object.values(PACKAGE.bin), 'package.json', 'README.md', 'LICENSE',
      ...(fs.existsSync(path.join(root, 'CHANGELOG.md')) ? ['CHANGELOG.md'] : []),
    ];
    filesUnder('resources/editor').length.should.be.above(0, 'the editor code is built (npm run build)');
    wanted.filter((f) => !files.includes(f.split(path.sep).join('/'))).should.eql([]);
  });

  it('holds nothing else: no tests, sources, source maps, demo, CI, benchmark or mutation files', () => {
    const shipped = /^(dist|examples|resources)\/|^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/;
    files.filter((f) => !shipped.test(f)).should.eql([]);
    files.filter((f) => /(^|\/)(test|\.demo|\.ci|bench|docs|\.stryker-tmp|reports|node_modules)\/|\.(ts|map|tgz)$/.test(f)).should.eql([]);
  });
});

describe('packed and installed package (end to end)', function () {
  this.timeout(240000);
  let work;
  let userDir;
  let sim;
  let red;
  const outFile = () => path.join(work, 'out.txt');

  before(async () => {
    const bcrypt = require(require.resolve('bcryptjs', { paths: [nodeRedRoot()] }));
    sim = await startSim({ demo: false });
    sim.addJob({ jobId: 'e2e-job' });
    ({ work, userDir } = packedUserDir({
      settings: {
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'admin', password: bcrypt.hashSync('admin-pass', 8), permissions: '*' },
            { username: 'viewer', password: bcrypt.hashSync('viewer-pass', 8), permissions: 'read' },
          ],
        },
      },
      credentials: { server: { token: TOKEN } },
    }));
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify([
      { id: 'tab', type: 'tab', label: 'e2e' },
      { id: 'server', type: 'aims360-config', baseUrl: sim.url, authType: 'token', timeout: 5000 },
      { id: 'inject', type: 'inject', z: 'tab', once: true, onceDelay: 0.5, topic: '', payload: 'e2e-job', payloadType: 'str', repeat: '', props: [{ p: 'payload' }], wires: [['status']] },
      { id: 'status', type: 'aims360-job-status', z: 'tab', server: 'server', wires: [['template']] },
      { id: 'template', type: 'template', z: 'tab', field: 'payload', fieldType: 'msg', format: 'text', syntax: 'mustache', template: '{{jobId}} {{jobStatus}}', output: 'str', wires: [['file']] },
      { id: 'file', type: 'file', z: 'tab', filename: outFile(), filenameType: 'str', appendNewline: false, createDir: true, overwriteFile: 'true', wires: [] },
    ].map((n) => (n.z ? { x: 100, y: 100, ...n } : n))));
    red = await startNodeRed(userDir);
  });

  after(async () => {
    if (red) await red.stop();
    if (sim) await sim.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function login(username, password) {
    const res = await fetch(`${red.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username, password }),
    });
    return (await res.json()).access_token;
  }

  it('registers every node type from the installed package', async () => {
    const token = await login('admin', 'admin-pass');
    const res = await fetch(`${red.url}/nodes`, { headers: { accept: 'application/json', authorization: `Bearer ${token}` } });
    const sets = await res.json();
    const ours = sets.filter((s) => s.module === '@flowjobs/node-red-aims360');
    ours.flatMap((s) => s.types).sort().should.eql(['aims360-config', 'aims360-export', 'aims360-fetch-output', 'aims360-job-events', 'aims360-job-status', 'aims360-request', 'aims360-rerun-job', 'aims360-wait-for-job']);
    ours.forEach((s) => { s.enabled.should.be.true(); (s.err === undefined).should.be.true(); });
  });

  it('serves the editor dialogs, help, messages and icon', async () => {
    const token = await login('admin', 'admin-pass');
    const auth = { authorization: `Bearer ${token}` };
    const html = await (await fetch(`${red.url}/nodes`, { headers: { accept: 'text/html', ...auth } })).text();
    for (const type of nodeTypes) {
      html.should.containEql(`data-template-name="${type}"`);
      html.should.containEql(`data-help-name="${type}"`);
    }
    html.should.containEql('data-template-name="aims360-fetch-output"');
    html.should.containEql('data-help-name="aims360-fetch-output"');
    (await fetch(`${red.url}/icons/@flowjobs/node-red-aims360/fetch-output.svg`, { headers: auth })).status.should.equal(200);
    const fetchCatalog = await (await fetch(`${red.url}/locales/@flowjobs/node-red-aims360/aims360-fetch-output?lng=en-US`, { headers: auth })).json();
    fetchCatalog['aims360-fetch-output'].status.percent.should.be.a.String();
    (await fetch(`${red.url}/icons/@flowjobs/node-red-aims360/export.svg`, { headers: auth })).status.should.equal(200);
    const exportCatalog = await (await fetch(`${red.url}/locales/@flowjobs/node-red-aims360/aims360-export?lng=en-US`, { headers: auth })).json();
    exportCatalog['aims360-export'].status.rows.should.be.a.String();
    // The System Views catalogue the export dialog suggests from.
    const views = await (await fetch(`${red.url}/resources/@flowjobs/node-red-aims360/aims360-views.json`, { headers: auth })).json();
    views.modules.length.should.be.above(10);
    const icon = await fetch(`${red.url}/icons/@flowjobs/node-red-aims360/job-status.svg`, { headers: auth });
    icon.status.should.equal(200);
    const catalog = await (await fetch(`${red.url}/locales/@flowjobs/node-red-aims360/aims360-job-status?lng=en-US`, { headers: auth })).json();
    catalog['aims360-job-status'].status.jobs.should.be.a.String();
  });

  it('runs a deployed flow against the simulator', async () => {
    const deadline = Date.now() + 20000;
    while (!fs.existsSync(outFile()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    fs.existsSync(outFile()).should.be.true(red.output());
    fs.readFileSync(outFile(), 'utf8').should.equal('e2e-job Completed');
    red.output().should.not.containEql(TOKEN);
  });

  it('lets only users with write permission test a connection', async () => {
    const body = JSON.stringify({ baseUrl: sim.url, authType: 'token', credentials: { token: TOKEN } });
    const send = (token) => fetch(`${red.url}/aims360-config/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
    (await send()).status.should.equal(401);
    (await send(await login('viewer', 'viewer-pass'))).status.should.equal(401);
    const ok = await send(await login('admin', 'admin-pass'));
    ok.status.should.equal(200);
    (await ok.json()).should.have.only.keys('host');
  });
});
