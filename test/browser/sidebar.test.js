// The AIMS360 sidebar tab in a real editor (chromium), on the packed package: the tab,
// live waits with their progress, cancel, recent jobs with their failure reason, rerun (one
// POST, followed to its end) and download, recent job events, the layout at 320 and 500 px
// (with screenshots), a read-only user, and the time to render an update of 1,000 waits.
require('should');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { usePackedNodeRed } = require('../support/packed');
const { useEditor, openEditor, snap, useScreenshots } = require('../support/browser');
const { apiCalls, busiestSecond, useSim, simulatorFlow, TOKEN } = require('../support/sim');
const { nodeRedRoot } = require('../support/node-red-process');
const { until } = require('../support/wait');

/** A stand-in for the job events node: POST /job-event adds its body to the runtime's job event log. */
const EVENT_SOURCE = { nodesDir: path.join(__dirname, '..', 'support', 'job-event-source') };

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
    { id: 'event-in', type: 'http in', z: 'tab', x: 120, y: 240, url: '/job-event', method: 'post', upload: false, wires: [['event-add']] },
    { id: 'event-add', type: 'aims360-test-job-event', z: 'tab', x: 300, y: 240, wires: [['event-ok']] },
    { id: 'event-ok', type: 'http response', z: 'tab', x: 480, y: 240, statusCode: '204', headers: {}, wires: [] },
    // A second account on the same simulator with a budget of one request a second, to load.
    { id: 'slow', type: 'aims360-config', name: 'Slow account', baseUrl: sim().url, authType: 'token', timeout: 20000, maxRequestsPerSecond: 1 },
  ]);
}

/** The credentials of the flows' config nodes. */
const CREDENTIALS = { server: { token: TOKEN }, slow: { token: TOKEN } };

/** A config node's request budget as the tab words it (the plugin's catalog). */
function budgetWords({ perSecond, lastSecond }) {
  return perSecond > 0 ? `Requests: ${lastSecond} of ${perSecond} a second` : `Requests: ${lastSecond} in the last second (no cap)`;
}

/**
 * Lets the page's reads of GET aims360/servers through until one answers as `wanted` says,
 * then holds its later reads until release(), so that the tab keeps showing that answer.
 * Resolves with the answer and release.
 */
async function catchServersAnswer(page, wanted, what) {
  const isServers = (url) => url.pathname.endsWith('/aims360/servers');
  const held = [];
  let found;
  await page.route(isServers, async (route) => {
    if (found) return held.push(() => route.continue());
    const response = await route.fetch();
    const body = await response.json();
    // Another read answered while this one was under way: its figures stay shown.
    if (found) return held.push(() => route.fulfill({ response }));
    if (wanted(body)) found = body;
    return route.fulfill({ response });
  });
  const release = async () => {
    await page.unroute(isServers);
    for (const go of held.splice(0)) await go();
  };
  try {
    return { answer: await until(() => found, what, 30000), release };
  } catch (err) {
    await release();
    throw err;
  }
}

/** Resolves once every server's budget row shows the figures of `answer`, in its order; fails after a while. */
async function budgetsShow(page, answer) {
  const atCap = ({ perSecond, lastSecond, waiting }) => perSecond > 0 && (lastSecond >= perSecond || waiting > 0);
  const expected = answer.servers.map((s) => ({ id: s.id, words: budgetWords(s.budget), full: String(atCap(s.budget)), waiting: s.budget.waiting }));
  const shown = () => page.locator('.aims360-budget').evaluateAll((rows) => rows.map((row) => ({
    id: row.getAttribute('data-server'),
    words: row.querySelector('.aims360-budget-text').textContent,
    full: row.getAttribute('data-full'),
    waiting: Number(row.getAttribute('data-waiting')),
  })));
  try {
    await until(async () => JSON.stringify(await shown()) === JSON.stringify(expected), 'the budgets of the servers route\'s answer', 10000);
  } catch (err) {
    (await shown()).should.eql(expected);
    throw err;
  }
}


