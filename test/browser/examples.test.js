// Each example as a user meets it: Menu › Import › Examples, point its config node
// at the simulator in the dialog, Deploy, click its injects, and watch the debug
// sidebar; then check that it is laid out to be read.
require('should');
const { usePackedNodeRed, examples, workingTypes } = require('../support/packed');
const { useEditor, openEditor, openDialog, done, snap, useScreenshots, clickInjectButton, openPackExamples } = require('../support/browser');
const { useSim, shorterExports, TOKEN } = require('../support/sim');
const { expectations, clickedInjects } = require('../support/examples');
const { deploy } = require('../support/node-red-process');
const { WEBHOOK_BASE } = require('../../scripts/example-flows.cjs');

describe('examples in a browser (Import › Examples, Deploy)', function () {
  this.timeout(60000);
  const sim = useSim({ demo: true }, shorterExports);
  const shots = useScreenshots();
  // node-red-node-mysql, which export-changes-to-database.json writes with, as a user installs it beside the pack.
  const red = usePackedNodeRed(() => ({ settings: { nodesDir: require('node:path').dirname(require.resolve('node-red-node-mysql/package.json')) } }));
  const editor = useEditor(() => red().url, { width: 1400, height: 900 });

  // Each example starts from an empty workspace, as on a fresh install.
  beforeEach(async () => {
    await deploy(red().url, [{ id: 'tab', type: 'tab', label: 'Flow 1' }]);
    await openEditor(editor(), red().url);
  });

  async function importExample(file, flow) {
    const page = editor();
    const tree = await openPackExamples(page);
    const example = tree.locator('.red-ui-treeList-label', { hasText: new RegExp(`^${file.replace(/\.json$/, '')}$`) });
    const ok = page.locator('#red-ui-clipboard-dialog-ok');
    await example.click();
    // On a loaded machine a click can land while the tree still opens: pick it again until Import is enabled.
    for (let tries = 0; tries < 3 && !(await ok.isEnabled()); tries++) {
      await page.waitForTimeout(2000);
      if (!(await ok.isEnabled())) await example.click();
    }
    await ok.click();
    // A click placing the nodes before the editor has drawn them (sized them) puts each
    // node's left edge where its centre belongs (seen on Node-RED 5 under load).
    await page.waitForFunction((ids) => ids.every((id) => {
      const body = document.querySelector(`[id="${id}"] .red-ui-flow-node`);
      return body && body.getBoundingClientRect().width > 0;
    }), flow.filter((n) => n.z).map((n) => n.id), { timeout: 10000 });
    // Imported nodes follow the mouse until a click places them: far enough from the palette
    // that an inject's button, left of its node, is not under it.
    await page.mouse.move(320, 110);
    await page.mouse.click(320, 110);
  }

  /** Opens the config node from one of the example's nodes and points it at the simulator. */
  async function pointAtSimulator(nodeId) {
    const page = editor();
    await openDialog(page, nodeId);
    await page.locator('.red-ui-tray #node-input-btn-server-edit').click();
    await page.waitForSelector('.red-ui-tray #node-config-dialog-ok', { state: 'visible' });
    await page.locator('#node-config-aims360-region').selectOption('custom');
    await page.locator('#node-config-input-baseUrl').fill(sim().url);
    await page.locator('#node-config-input-authType').selectOption('token');
    await page.locator('#node-config-input-token').fill(TOKEN);
    await done(page);
    await done(page);
  }

  for (const { file, flow } of examples()) {
    it(`${file}: imports from the menu, deploys, and runs`, async () => {
      const page = editor();
      await importExample(file, flow);
      const ours = flow.find((n) => workingTypes.includes(n.type));
      // Under load the import can land a moment after the click that places it.
      const imported = await page.waitForFunction((id) => !!RED.nodes.node(id), ours.id, { timeout: 10000 }).then(() => true, () => false);
      imported.should.be.true(`imported with its ids; the workspace holds: ${await page.evaluate(() => {
        const found = [];
        RED.nodes.eachNode((n) => found.push(`${n.type} ${n.id}`));
        return found.join(', ');
      })}`);
      await pointAtSimulator(ours.id);
      // A webhook on Node-RED's default port: this test's Node-RED listens on another.
      for (const request of flow.filter((n) => n.type === 'http request' && n.url.startsWith(`${WEBHOOK_BASE}/`))) {
        await openDialog(page, request.id);
        await page.locator('#node-input-url').fill(red().url + request.url.slice(WEBHOOK_BASE.length));
        await done(page);
      }
      const invalid = await page.evaluate((ids) => ids.filter((id) => RED.nodes.node(id) && RED.nodes.node(id).valid === false), flow.map((n) => n.id));
      invalid.should.eql([]);

      await page.locator('#red-ui-header-button-deploy').click();
      await page.waitForFunction(() => !RED.nodes.dirty());
      // Node-RED 5 lays the sidebar out anew; its API opens the debug tab in 4 and 5.
      await page.evaluate(() => RED.sidebar.show('debug'));
      for (const inject of clickedInjects(flow)) await clickInjectButton(page, inject.id);
      const results = expectations(flow).filter((e) => e.kind === 'result');
      for (const e of results) {
        // The sidebar names each message's debug node; if none comes, say what did.
        await page.locator('.red-ui-debug-msg .red-ui-debug-msg-name', { hasText: e.name }).first().waitFor({ timeout: 50000 }).catch(async (err) => {
          const shown = await page.locator('.red-ui-debug-msg').allInnerTexts();
          const calls = sim().log.slice(-20).map((c) => `${c.method} ${c.path}`);
          throw new Error(`no message from "${e.name}" in 50 s; the debug sidebar shows ${JSON.stringify(shown.map((t) => t.slice(0, 300)))}; the API's last calls: ${JSON.stringify(calls)}\n${err.message}`);
        });
      }
      const errors = await page.locator('.red-ui-debug-msg-error, .red-ui-debug-msg .red-ui-debug-msg-type-string', { hasText: /AUTH_FAILED|NETWORK/ }).count();
      errors.should.equal(0);

      await checkLayout(flow);
      await snapFlow(flow, `example-${file.replace(/\.json$/, '')}`);
    });
  }

  /**
   * Laid out to be read in a 1400 px wide editor: the whole flow, where the file puts
   * it, within the canvas left between the palette and the sidebar, inject buttons
   * clear of its left edge; no status text
   * over another node; every wire going rightwards (a wire into a node left of its
   * source loops across the canvas).
   */
  async function checkLayout(flow) {
    const page = editor();
    const canvasWidth = await page.evaluate(() => document.getElementById('red-ui-workspace-chart').clientWidth);
    const placed = await page.evaluate((ids) => ids.map((id) => {
      const n = RED.nodes.node(id);
      const group = document.querySelector(`[id="${id}"]`);
      const box = (e) => {
        const r = e && e.getBoundingClientRect();
        return r && r.width > 0 ? { left: r.left, right: r.right, top: r.top, bottom: r.bottom } : null;
      };
      const status = group.querySelector('.red-ui-flow-node-status-group');
      return {
        id, name: n.name || n.type, type: n.type, x: n.x, w: n.w,
        body: box(group.querySelector('.red-ui-flow-node')),
        status: status && status.style.display !== 'none' ? box(status) : null,
        wiredTo: RED.nodes.filterLinks({ source: n }).map((l) => l.target.id),
      };
    }), flow.filter((n) => n.z).map((n) => n.id));
    const byId = new Map(placed.map((p) => [p.id, p]));
    const fileX = new Map(flow.map((n) => [n.id, n.x]));
    const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const problems = [];
    for (const p of placed) {
      // An inject's button sits 25 px left of it, and must stay clickable.
      const leftEdge = fileX.get(p.id) - p.w / 2 - (p.type === 'inject' ? 25 : 0);
      if (leftEdge < 20) problems.push(`${p.name} starts at ${leftEdge} px, too near the canvas's left edge`);
      if (fileX.get(p.id) + p.w / 2 > canvasWidth) problems.push(`${p.name} ends at ${fileX.get(p.id) + p.w / 2} px, past the canvas (${canvasWidth} px)`);
      for (const other of placed) {
        if (p.status && other !== p && other.body && overlaps(p.status, other.body)) problems.push(`${p.name}'s status covers ${other.name}`);
      }
      for (const target of p.wiredTo.map((id) => byId.get(id))) {
        if (target.x - target.w / 2 < p.x + p.w / 2) problems.push(`the wire ${p.name} (ends at ${p.x + p.w / 2} px) → ${target.name} (starts at ${target.x - target.w / 2} px) runs backwards`);
      }
    }
    problems.should.eql([]);
  }

  /** Screenshot of the canvas cropped to the example's nodes. */
  async function snapFlow(flow, name) {
    const page = editor();
    await page.evaluate(() => {
      RED.view.select({ nodes: [] });
      $('.red-ui-notification').remove();
    });
    const box = await page.evaluate((ids) => {
      const rects = ids.map((id) => document.querySelector(`[id="${id}"]`)).filter(Boolean).map((e) => e.getBoundingClientRect());
      const chart = document.getElementById('red-ui-workspace-chart').getBoundingClientRect();
      const x = Math.max(chart.left, Math.min(...rects.map((r) => r.left)) - 20);
      const y = Math.max(chart.top, Math.min(...rects.map((r) => r.top)) - 20);
      return {
        x, y,
        width: Math.min(chart.right, Math.max(...rects.map((r) => r.right)) + 20) - x,
        height: Math.min(chart.bottom, Math.max(...rects.map((r) => r.bottom)) + 20) - y,
      };
    }, flow.filter((n) => n.z).map((n) => n.id));
    await snap(page, shots, name, box);
  }
});

