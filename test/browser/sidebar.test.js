// The AIMS360 sidebar tab in a real editor (chromium), on the packed package: the tab,
// live waits with their progress, cancel, recent jobs with rerun and download, a
// read-only user, and the time to render an update of 1,000 waits.
require('should');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { usePackedNodeRed } = require('../support/packed');
const { useEditor, openEditor, snap, useScreenshots } = require('../support/browser');
const { useSim, simulatorFlow, TOKEN } = require('../support/sim');
const { nodeRedRoot } = require('../support/node-red-process');

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');
const TAB_SELECTOR = '#red-ui-tab-aims360, .red-ui-sidebar-tab-bar button[data-tab-id="aims360"]';
// Untranslated keys of the plugin's catalog.
const RAW_KEY = /aims360-sidebar\.[a-z]+\.[a-zA-Z]/;

function flows(sim) {
  return simulatorFlow(sim(), [
    { id: 'inject', type: 'inject', z: 'tab', x: 120, y: 60, name: 'start', props: [{ p: 'payload' }], payload: 'inject-job', payloadType: 'str', repeat: '', once: false, wires: [['wait']] },
    { id: 'start', type: 'http in', z: 'tab', x: 120, y: 120, url: '/start', method: 'post', upload: false, wires: [['split', 'ok']] },
    { id: 'ok', type: 'http response', z: 'tab', x: 300, y: 180, statusCode: '204', headers: {}, wires: [] },
    { id: 'split', type: 'split', z: 'tab', x: 300, y: 120, splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', wires: [['wait']] },
    { id: 'wait', type: 'aims360-wait-for-job', z: 'tab', x: 480, y: 90, name: 'Wait here', server: 'server', interval: '0.2', maxInterval: '0.5', timeout: '600', wires: [[], [], []] },
  ]);
}

async function until(check, what, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens the AIMS360 tab through its action (as the View menu does) and waits for its content. */
async function showTab(page) {
  await page.evaluate(() => RED.actions.invoke('aims360:show-aims360-tab'));
  await page.locator('.aims360-sidebar').waitFor({ state: 'visible', timeout: 10000 });
}

/** A wait's row in Waiting now. */
const waitRow = (page, jobId) => page.locator(`.aims360-wait[data-job-id="${jobId}"]`);
const jobRow = (page, jobId) => page.locator(`.aims360-job[data-job-id="${jobId}"]`);

describe('AIMS360 sidebar in a browser (chromium)', function () {
  this.timeout(90000);
  const sim = useSim();
  const shots = useScreenshots();

  describe('an editor without adminAuth', () => {
    // A second config node whose token the API refuses.
    const red = usePackedNodeRed(() => ({
      flows: [...flows(sim), { id: 'other', type: 'aims360-config', name: 'Wrong token', baseUrl: sim().url, authType: 'token', timeout: 5000 }],
      credentials: { server: { token: TOKEN }, other: { token: 'not-the-token' } },
    }));
    const editor = useEditor(() => red().url);
    const post = (route, body) => fetch(`${red().url}${route}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const posts = () => sim().log.filter((e) => e.method === 'POST' && /\/rerun$/.test(e.path));

    it('adds the tab once, in the tab bar and the View menu, also when the plugin is added again or the page reloads', async () => {
      const page = editor();
      const count = () => page.evaluate((sel) => ({
        tabs: $(sel).length,
        menu: $('[id="menu-item-view-menu-aims360"]').length,
        contents: $('.aims360-sidebar').length,
      }), TAB_SELECTOR);
      (await count()).should.eql({ tabs: 1, menu: 1, contents: 1 });
      await showTab(page);
      (await page.locator('.aims360-sidebar').innerText()).should.not.match(RAW_KEY).and.match(/Waiting now/);
      // Added again, as after a palette reinstall: still one.
      await page.evaluate(() => RED.plugins.getPlugin('aims360-sidebar').onadd());
      (await count()).should.eql({ tabs: 1, menu: 1, contents: 1 });
      // The View menu entry opens it.
      await page.evaluate(() => RED.sidebar.show('debug'));
      await page.locator('.aims360-sidebar').waitFor({ state: 'hidden' });
      await page.evaluate(() => $('[id="menu-item-view-menu-aims360"] a, a[id="menu-item-view-menu-aims360"]').first().trigger('click'));
      await page.locator('.aims360-sidebar').waitFor({ state: 'visible', timeout: 5000 });
      // Removed: gone; added back: one.
      await page.evaluate(() => RED.plugins.getPlugin('aims360-sidebar').onremove());
      (await count()).should.eql({ tabs: 0, menu: 0, contents: 0 });
      await page.evaluate(() => RED.plugins.getPlugin('aims360-sidebar').onadd());
      (await count()).should.eql({ tabs: 1, menu: 1, contents: 1 });
      const errors = [];
      const onError = (err) => errors.push(err.message);
      page.on('pageerror', onError);
      await openEditor(page, red().url);
      await page.waitForFunction((sel) => $(sel).length > 0, TAB_SELECTOR);
      (await count()).should.eql({ tabs: 1, menu: 1, contents: 1 });
      await showTab(page);
      await page.locator('.aims360-recent-state, .aims360-job').first().waitFor({ timeout: 10000 });
      page.off('pageerror', onError);
      errors.should.eql([]);
    });

    it('shows a wait started by an inject with a progress bar that moves, and drops it when the job completes', async () => {
      const page = editor();
      await showTab(page);
      sim().addJob({ jobId: 'inject-job', queuedMs: 0, runMs: 600000 });
      sim().setJob('inject-job', { percentCompleted: 20 });
      (await post('/inject/inject')).status.should.equal(200);
      const row = waitRow(page, 'inject-job');
      await row.waitFor({ timeout: 15000 });
      await page.waitForFunction(() => $('.aims360-wait[data-job-id="inject-job"]').attr('data-percent') === '20', null, { timeout: 15000 });
      (await row.locator('.aims360-node').innerText()).should.equal('Wait here');
      (await row.locator('.aims360-status').innerText()).should.equal('Inprogress');
      const width = () => row.locator('.aims360-bar > div').evaluate((e) => e.style.width);
      (await width()).should.equal('20%');
      sim().setJob('inject-job', { percentCompleted: 60 });
      await page.waitForFunction(() => $('.aims360-wait[data-job-id="inject-job"] .aims360-bar > div')[0].style.width === '60%', null, { timeout: 15000 });
      (await row.locator('.aims360-percent').innerText()).should.equal('60 %');
      (await row.locator('.aims360-waited').innerText()).should.match(/^waited \d+/);
      // The node's name reveals it in its flow.
      await page.evaluate(() => {
        const reveal = RED.view.reveal;
        RED.view.reveal = function (id) {
          window.__revealed = id;
          RED.view.reveal = reveal;
          return reveal.apply(this, arguments);
        };
      });
      await row.locator('.aims360-node').click();
      (await page.evaluate(() => window.__revealed)).should.equal('wait');
      sim().setJob('inject-job', { jobStatus: 'Completed' });
      await row.waitFor({ state: 'detached', timeout: 15000 });
      (await page.locator('.aims360-waits-state').innerText()).should.match(/No wait in flight/);
    });

    it('cancel ends the wait', async () => {
      const page = editor();
      await showTab(page);
      sim().addJob({ jobId: 'cancel-me', runMs: 600000 });
      (await post('/start', ['cancel-me'])).status.should.equal(204);
      const row = waitRow(page, 'cancel-me');
      await row.waitFor({ timeout: 15000 });
      await row.locator('.aims360-cancel').click();
      await row.waitFor({ state: 'detached', timeout: 10000 });
      const waits = await (await fetch(`${red().url}/aims360/waits`)).json();
      waits.waits.should.be.empty();
    });

    it('lists a failed job in Recent jobs; rerun asks, posts the rerun, and a refused rerun says why', async () => {
      const page = editor();
      // The job lists asked for and not yet answered: a refresh answered late shows an old list.
      const isJobList = (url) => /\/aims360\/servers\/[^/]+\/jobs$/.test(url.pathname);
      const listsAsked = new Set();
      const asked = (request) => { if (isJobList(new URL(request.url()))) listsAsked.add(request); };
      const answered = (request) => listsAsked.delete(request);
      page.on('request', asked).on('requestfinished', answered).on('requestfailed', answered);
      await showTab(page);
      sim().addJob({ jobId: 'failed-job', outcome: 'Failed', canReRun: 'Yes', description: 'Nightly orders report', createdDate: new Date(Date.now() - 3600000).toISOString() });
      sim().addJob({ jobId: 'no-rerun', outcome: 'Failed', canReRun: 'No' });
      await page.locator('.aims360-refresh').click();
      const row = jobRow(page, 'failed-job');
      await row.waitFor({ timeout: 15000 });
      (await row.getAttribute('data-status')).should.equal('Failed');
      (await row.innerText()).should.match(/Nightly orders report/).and.match(/can be rerun/);
      (await jobRow(page, 'no-rerun').locator('.aims360-rerun').isDisabled()).should.be.true();
      // Newest first.
      const order = await page.locator('.aims360-job').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job-id')));
      order.indexOf('no-rerun').should.be.below(order.indexOf('failed-job'));
      // The status filter asks the API for one status.
      await page.locator('.aims360-status-filter').selectOption('Completed');
      await row.waitFor({ state: 'detached', timeout: 15000 });
      await page.locator('.aims360-status-filter').selectOption('Failed');
      await row.waitFor({ timeout: 15000 });

      sim().clearLog();
      await row.locator('.aims360-rerun').click();
      const confirm = page.locator('.aims360-confirm-rerun');
      await confirm.waitFor({ timeout: 5000 });
      (await page.locator('.red-ui-notification:visible').last().innerText()).should.match(/failed-job/);
      await confirm.click();
      // The dialog slides away before it is removed: gone, so the next confirm is the only one.
      await confirm.waitFor({ state: 'detached', timeout: 10000 });
      await until(() => posts().length === 1, 'the rerun POST');
      posts()[0].path.should.equal('/jobsmanagement/v1.0/backgroundjob/failed-job/rerun');
      await page.locator('.red-ui-notification', { hasText: 'failed-job rerun' }).waitFor({ timeout: 10000 });

      // Listed as rerunnable, refused by then: the answer's message is shown, nothing posted.
      sim().addJob({ jobId: 'changed-mind', outcome: 'Failed', canReRun: 'Yes' });
      await page.locator('.aims360-refresh').click();
      await jobRow(page, 'changed-mind').waitFor({ timeout: 15000 });
      // The list refreshes itself every 30 s, and would then show the button disabled: hold
      // those refreshes until the click is done, and let the lists already asked for be
      // answered before the change, so the list still says Yes when the click comes.
      const held = [];
      await page.route(isJobList, (route) => held.push(route));
      await until(() => listsAsked.size === held.length, 'answers to the job lists asked before the hold');
      sim().setJob('changed-mind', { canReRun: 'No' });
      sim().clearLog();
      try {
        await jobRow(page, 'changed-mind').locator('.aims360-rerun').click();
        await page.locator('.red-ui-notification', { hasText: 'changed-mind' }).locator('.aims360-confirm-rerun').click();
        await page.locator('.red-ui-notification', { hasText: 'Rerun of changed-mind refused' }).waitFor({ timeout: 10000 });
      } finally {
        page.off('request', asked).off('requestfinished', answered).off('requestfailed', answered);
        await page.unroute(isJobList);
        for (const route of held) await route.continue();
      }
      posts().should.be.empty();
    });

    it('says in plain words when there is no server, Node-RED is unreachable or the API refuses the credentials', async () => {
      const page = editor();
      await showTab(page);
      const state = page.locator('.aims360-recent-state');
      sim().addJob({ jobId: 'state-job', outcome: 'Failed' });
      await page.route('**/aims360/servers', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"servers":[]}' }));
      await page.locator('.aims360-refresh').click();
      await page.locator('.aims360-recent-state', { hasText: 'No AIMS360 server is deployed yet' }).waitFor({ timeout: 10000 });
      (await page.locator('.aims360-job').count()).should.equal(0);
      await page.unroute('**/aims360/servers');
      await page.route('**/aims360/servers', (route) => route.abort());
      await page.locator('.aims360-refresh').click();
      await page.locator('.aims360-recent-state', { hasText: 'Node-RED cannot be reached' }).waitFor({ timeout: 10000 });
      await page.unroute('**/aims360/servers');
      sim().addFault({ type: 'status', status: 401, body: '{"Message":"Authorization has been denied for this request."}', times: -1 });
      try {
        await page.locator('.aims360-refresh').click();
        await page.locator('.aims360-recent-state.aims360-error', { hasText: 'refused the credentials' }).waitFor({ timeout: 15000 });
        (await state.innerText()).should.match(/check the token/).and.not.containEql(TOKEN);
      } finally {
        sim().clearFaults();
      }
      await page.locator('.aims360-refresh').click();
      await jobRow(page, 'state-job').waitFor({ timeout: 15000 });
      (await state.isVisible()).should.be.false();
      // The tab's help opens in the Help tab.
      await page.locator('.aims360-help').click();
      await page.locator('.red-ui-help', { hasText: 'Every wait in flight in this runtime' }).last().waitFor({ state: 'visible', timeout: 5000 });
      await showTab(page);
    });

    it('offers a server selector when there are several config nodes, each with its own jobs or error', async () => {
      const page = editor();
      await showTab(page);
      sim().addJob({ jobId: 'selector-job', outcome: 'Failed' });
      await page.locator('.aims360-refresh').click();
      const select = page.locator('.aims360-server');
      await select.waitFor({ state: 'visible', timeout: 10000 });
      (await select.locator('option').allInnerTexts()).should.eql(['AIMS360 simulator', 'Wrong token']);
      await select.selectOption('other');
      await page.locator('.aims360-recent-state.aims360-error', { hasText: 'refused the credentials' }).waitFor({ timeout: 15000 });
      (await page.locator('.aims360-job').count()).should.equal(0);
      await select.selectOption('server');
      await jobRow(page, 'selector-job').waitFor({ timeout: 15000 });
    });

    it('says when Recent jobs shows only the pages it read and more may match', async () => {
      const page = editor();
      await showTab(page);
      sim().setConfig({ pageSize: 1 });
      try {
        for (let i = 0; i < 5; i++) sim().addJob({ jobId: `paged-${i}` });
        await page.locator('.aims360-refresh').click();
        const note = page.locator('.aims360-recent-state', { hasText: 'The newest 3 jobs read: more may match' });
        await note.waitFor({ timeout: 15000 });
        (await page.locator('.aims360-job').count()).should.equal(3);
      } finally {
        sim().setConfig({ pageSize: 100 });
      }
      await page.locator('.aims360-refresh').click();
      await page.locator('.aims360-recent-state', { hasText: 'more may match' }).waitFor({ state: 'hidden', timeout: 15000 });
    });

    it('downloads the output: the bytes are the simulator\'s document', async () => {
      const page = editor();
      await showTab(page);
      const job = sim().addJob({ jobId: 'doc-job', scope: 'Private', responseType: 'Publishlink', documents: [{ name: 'Orders 2024.csv', rows: 2000 }] });
      const link = JSON.parse(job.response)[0].DownloadLink;
      const direct = Buffer.from(await (await fetch(link, { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer());
      direct.length.should.be.above(1000);
      await page.locator('.aims360-status-filter').selectOption('');
      await page.locator('.aims360-refresh').click();
      const row = jobRow(page, 'doc-job');
      // Enabled once the job has completed (refreshed until then).
      await until(async () => {
        await page.locator('.aims360-refresh').click();
        return row.locator('.aims360-download:enabled').waitFor({ timeout: 2000 }).then(() => true, () => false);
      }, 'the download button');
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15000 }), row.locator('.aims360-download').click()]);
      download.suggestedFilename().should.equal('Orders 2024.csv');
      const bytes = fs.readFileSync(await download.path());
      sha256(bytes).should.equal(sha256(direct));
      // Copy id copies the job id.
      await page.evaluate(() => document.addEventListener('copy', (e) => { window.__copied = e.target.value; }, { once: true }));
      await row.locator('.aims360-copy').click();
      (await page.evaluate(() => window.__copied)).should.equal('doc-job');
    });

    it('renders updates of 1,000 waits quickly (capped at 200 rows with a count) and takes the screenshot', async function () {
      this.timeout(180000);
      const page = editor();
      await showTab(page);
      const ids = Array.from({ length: 1000 }, (_, i) => `many-${String(i).padStart(4, '0')}`);
      for (const [i, jobId] of ids.entries()) {
        sim().addJob({ jobId, runMs: 600000 });
        sim().setJob(jobId, { percentCompleted: (i * 7) % 100 });
      }
      await page.evaluate(() => { RED.plugins.getPlugin('aims360-sidebar').renderTimes.length = 0; });
      (await post('/start', ids)).status.should.equal(204);
      await page.locator('.aims360-waits-showing', { hasText: 'showing 200 of 1,000' }).waitFor({ timeout: 60000 });
      (await page.locator('.aims360-wait').count()).should.equal(200);
      // Keep them polled for a while: each snapshot is an update to render.
      await until(async () => (await page.evaluate(() => RED.plugins.getPlugin('aims360-sidebar').renderTimes.filter((r) => r.total === 1000).length)) >= 10,
        'ten snapshots of 1,000 waits', 60000);
      const renders = (await page.evaluate(() => RED.plugins.getPlugin('aims360-sidebar').renderTimes)).filter((r) => r.total === 1000);
      const sorted = (key) => renders.map((r) => r[key]).filter((v) => v !== null).sort((a, b) => a - b);
      const figures = (values) => `median ${values[Math.floor(values.length / 2)].toFixed(1)} ms, max ${values.at(-1).toFixed(1)} ms`;
      console.log(`      1,000 waits, 200 rows shown: comms handler ${figures(sorted('ms'))}; until painted ${figures(sorted('paintedMs'))}; over ${renders.length} updates (each: ${renders.map((r) => r.ms.toFixed(0)).join(', ')} ms)`);
      (await page.locator('.aims360-sidebar').innerText()).should.not.match(RAW_KEY);
      for (const jobId of ids) sim().setJob(jobId, { jobStatus: 'Completed' });
      await page.locator('.aims360-wait').first().waitFor({ state: 'detached', timeout: 60000 });
      await until(async () => (await page.locator('.aims360-wait').count()) === 0, 'every wait to end', 60000);

      // The screenshot: three waits under way and the recent jobs.
      for (const [jobId, percent] of [['report-7781', 35], ['export-orders', 80], ['invoice-batch', null]]) {
        sim().addJob({ jobId, runMs: 600000, queuedMs: percent === null ? 600000 : 0 });
        if (percent !== null) sim().setJob(jobId, { percentCompleted: percent });
      }
      (await post('/start', ['report-7781', 'export-orders', 'invoice-batch'])).status.should.equal(204);
      await page.waitForFunction(() => $('.aims360-wait').length === 3 && $('.aims360-wait[data-job-id="export-orders"]').attr('data-percent') === '80', null, { timeout: 20000 });
      // The failed ones: the 1,000 just completed fill the newest 100.
      sim().addJob({ jobId: 'stock-sync', outcome: 'Failed', canReRun: 'Yes', description: 'Stock sync to warehouse', createdDate: new Date(Date.now() - 7200000).toISOString() });
      await page.locator('.aims360-status-filter').selectOption('Failed');
      await jobRow(page, 'stock-sync').waitFor({ timeout: 15000 });
      await page.mouse.move(0, 0);
      const box = await page.locator('.aims360-sidebar').boundingBox();
      const file = await snap(page, shots, 'sidebar', { x: box.x - 2, y: Math.max(0, box.y - 40), width: box.width + 4, height: Math.min(box.height + 40, 860) });
      fs.statSync(file).size.should.be.above(1000);
      for (const jobId of ['report-7781', 'export-orders', 'invoice-batch']) sim().setJob(jobId, { jobStatus: 'Completed' });
    });
  });

  describe('a read-only user (adminAuth)', () => {
    const bcrypt = require(require.resolve('bcryptjs', { paths: [nodeRedRoot(), path.join(nodeRedRoot(), 'node_modules', '@node-red', 'editor-api')] }));
    const red = usePackedNodeRed(() => ({
      flows: flows(sim),
      credentials: { server: { token: TOKEN } },
      settings: {
        adminAuth: { type: 'credentials', users: [{ username: 'reader', password: bcrypt.hashSync('reader-password', 4), permissions: 'read' }] },
      },
    }));
    let browser;
    let page;
    before(async function () {
      this.timeout(60000);
      browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'] });
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.route('**/*', (route) => (/^https?:\/\/127\.0\.0\.1[:/]/.test(route.request().url()) ? route.continue() : route.abort()));
      await page.goto(red().url);
      await page.locator('#node-dialog-login-username').fill('reader');
      await page.locator('#node-dialog-login-password').fill('reader-password');
      await page.locator('#node-dialog-login-submit').click();
      await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.getType('aims360-config') && RED.workspaces && RED.workspaces.active(), null, { timeout: 30000 });
    });
    after(async () => {
      if (browser) await browser.close();
    });

    it('sees the waits and the jobs with every action button disabled', async () => {
      sim().addJob({ jobId: 'ro-wait', runMs: 600000 });
      sim().addJob({ jobId: 'ro-failed', outcome: 'Failed', canReRun: 'Yes' });
      sim().addJob({ jobId: 'ro-done', responseType: 'Publishlink', scope: 'Public', documents: [{ name: 'done.csv' }] });
      (await page.evaluate(() => RED.user.hasPermission('aims360.write'))).should.be.false();
      await showTab(page);
      (await fetch(`${red().url}/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '["ro-wait"]' })).status.should.equal(204);
      await waitRow(page, 'ro-wait').waitFor({ timeout: 15000 });
      await page.locator('.aims360-refresh').click();
      await jobRow(page, 'ro-failed').waitFor({ timeout: 15000 });
      await jobRow(page, 'ro-done').waitFor({ timeout: 15000 });
      const enabled = await page.locator('.aims360-cancel:enabled, .aims360-rerun:enabled, .aims360-download:enabled').count();
      enabled.should.equal(0);
      (await page.locator('.aims360-cancel, .aims360-rerun, .aims360-download').count()).should.be.aboveOrEqual(3);
      (await page.locator('.aims360-readonly').innerText()).should.match(/aims360\.write/);
      // A Public job's link would download without a token: the list a reader gets has none.
      const links = await page.evaluate(() => $('.aims360-recent').data('jobs').flatMap((job) => Object.keys(job).filter((key) => /link$/i.test(key))));
      links.should.eql([]);
      sim().setJob('ro-wait', { jobStatus: 'Completed' });
      await waitRow(page, 'ro-wait').waitFor({ state: 'detached', timeout: 15000 });
    });
  });
});