/** Opens the AIMS360 tab through its action (as the View menu does) and waits for its content. */
async function showTab(page) {
  await page.evaluate(() => RED.actions.invoke('aims360:show-aims360-tab'));
  await page.locator('.aims360-sidebar').waitFor({ state: 'visible', timeout: 10000 });
}

/**
 * Gives the tab this width as dragging the sidebar's separator does (Node-RED has no call for
 * it), and waits until it has it. Node-RED 5 puts a tab bar beside the tab and lays out the
 * workspace itself; Node-RED 4 places the workspace and the separator by hand.
 */
async function setSidebarWidth(page, width) {
  await page.evaluate((w) => {
    const sidebar = $('#red-ui-sidebar');
    const total = w + sidebar.width() - $('.aims360-sidebar').outerWidth();
    sidebar.width(total);
    if (!$('.red-ui-sidebar-separator-handle').length) {
      $('#red-ui-workspace').css('right', total + 7);
      $('#red-ui-editor-stack').css('right', total + 8);
      $('#red-ui-sidebar-separator').css('right', total + 2);
    }
    RED.events.emit('sidebar:resize');
  }, width);
  await page.waitForFunction((w) => Math.abs($('.aims360-sidebar').outerWidth() - w) <= 2, width, { timeout: 5000 });
}

/**
 * What the tab cuts off or pushes out of view: sideways scrolling, buttons, ids, reasons and
 * texts outside the tab's box, text cut inside its own box, or a job id that may not wrap.
 * Empty when all is shown.
 */
