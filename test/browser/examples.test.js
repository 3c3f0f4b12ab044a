// Each example as a user meets it: Menu › Import › Examples, point its config node
// at the simulator in the dialog, Deploy, and watch the debug sidebar.
require('should');
const { usePackedNodeRed, examples, workingTypes, PACKAGE } = require('../support/packed');
const { useEditor, openEditor, openDialog, done, snap, useScreenshots } = require('../support/browser');
const { startSim, TOKEN } = require('../support/sim');
const { expectations } = require('../support/examples');
const { deploy } = require('../support/node-red-process');

describe('examples in a browser (Import › Examples, Deploy)', function () {
  this.timeout(60000);
  let sim;
  const shots = useScreenshots();
  before(async () => {
    sim = await startSim({ demo: true });
  });
  after(async () => {
    if (sim) await sim.close();
  });
  const red = usePackedNodeRed();
  const editor = useEditor(() => red().url, { width: 1800, height: 900 });

  // Each example starts from an empty workspace, as on a fresh install.
  beforeEach(async () => {
    await deploy(red().url, [{ id: 'tab', type: 'tab', label: 'Flow 1' }]);
    await openEditor(editor(), red().url);
  });

  async function importExample(file) {
    const page = editor();
    await page.locator('#red-ui-header-button-sidemenu').click();
    await page.locator('#menu-item-import').click();
    await page.getByRole('link', { name: 'Examples' }).click();
    const tree = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await tree.locator('.red-ui-treeList-label', { hasText: PACKAGE.name }).click();
    await tree.locator('.red-ui-treeList-label', { hasText: new RegExp(`^${file.replace(/\.json$/, '')}$`) }).click();
    await page.locator('#red-ui-clipboard-dialog-ok').click();
    // Imported nodes follow the mouse until a click places them.
    await page.mouse.move(220, 110);
    await page.mouse.click(220, 110);
  }

  /** Opens the config node from one of the example's nodes and points it at the simulator. */
  async function pointAtSimulator(nodeId) {
    const page = editor();
    await openDialog(page, nodeId);
    await page.locator('.red-ui-tray #node-input-btn-server-edit').click();
    await page.waitForSelector('.red-ui-tray #node-config-dialog-ok', { state: 'visible' });
    await page.locator('#node-config-aims360-region').selectOption('custom');
    await page.locator('#node-config-input-baseUrl').fill(sim.url);
    await page.locator('#node-config-input-authType').selectOption('token');
    await page.locator('#node-config-input-token').fill(TOKEN);
    await done(page);
    await done(page);
  }

  for (const { file, flow } of examples()) {
    it(`${file}: imports from the menu, deploys, and runs`, async () => {
      const page = editor();
      await importExample(file);
      const ours = flow.find((n) => workingTypes.includes(n.type));
      // Under load the import can land a moment after the click that places it.
      const imported = await page.waitForFunction((id) => !!RED.nodes.node(id), ours.id, { timeout: 10000 }).then(() => true, () => false);
      imported.should.be.true(`imported with its ids; the workspace holds: ${await page.evaluate(() => {
        const found = [];
        RED.nodes.eachNode((n) => found.push(`${n.type} ${n.id}`));
        return found.join(', ');
      })}`);
      await pointAtSimulator(ours.id);
      const invalid = await page.evaluate((ids) => ids.filter((id) => RED.nodes.node(id) && RED.nodes.node(id).valid === false), flow.map((n) => n.id));
      invalid.should.eql([]);

      await page.locator('#red-ui-header-button-deploy').click();
      await page.waitForFunction(() => !RED.nodes.dirty());
      // Node-RED 5 lays the sidebar out anew; its API opens the debug tab in 4 and 5.
      await page.evaluate(() => RED.sidebar.show('debug'));
      const results = expectations(flow).filter((e) => e.kind === 'result');
      for (const e of results) {
        // The sidebar names each message's debug node.
        await page.locator('.red-ui-debug-msg .red-ui-debug-msg-name', { hasText: e.name }).first().waitFor({ timeout: 50000 });
      }
      const errors = await page.locator('.red-ui-debug-msg-error, .red-ui-debug-msg .red-ui-debug-msg-type-string', { hasText: /AUTH_FAILED|NETWORK/ }).count();
      errors.should.equal(0);

      await snapFlow(flow, `example-${file.replace(/\.json$/, '')}`);
    });
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