// `npm start` opened in a browser for the first time: the screen a new user meets.
describe('npm start: the editor opened the first time', function () {
  this.timeout(60000);
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { startDemo } = require('../support/demo');
  const { FIRST_TAB } = require('../../scripts/demo-flows.cjs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-demo-browser-'));
  const shots = useScreenshots();
  let demo;
  before(async function () {
    this.timeout(60000);
    demo = await startDemo(dir);
  });
  after(async () => {
    if (demo) await demo.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  // The width the README's picture and a laptop have.
  const editor = useEditor(() => demo.editorUrl, { width: 1400, height: 900 });

  it('opens on the debug tab, the AIMS360 tab in view beside it, the start-here tab first', async () => {
    const page = editor();
    const shown = await page.evaluate(() => ({
      debug: $('.red-ui-debug-content').is(':visible'),
      info: $('.red-ui-sidebar-info').is(':visible'),
      tabs: RED.nodes.getWorkspaceOrder(),
      active: RED.workspaces.active(),
    }));
    shown.should.match({ debug: true, info: false });
    shown.tabs[0].should.equal(FIRST_TAB);
    shown.active.should.equal(FIRST_TAB);
    (await page.evaluate((id) => RED.nodes.workspace(id).label, FIRST_TAB)).should.startWith('Start here');
    // The first words on the canvas say what to click.
    const guide = await page.evaluate((id) => {
      const comments = [];
      RED.nodes.eachNode((n) => {
        if (n.z === id && n.type === 'comment') comments.push({ name: n.name, y: n.y });
      });
      return comments.sort((a, b) => a.y - b.y)[0].name;
    }, FIRST_TAB);
    guide.should.match(/^Start here: click the button left of "export open orders"/);
    await page.locator('.red-ui-flow-node-label', { hasText: 'Start here: click' }).first().waitFor({ state: 'visible' });

    // Node-RED 4: a tab's icon in the sidebar's tab bar, others in its menu; 5: a button in the bar, others under the overflow button.
    const aims360 = page.locator('#red-ui-tab-aims360-link-button, .red-ui-sidebar-tab-bar button[data-tab-id="aims360"]');
    await aims360.waitFor({ state: 'visible' });
    const box = await aims360.boundingBox();
    (box.x + box.width).should.be.belowOrEqual(1400);
    box.width.should.be.above(10);
    await aims360.click();
    await page.locator('.aims360-sidebar').waitFor({ state: 'visible' });
    await page.evaluate(() => RED.sidebar.show('debug'));
  });

  it('clicking the first tab\'s injects shows the open orders in the debug tab, and no error', async () => {
    const page = editor();
    const injects = await page.evaluate((id) => {
      const found = [];
      RED.nodes.eachNode((n) => {
        if (n.z === id && n.type === 'inject' && !n.d) found.push(n.id);
      });
      return found;
    }, FIRST_TAB);
    injects.should.not.be.empty();
    for (const id of injects) await clickInjectButton(page, id);
    // The rows of the click, not the run on opening: a second message from that debug node;
    // or, sooner, an error (a node's, or a Catch node's debug output).
    const rows = page.locator('.red-ui-debug-msg', { has: page.locator('.red-ui-debug-msg-name', { hasText: 'open order rows' }) });
    const errors = page.locator('.red-ui-debug-msg-level-20, .red-ui-debug-msg-level-30')
      .or(page.locator('.red-ui-debug-msg', { has: page.locator('.red-ui-debug-msg-name', { hasText: /error|refused/ }) }));
    await rows.nth(1).or(errors.first()).waitFor({ state: 'attached', timeout: 50000 });
    (await errors.allInnerTexts()).should.eql([]);
    (await rows.nth(1).innerText()).should.match(/array\[25\]/);
    await page.evaluate(() => {
      RED.view.select({ nodes: [] });
      $('.red-ui-notification').remove();
    });
    // The newest message in view.
    await rows.nth(1).scrollIntoViewIfNeeded();
    await snap(page, shots, 'first-open');
  });
});