function clipped(page) {
  return page.evaluate(() => {
    const root = document.querySelector('.aims360-sidebar');
    const box = root.getBoundingClientRect();
    const right = box.left + root.clientLeft + root.clientWidth;
    const found = [];
    if (root.scrollWidth > root.clientWidth) found.push(`the tab scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
    for (const el of root.querySelectorAll('button, .aims360-id, .aims360-reason, .aims360-outcome, .aims360-status, .aims360-fill, .aims360-percent, .aims360-budget-state, .aims360-bar')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const what = `${el.className} "${el.textContent.trim().slice(0, 40)}"`;
      if (r.left < box.left - 0.5 || r.right > right + 0.5) found.push(`${what} is outside the tab: ${r.left.toFixed(1)}–${r.right.toFixed(1)} in ${box.left.toFixed(1)}–${right.toFixed(1)}`);
      if (el.scrollWidth > el.clientWidth + 1) found.push(`${what} is cut: ${el.scrollWidth} > ${el.clientWidth}`);
      const style = getComputedStyle(el);
      if (el.matches('.aims360-id') && (style.textOverflow === 'ellipsis' || style.whiteSpace === 'nowrap')) found.push(`${what} may not wrap`);
    }
    return found;
  });
}

/** A wait's row in Waiting now. */
const waitRow = (page, jobId) => page.locator(`.aims360-wait[data-job-id="${jobId}"]`);
const jobRow = (page, jobId) => page.locator(`.aims360-job[data-job-id="${jobId}"]`);

describe('AIMS360 sidebar in a browser (chromium)', function () {
  this.timeout(90000);
  const sim = useSim();
  const shots = useScreenshots();

  describe('an editor without adminAuth', () => {
    // A config node whose token the API refuses, without a request budget.
    const red = usePackedNodeRed(() => ({
      flows: [...flows(sim), { id: 'other', type: 'aims360-config', name: 'Wrong token', baseUrl: sim().url, authType: 'token', timeout: 5000, maxRequestsPerSecond: 0 }],
      credentials: { ...CREDENTIALS, other: { token: 'not-the-token' } },
      settings: EVENT_SOURCE,
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
      // Reinstalled from the palette: the plugin's .html appended again; its module, already
      // loaded in this page, does not run again, and the tab still comes back, once.
      await page.evaluate(() => RED.plugins.getPlugin('aims360-sidebar').onremove());
      (await count()).should.eql({ tabs: 0, menu: 0, contents: 0 });
      await page.evaluate(() => $.ajax({ url: 'plugins/@flowjobs/node-red-aims360/aims360-sidebar', headers: { Accept: 'text/html' }, cache: false, dataType: 'text' })
        .then((html) => { $('#red-ui-editor-plugin-configs').append($(`<div>${html}</div>`)); }));
      await page.waitForFunction((sel) => $(sel).length === 1, TAB_SELECTOR, { timeout: 10000 });
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
      // The routes gone (the package removed): Express's own 404 page, whatever its words.
      await page.route('**/aims360/servers', (route) => route.fulfill({ status: 404, contentType: 'text/html', body: '<pre>Nicht gefunden</pre>' }));
      try {
        await page.locator('.aims360-refresh').click();
        await page.locator('.aims360-recent-state', { hasText: 'plugin is not running in this runtime' }).waitFor({ timeout: 10000 });
      } finally {
        await page.unroute('**/aims360/servers');
      }
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
      (await select.locator('option').allInnerTexts()).should.eql(['AIMS360 simulator', 'Slow account', 'Wrong token']);
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
        // Beside a job rerun from this tab earlier, which it keeps following.
        (await page.locator('.aims360-job:not([data-followed])').count()).should.equal(3);
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

    it('shows why a job failed, without a full bar, and reads the jobs as the runtime does (spellings, trimming)', async () => {
      const page = editor();
      await showTab(page);
      sim().addJob({ jobId: 'why-failed', outcome: 'Failed', jobStatusText: 'Stock sync failed: the warehouse was offline.' });
      await page.locator('.aims360-status-filter').selectOption('');
      await page.locator('.aims360-refresh').click();
      const row = jobRow(page, 'why-failed');
      await row.waitFor({ timeout: 15000 });
      (await row.locator('.aims360-reason').innerText()).should.equal('Stock sync failed: the warehouse was offline.');
      // The simulator says 100 % for a failed job: no bar reads it as done.
      sim().getJob('why-failed').percentCompleted.should.equal(100);
      (await row.locator('.aims360-bar').count()).should.equal(0);
      (await row.innerText()).should.not.match(/100 %/);
      // Spellings the API writes, as src/lib/job.ts reads them.
      const isList = (url) => /\/aims360\/servers\/server\/jobs$/.test(url.pathname);
      const created = new Date().toISOString();
      await page.route(isList, (route) => route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({
          truncated: false,
          jobs: [
            { JobID: 'spelled-done', JobStatus: ' completed ', canRerun: ' yes ', PercentCompleted: 100, createdDate: created },
            { jobID: 'spelled-failed', jobStatus: 'FAILED', CanReRun: 'No', jobStatusText: 'Out of paper.', createdDate: created },
          ],
        }),
      }));
      try {
        await page.locator('.aims360-refresh').click();
        const done = jobRow(page, 'spelled-done');
        await done.waitFor({ timeout: 15000 });
        (await done.getAttribute('data-status')).should.equal('Completed');
        (await done.locator('.aims360-download').isEnabled()).should.be.true();
        (await done.locator('.aims360-rerun').isEnabled()).should.be.true();
        (await done.locator('.aims360-canrerun').innerText()).should.equal('can be rerun');
        (await done.locator('.aims360-percent').innerText()).should.equal('100 %');
        const failed = jobRow(page, 'spelled-failed');
        (await failed.getAttribute('data-status')).should.equal('Failed');
        (await failed.locator('.aims360-reason').innerText()).should.equal('Out of paper.');
        (await failed.locator('.aims360-rerun').isEnabled()).should.be.false();
        (await failed.locator('.aims360-download').isEnabled()).should.be.false();
      } finally {
        await page.unroute(isList);
      }
    });

    it('reruns a job once for a double click, follows each rerun to its end, and keeps it under the Failed filter', async function () {
      this.timeout(120000);
      const page = editor();
      await showTab(page);
      const hourAgo = new Date(Date.now() - 3600000).toISOString();
      // Failed an hour ago; a rerun runs 6 s, then fails again or completes.
      sim().addJob({ jobId: 'again-fails', outcome: 'Failed', canReRun: 'Yes', runMs: 6000, createdDate: hourAgo, description: 'Nightly export', jobStatusText: 'Nightly export failed: disk full.' });
      sim().addJob({ jobId: 'again-completes', outcome: 'Failed', rerunOutcome: 'Completed', canReRun: 'Yes', runMs: 6000, createdDate: hourAgo, jobStatusText: 'Stock sync failed: offline.' });
      await page.locator('.aims360-status-filter').selectOption('Failed');
      await page.locator('.aims360-refresh').click();
      await jobRow(page, 'again-fails').waitFor({ timeout: 15000 });
      await jobRow(page, 'again-completes').waitFor({ timeout: 15000 });
      const sent = [];
      const onRequest = (request) => { if (request.method() === 'POST' && /\/rerun$/.test(request.url())) sent.push(request.url()); };
      page.on('request', onRequest);
      sim().clearLog();
      try {
        const rerun = async (jobId, confirm) => {
          await jobRow(page, jobId).locator('.aims360-rerun').click();
          await confirm(page.locator('.red-ui-notification', { hasText: jobId }).locator('.aims360-confirm-rerun'));
          await page.locator(`.aims360-job[data-job-id="${jobId}"][data-followed="running"]`).waitFor({ timeout: 15000 });
        };
        await rerun('again-fails', (button) => button.dblclick());
        await rerun('again-completes', (button) => button.click());
        // Followed live: the run is seen under way, then its end, each in its own words.
        await page.locator('.aims360-job[data-job-id="again-fails"][data-status="Inprogress"]').waitFor({ timeout: 20000 });
        const failedAgain = page.locator('.aims360-job[data-job-id="again-fails"][data-followed="ended"]');
        await failedAgain.waitFor({ timeout: 30000 });
        (await failedAgain.locator('.aims360-outcome').innerText()).should.match(/^Failed again at \d\d?:\d\d(\s?[AP]M)?: Nightly export failed: disk full\.$/);
        const completed = page.locator('.aims360-job[data-job-id="again-completes"][data-followed="ended"]');
        await completed.waitFor({ timeout: 30000 });
        (await completed.locator('.aims360-outcome').innerText()).should.match(/^Completed at \d\d?:\d\d(\s?[AP]M)?\.$/);
        (await completed.getAttribute('data-status')).should.equal('Completed');
        (await completed.locator('.aims360-download').isEnabled()).should.be.true();
        // The Failed list no longer has the completed one: its row stays, with how it ended.
        const listed = page.waitForResponse((res) => /\/aims360\/servers\/server\/jobs\?/.test(res.url()));
        await page.locator('.aims360-refresh').click();
        (await (await listed).json()).jobs.map((j) => j.jobID).should.containEql('again-fails').and.not.containEql('again-completes');
        (await completed.locator('.aims360-outcome').innerText()).should.match(/^Completed at /);
        // One POST each: the double click posted once, in the page and at the API.
        sent.filter((url) => url.includes('again-fails')).should.have.length(1);
        sent.should.have.length(2);
        sim().log.filter((e) => e.method === 'POST' && /\/rerun$/.test(e.path)).map((e) => e.path).sort()
          .should.eql(['/jobsmanagement/v1.0/backgroundjob/again-completes/rerun', '/jobsmanagement/v1.0/backgroundjob/again-fails/rerun']);
      } finally {
        page.off('request', onRequest);
      }
    });

    it('lists the runtime\'s job events live, newest first, the last 50, a failed one with its reason', async () => {
      const page = editor();
      await showTab(page);
      const base = Date.parse('2026-12-07T04:00:00Z');
      const events = Array.from({ length: 51 }, (_, i) => ({
        event: i % 2 ? 'completed' : 'failed',
        jobId: `event-job-${String(i).padStart(2, '0')}`,
        jobStatus: i % 2 ? 'Completed' : 'Failed',
        jobStatusText: i % 2 ? 'Export completed.' : `Export ${i} failed: the disk is full.`,
        categoryName: 'Reports',
        subCategoryName: 'Sales export',
        modifiedDate: new Date(base + i * 1000).toISOString(),
      }));
      (await post('/job-event', events[0])).status.should.equal(204);
      const first = page.locator('.aims360-event[data-job-id="event-job-00"]');
      await first.waitFor({ timeout: 15000 });
      (await first.getAttribute('data-event')).should.equal('failed');
      (await first.locator('.aims360-reason').innerText()).should.equal('Export 0 failed: the disk is full.');
      (await first.innerText()).should.match(/Reports \/ Sales export/);
      (await post('/job-event', events.slice(1))).status.should.equal(204);
      await page.locator('.aims360-event').first().and(page.locator('[data-job-id="event-job-50"]')).waitFor({ timeout: 15000 });
      const ids = await page.locator('.aims360-event').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job-id')));
      ids.should.eql(events.slice(1).map((e) => e.jobId).reverse());
      (await page.locator('.aims360-event[data-event="completed"] .aims360-reason').count()).should.equal(0);
    });

    it('shows each server\'s request budget as the route gives it, live: at the cap with requests waiting under load, and fits at 320 px', async function () {
      this.timeout(120000);
      const page = editor();
      await showTab(page);
      sim().addJob({ jobId: 'budget-job', runMs: 600000 });
      const slowOf = (answer) => answer.servers.find((s) => s.id === 'slow').budget;
      const row = page.locator('.aims360-budget[data-server="slow"]');
      // Idle: nothing sent through the slow account.
      const idle = await catchServersAnswer(page, (answer) => slowOf(answer).lastSecond === 0 && slowOf(answer).waiting === 0, 'an idle slow account');
      try {
        slowOf(idle.answer).should.eql({ perSecond: 1, lastSecond: 0, waiting: 0 });
        await budgetsShow(page, idle.answer);
        (await page.locator('.aims360-budget').count()).should.equal(3);
        // No cap: its words say so, without a bar.
        idle.answer.servers.find((s) => s.id === 'other').budget.perSecond.should.equal(0);
        (await page.locator('.aims360-budget[data-server="other"] .aims360-bar').count()).should.equal(0);
        (await row.locator('.aims360-budget-state').count()).should.equal(0);
        (await row.locator('.aims360-bar > div').evaluate((e) => e.style.width)).should.equal('0%');
      } finally {
        await idle.release();
      }
      // Load: eight job reads at once through the slow account (the tab's own route, one-off requests).
      sim().clearLog();
      const reads = Array.from({ length: 8 }, () => fetch(`${red().url}/aims360/servers/slow/jobs/budget-job`));
      const loaded = await catchServersAnswer(page, (answer) => slowOf(answer).waiting >= 3, 'the slow account with requests waiting');
      try {
        const { waiting } = slowOf(loaded.answer);
        slowOf(loaded.answer).should.eql({ perSecond: 1, lastSecond: 1, waiting });
        await budgetsShow(page, loaded.answer);
        (await row.locator('.aims360-budget-text').innerText()).should.equal('Requests: 1 of 1 a second');
        (await row.locator('.aims360-budget-state').innerText()).should.equal(`at the cap, ${waiting} waiting`);
        (await row.locator('.aims360-bar > div').evaluate((e) => e.style.width)).should.equal('100%');
        // Amber at the cap, the plain blue otherwise.
        (await row.locator('.aims360-bar > div').evaluate((e) => getComputedStyle(e).backgroundColor)).should.equal('rgb(224, 160, 48)');
        await setSidebarWidth(page, 320);
        (await clipped(page)).should.eql([], 'at 320 px');
      } finally {
        await loaded.release();
        await setSidebarWidth(page, 480);
      }
      // None dropped: every read answered, each one request at the API.
      for (const res of await Promise.all(reads)) res.status.should.equal(200);
      const calls = apiCalls(sim()).filter((e) => e.url.includes('budget-job'));
      calls.should.have.length(8);
      busiestSecond(calls).should.equal(1);
      // Quiet again: back to none in the last second.
      const after = await catchServersAnswer(page, (answer) => slowOf(answer).lastSecond === 0 && slowOf(answer).waiting === 0, 'the slow account idle again');
      try {
        await budgetsShow(page, after.answer);
        (await row.getAttribute('data-full')).should.equal('false');
      } finally {
        await after.release();
      }
      sim().setJob('budget-job', { jobStatus: 'Completed' });
      // A cap below one, and a config node whose settings stopped its client (budget null), as the route would give them.
      const servers = [
        { id: 'half', name: 'Half a request', baseUrl: sim().url, budget: { perSecond: 0.5, lastSecond: 1, waiting: 2 } },
        { id: 'stopped', name: 'Stopped', baseUrl: sim().url, budget: null },
      ];
      await page.route('**/aims360/servers', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ servers }) }));
      try {
        const half = page.locator('.aims360-budget[data-server="half"]');
        await half.waitFor({ timeout: 10000 });
        (await half.locator('.aims360-budget-text').innerText()).should.equal('Requests: 1 in the last second (cap: one every 2 s)');
        (await half.locator('.aims360-budget-state').innerText()).should.equal('at the cap, 2 waiting');
        const stopped = page.locator('.aims360-budget[data-server="stopped"]');
        (await stopped.locator('.aims360-budget-text').innerText()).should.match(/^Requests: not counted \(the config node's settings stopped it/);
        (await stopped.locator('.aims360-bar, .aims360-budget-state').count()).should.equal(0);
      } finally {
        await page.unroute('**/aims360/servers');
      }
      await row.waitFor({ timeout: 10000 });
    });

    it('cuts nothing off at 320 and 500 px (20 waits, whole job ids, reasons), and takes the screenshots', async function () {
      this.timeout(120000);
      const page = editor();
      await showTab(page);
      const long = (name, i) => `${name}-0f8fad5b-d9cb-469f-a165-70867728950e-2026120704${String(i).padStart(2, '0')}00000`;
      const waits = Array.from({ length: 20 }, (_, i) => long('layout-wait', i));
      for (const [i, jobId] of waits.entries()) {
        sim().addJob({ jobId, runMs: 600000 });
        sim().setJob(jobId, { percentCompleted: (i * 13) % 100 });
      }
      (await post('/start', waits)).status.should.equal(204);
      try {
        await until(async () => (await page.locator('.aims360-wait').count()) === 20, 'the 20 waits');
        sim().addJob({ jobId: long('layout-failed', 1), outcome: 'Failed', canReRun: 'Yes', description: 'Nightly stock sync to the warehouse', jobStatusText: 'Nightly stock sync failed: the warehouse system did not answer within 120 seconds.' });
        (await post('/job-event', { event: 'failed', jobId: long('layout-event', 2), jobStatus: 'Failed', jobStatusText: 'Sales order export failed: the export was cancelled.', categoryName: 'Reports', subCategoryName: 'Sales order export' })).status.should.equal(204);
        await page.locator('.aims360-status-filter').selectOption('Failed');
        await jobRow(page, long('layout-failed', 1)).waitFor({ timeout: 15000 });
        await page.locator(`.aims360-event[data-job-id="${long('layout-event', 2)}"]`).waitFor({ timeout: 15000 });
        await page.mouse.move(0, 0);
        for (const width of [320, 500]) {
          await setSidebarWidth(page, width);
          (await clipped(page)).should.eql([], `at ${width} px`);
          (await page.locator('.aims360-cancel:visible').count()).should.equal(20);
          // The picture: the last waits, then the failed job with its reason.
          await page.evaluate(() => {
            const root = document.querySelector('.aims360-sidebar');
            root.scrollTop = document.querySelector('.aims360-controls').offsetTop - root.clientHeight / 3;
          });
          const box = await page.locator('.aims360-sidebar').boundingBox();
          const file = await snap(page, path.join(shots, 'images'), `sidebar-${width}`, { x: box.x, y: Math.max(0, box.y - 40), width: box.width, height: Math.min(box.height + 40, 860) });
          fs.statSync(file).size.should.be.above(1000);
        }
      } finally {
        for (const jobId of waits) sim().setJob(jobId, { jobStatus: 'Completed' });
        await setSidebarWidth(page, 480);
      }
      await until(async () => (await page.locator('.aims360-wait').count()) === 0, 'the waits to end', 30000);
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
      // The tab's comms handler timed from the page: one subscriber just before it (the tab
      // added again subscribes after it), one just after; Node-RED calls them in that order.
      await page.evaluate(() => {
        const plugin = RED.plugins.getPlugin('aims360-sidebar');
        plugin.onremove();
        let started = 0;
        window.__aims360Renders = [];
        window.__aims360Before = () => { started = performance.now(); };
        window.__aims360After = (topic, data) => {
          const entry = { ms: performance.now() - started, paintedMs: null, total: data.total };
          window.__aims360Renders.push(entry);
          requestAnimationFrame(() => setTimeout(() => { entry.paintedMs = performance.now() - started; }, 0));
        };
        RED.comms.subscribe('aims360/waits', window.__aims360Before);
        plugin.onadd();
        RED.comms.subscribe('aims360/waits', window.__aims360After);
      });
      await showTab(page);
      (await post('/start', ids)).status.should.equal(204);
      await page.locator('.aims360-waits-showing', { hasText: 'showing 200 of 1,000' }).waitFor({ timeout: 60000 });
      (await page.locator('.aims360-wait').count()).should.equal(200);
      // Keep them polled for a while: each snapshot is an update to render.
      await until(async () => (await page.evaluate(() => window.__aims360Renders.filter((r) => r.total === 1000).length)) >= 10,
        'ten snapshots of 1,000 waits', 60000, 100);
      const renders = (await page.evaluate(() => {
        RED.comms.unsubscribe('aims360/waits', window.__aims360Before);
        RED.comms.unsubscribe('aims360/waits', window.__aims360After);
        return window.__aims360Renders;
      })).filter((r) => r.total === 1000);
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
      credentials: CREDENTIALS,
      settings: {
        ...EVENT_SOURCE,
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
      const listed = page.waitForResponse((res) => /\/aims360\/servers\/server\/jobs\?/.test(res.url()) && res.status() === 200);
      await page.locator('.aims360-refresh').click();
      const answer = await (await listed).json();
      await jobRow(page, 'ro-failed').waitFor({ timeout: 15000 });
      await jobRow(page, 'ro-done').waitFor({ timeout: 15000 });
      const enabled = await page.locator('.aims360-cancel:enabled, .aims360-rerun:enabled, .aims360-download:enabled').count();
      enabled.should.equal(0);
      (await page.locator('.aims360-cancel, .aims360-rerun, .aims360-download').count()).should.be.aboveOrEqual(3);
      (await page.locator('.aims360-readonly').innerText()).should.match(/aims360\.write/);
      // The request budgets too (a read).
      (await page.locator('.aims360-budget[data-server="server"] .aims360-budget-text').innerText()).should.match(/^Requests: \d+ of 10 a second$/);
      // A Public job's link would download without a token: the list a reader's page gets has none.
      answer.jobs.map((job) => job.jobID).should.containEql('ro-done');
      answer.jobs.flatMap((job) => Object.keys(job).filter((key) => /link$/i.test(key))).should.eql([]);
      sim().setJob('ro-wait', { jobStatus: 'Completed' });
      await waitRow(page, 'ro-wait').waitFor({ state: 'detached', timeout: 15000 });
    });
  });
});
