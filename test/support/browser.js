// Debian's chromium driven by playwright-core, against a running Node-RED editor.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { PACKAGE } = require('./packed');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// Without the networking flags chromium keeps calling home on a closed network.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

/**
 * Where screenshots go: docs/ with AIMS360_SCREENSHOTS=docs (npm run screenshots),
 * else a temporary folder removed after the file's tests.
 */
function useScreenshots() {
  if (process.env.AIMS360_SCREENSHOTS === 'docs') return path.resolve(__dirname, '..', '..', 'docs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-shots-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Mocha hooks: one headless chromium for the file and a page with the editor of
 * getUrl() loaded (palette ready). Requests off loopback are refused (the editor
 * asks the online catalogue for updates); `options` go to openEditor. Returns a getter for the page.
 */
function useEditor(getUrl, viewport = { width: 1400, height: 900 }, options = {}) {
  let browser;
  let page;
  before(async function () {
    this.timeout(60000);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    page = await browser.newPage({ viewport });
    await page.route('**/*', (route) => (/^https?:\/\/127\.0\.0\.1[:/]/.test(route.request().url()) ? route.continue() : route.abort()));
    await openEditor(page, getUrl(), options);
  });
  // A test that fails with a dialog open leaves its shade over the page: closed, so the
  // next test fails (or passes) for its own reasons.
  afterEach(async () => {
    if (page) await page.evaluate(() => document.querySelectorAll('.red-ui-notification').forEach((n) => n.close && n.close())).catch(() => {});
  });
  after(async () => {
    if (browser) await browser.close();
  });
  return () => page;
}

/**
 * Loads the editor and waits until the palette (with the pack, unless `installed` is
 * false) and the flows are in.
 */
async function openEditor(page, url, { installed = true } = {}) {
  await page.goto(url);
  await page.waitForFunction((withPack) => window.RED && RED.nodes && (!withPack || RED.nodes.getType('aims360-config')) && $('.red-ui-palette-node').length > 0
    && RED.nodes.workspace && RED.workspaces.active(), installed, { timeout: 30000 });
}

/** The node's group on the canvas (ids may start with a digit: no #id selectors). */
const onCanvas = (id) => `[id="${id}"]`;

/** Double-clicks a node on the canvas and waits for its edit dialog. */
async function openDialog(page, id) {
  await page.evaluate((nodeId) => RED.view.reveal(nodeId), id);
  // A double click while the canvas still scrolls to the node can miss: tried again.
  for (let tries = 0; ; tries++) {
    await page.locator(`${onCanvas(id)} .red-ui-flow-node`).dblclick();
    const open = await page.waitForSelector('.red-ui-tray #node-dialog-ok', { state: 'visible', timeout: 3000 }).then(() => true, () => false);
    if (open) return trayOpened(page);
    if (tries === 3) throw new Error(`no edit dialog for ${id}`);
  }
}

/**
 * Waits until the topmost edit tray has finished opening: slid in, and its first field
 * focused. The editor focuses that field 150 ms after building the tray (later on a busy
 * machine); a test typing before then can lose the focus mid-way, its keys going to that field.
 */
async function trayOpened(page) {
  await page.waitForFunction(() => {
    const tray = $('.red-ui-tray').last();
    return tray.length === 1 && tray.css('right') === '0px' && $.contains(tray[0], document.activeElement);
  }, null, { timeout: 5000 });
}

/**
 * Presses a button (ok or cancel) of the topmost dialog, a config node's first, and
 * waits until that dialog has gone (a tray that is still sliding ignores clicks: pressed again).
 * A node's dialog leaves the page while its config node's dialog is open.
 */
async function press(page, button) {
  const config = page.locator(`#node-config-dialog-${button}:visible`);
  const target = (await config.count()) ? config : page.locator(`#node-dialog-${button}:visible`);
  const handle = await target.elementHandle();
  for (let tries = 0; ; tries++) {
    if (await handle.isVisible()) await handle.click();
    if (await handle.waitForElementState('hidden', { timeout: 1500 }).then(() => true, () => false)) break;
    if (tries === 5) throw new Error(`the dialog stays open after ${button}`);
  }
  // The dialog below slides back in.
  await page.waitForTimeout(300);
}

/** Presses Done in the topmost dialog. */
const done = (page) => press(page, 'ok');

/** Closes every open edit dialog without saving (cleanup after a test). */
async function closeTrays(page) {
  for (let tries = 0; tries < 20 && (await page.locator('.red-ui-tray').count()); tries++) {
    await page.evaluate(() => RED.tray.close());
    await page.waitForTimeout(300);
  }
}

/**
 * Does the canvas show the red triangle (invalid) on this node? Waits up to 2 s for
 * `expected` (the canvas redraws on the next frame), then answers what it shows.
 */
async function hasErrorBadge(page, id, expected) {
  const reached = await page.waitForFunction(([sel, want]) => {
    const badge = document.querySelector(`${sel} .red-ui-flow-node-error`);
    return (!!badge && !badge.classList.contains('hide') && badge.getBoundingClientRect().width > 0) === want;
  }, [onCanvas(id), expected], { timeout: 10000 }).then(() => true, () => false);
  return reached ? expected : !expected;
}

/**
 * Clicks an inject node's button and waits for the runtime to take it. A deploy is answered
 * a moment before its flows start, and a click meanwhile gets 404 ("not deployed") and is
 * lost; on a loaded machine a click can also send nothing at all. Click again in both cases,
 * as a user would; a click whose request went out is never repeated before its answer.
 */
async function clickInjectButton(page, id) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const sent = page.waitForRequest((r) => r.url().endsWith(`/inject/${id}`), { timeout: 5000 }).catch(() => null);
    await page.locator(`${onCanvas(id)} .red-ui-flow-node-button`).click();
    const request = await sent;
    const answer = request && (await request.response());
    if (answer?.status() === 200) return;
    if (request && !answer) throw new Error(`the inject button of ${id} sent a request that failed (${request.failure()?.errorText})`);
    if (Date.now() > deadline || (answer && answer.status() !== 404)) {
      throw new Error(`the inject button of ${id} was ${answer ? `answered ${answer.status()}` : 'clicked, and sent nothing'}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Screenshot of one element (a locator), or of a page cropped to `clip`, as a small PNG. */
async function snap(target, dir, name, clip) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await target.screenshot({ path: file, animations: 'disabled', ...(clip ? { clip } : {}) });
  return file;
}

/** Opens Menu › Import › Examples and this package's folder in it; resolves the examples tree. */
async function openPackExamples(page) {
  await page.locator('#red-ui-header-button-sidemenu').click();
  await page.locator('#menu-item-import').click();
  await page.getByRole('link', { name: 'Examples' }).click();
  const tree = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
  await tree.locator('.red-ui-treeList-label', { hasText: PACKAGE.name }).click();
  return tree;
}

module.exports = { openPackExamples, useEditor, openEditor, openDialog, trayOpened, done, closeTrays, hasErrorBadge, onCanvas, clickInjectButton, snap, useScreenshots };
