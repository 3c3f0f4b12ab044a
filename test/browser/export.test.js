// The export data node as a user builds it: its Source and View name dropdowns (the
// System Views catalogue, grouped and searchable), then a flow made from the palette
// (inject → export data → debug), wired with the mouse, deployed, run, and its rows
// seen in the debug sidebar.
const should = require('should');
const path = require('node:path');
const { usePackedNodeRed, root } = require('../support/packed');
const { useEditor, openDialog, done, closeTrays, hasErrorBadge, onCanvas, clickInjectButton, snap, useScreenshots } = require('../support/browser');
const { useSim, simulatorFlow, TOKEN } = require('../support/sim');

const catalogue = require(path.join(root, 'resources', 'aims360-views.json')).modules;
const sourcesOf = (module) => [...new Set(catalogue.find((m) => m.module === module).views.map((v) => v.source))];
const viewsOf = (source) => catalogue.flatMap((m) => m.views).filter((v) => v.source === source).map((v) => v.viewName);

describe('export data in a browser: catalogue dropdowns, and a flow built from the palette', function () {
  this.timeout(60000);
  const sim = useSim();
  const shots = useScreenshots();
  const red = usePackedNodeRed(() => ({ flows: simulatorFlow(sim()), credentials: { server: { token: TOKEN } } }));
  const editor = useEditor(() => red().url);
  afterEach(() => closeTrays(editor()));

  /** Drags a node type from the palette onto the canvas; resolves its id. */
  async function drop(type, x, y) {
    const page = editor();
    const ids = () => page.evaluate(() => { const all = []; RED.nodes.eachNode((n) => all.push(n.id)); return all; });
    const before = await ids();
    await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).dragTo(page.locator('#red-ui-workspace-chart'), { targetPosition: { x, y } });
    const added = (await ids()).filter((id) => !before.includes(id));
    added.length.should.equal(1, `${type} not dropped`);
    return added[0];
  }

  /** Drags a wire with the mouse from the output port of one node to the input port of another. */
  async function wire(from, to) {
    const page = editor();
    const center = async (sel) => {
      const box = await page.locator(sel).boundingBox();
      return [box.x + box.width / 2, box.y + box.height / 2];
    };
    const start = await center(`${onCanvas(from)} .red-ui-flow-port-output .red-ui-flow-port`);
    const end = await center(`${onCanvas(to)} .red-ui-flow-port-input .red-ui-flow-port`);
    await page.mouse.move(...start);
    await page.mouse.down();
    await page.mouse.move(start[0] + 20, start[1] + 5, { steps: 3 });
    await page.mouse.move(...end, { steps: 8 });
    await page.mouse.up();
    const linked = await page.waitForFunction(([a, b]) => RED.nodes.filterLinks({ source: RED.nodes.node(a), target: RED.nodes.node(b) }).length === 1,
      [from, to], { timeout: 3000 }).then(() => true, () => false);
    linked.should.be.true(`no wire from ${from} to ${to}`);
  }

  /** The text box of a typed input of the open dialog. */
  const box = (prop) => editor().locator(`.red-ui-tray #node-input-${prop} + .red-ui-typedInput-container input.red-ui-typedInput-input`);
  /** The open suggestion list. */
  const list = () => editor().locator('ul.aims360-suggestions:visible');

  /**
   * Waits until the suggestions of a field follow its text (the autocomplete searches a moment
   * after each key) and the list is open; resolves it as [group, [choices]] pairs, in order.
   */
  async function shown(prop) {
    await box(prop).evaluate((input) => new Promise((resolve) => {
      const settled = () => {
        const search = $(input).autocomplete('instance');
        return search.term === input.value && !search.pending;
      };
      const check = () => (settled() ? resolve() : setTimeout(check, 20));
      check();
    }));
    await list().waitFor();
    return list().evaluate((ul) => {
      const groups = [];
      for (const li of ul.children) {
        if (li.classList.contains('aims360-suggestions-group')) groups.push([li.textContent, []]);
        else groups[groups.length - 1][1].push(li.textContent);
      }
      return groups;
    });
  }

  /** The choice highlighted by the keyboard, if any. */
  const active = () => editor().evaluate(() => $('ul.aims360-suggestions:visible .ui-state-active').first().text() || null);

  /** Presses ArrowDown until `text` is highlighted; resolves the group headers passed over (never highlighted). */
  async function arrowTo(text) {
    const page = editor();
    for (let i = 0; i < 200; i++) {
      await page.keyboard.press('ArrowDown');
      const now = await active();
      if (now === text) return;
      (await list().locator('.aims360-suggestions-group.ui-state-active, .aims360-suggestions-group .ui-state-active').count()).should.equal(0, 'a group header highlighted');
    }
    throw new Error(`${text} never highlighted`);
  }

  describe('Source and View name dropdowns', () => {
    let id;
    before(async () => {
      id = await drop('aims360-export', 300, 420);
    });

    it('lists every Source grouped by module, filters as you type, and a header is no choice', async () => {
      const page = editor();
      await openDialog(page, id);
      await box('source').click();
      const all = await shown('source');
      all.map(([group]) => group).should.eql(catalogue.map((m) => m.module));
      for (const [group, sources] of all) sources.should.eql(sourcesOf(group));

      // Any part of a Source or of its module, in any case.
      await box('source').pressSequentially('pURCH');
      const found = await shown('source');
      for (const [group, sources] of found) {
        for (const s of sources) `${group} ${s}`.toLowerCase().should.containEql('purch', `${group} / ${s}`);
      }
      found.map(([group]) => group).should.containEql('Purchase Orders');
      found.map(([group]) => group).should.not.containEql('Invoices');

      // A click on a header picks nothing and leaves the list open.
      await list().locator('.aims360-suggestions-group', { hasText: 'Purchase Orders' }).first().click();
      (await box('source').inputValue()).should.equal('pURCH');
      (await list().isVisible()).should.be.true('a click on a header closed the list');
      await list().locator('.ui-menu-item', { hasText: /^Purchase Order Receipts$/ }).click();
      (await list().isVisible()).should.be.false();
      (await page.evaluate(() => [$('#node-input-source').val(), $('#node-input-source').typedInput('value')])).should.eql(['Purchase Order Receipts', 'Purchase Order Receipts']);
    });

    it('lists only the views of the chosen Source, searchable, picked with the keyboard', async () => {
      const page = editor();
      /** Types a Source; its own list, which opens over View name, is closed again. */
      const typeSource = async (text) => {
        await box('source').fill(text);
        await shown('source');
        await page.keyboard.press('Escape');
        await list().waitFor({ state: 'detached' });
      };
      await openDialog(page, id);
      await typeSource('Invoices');
      await box('viewName').click();
      (await shown('viewName')).should.eql([['Invoices', viewsOf('Invoices')]]);
      await page.keyboard.press('Escape');

      // A Source typed in another case counts; the list follows it.
      await typeSource('orders');
      await box('viewName').click();
      (await shown('viewName')).should.eql([['Orders', viewsOf('Orders')]]);
      await box('viewName').pressSequentially('cancel');
      const cancelled = viewsOf('Orders').filter((v) => v.toLowerCase().includes('cancel'));
      cancelled.length.should.be.above(1);
      (await shown('viewName')).should.eql([['Orders', cancelled]]);
      await arrowTo(cancelled[1]);
      await page.keyboard.press('Enter');
      (await list().isVisible()).should.be.false();
      (await page.evaluate(() => $('#node-input-viewName').typedInput('value'))).should.equal(cancelled[1]);

      // The down arrow opens the list; up from the first choice goes back to the text, once more to the last choice.
      await box('viewName').fill('');
      (await shown('viewName')).should.eql([['Orders', viewsOf('Orders')]]);
      await page.keyboard.press('Escape');
      await list().waitFor({ state: 'detached' });
      await page.keyboard.press('ArrowDown');
      await shown('viewName');
      should(await active()).equal(null);
      await page.keyboard.press('ArrowDown');

      (await active()).should.equal(viewsOf('Orders')[0]);
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowUp');
      (await active()).should.equal(viewsOf('Orders').at(-1));
      await page.keyboard.press('Escape');
    });

    it('takes a custom view as typed, suggests nothing for msg, flow, global or env, and saves what was picked', async () => {
      const page = editor();
      await openDialog(page, id);
      await page.locator('.red-ui-tray #node-input-server').selectOption('server');
      await box('source').fill('Orders');
      await box('viewName').fill('');
      await box('viewName').pressSequentially('My Open Orders');
      // No catalogue view has that name: offered as typed, under the custom group.
      (await shown('viewName')).should.eql([['Custom (type your own)', ['My Open Orders']]]);
      await page.keyboard.press('Escape');
      await box('viewName').blur();
      await done(page);
      (await hasErrorBadge(page, id, false)).should.be.false('a custom view name marks the node');
      (await page.evaluate((n) => { const o = RED.nodes.node(n); return [o.source, o.viewName]; }, id)).should.eql(['Orders', 'My Open Orders']);

      await openDialog(page, id);
      for (const type of ['msg', 'flow', 'global', 'env']) {
        await page.evaluate((t) => $('#node-input-viewName').typedInput('type', t), type);
        await box('viewName').fill('');
        await box('viewName').pressSequentially('Ord');
        (await page.locator('ul.aims360-suggestions:visible').count()).should.equal(0, `catalogue suggested for ${type}`);
      }
    });

    it('leaves no list behind when the dialog closes', async () => {
      const page = editor();
      await openDialog(page, id);
      await box('source').click();
      await list().waitFor();
      await closeTrays(page);
      (await page.locator('ul.aims360-suggestions').count()).should.equal(0);
    });
  });

  it('builds inject → export data → debug from the palette, picks the view in the dropdowns, deploys, and shows the rows in the debug sidebar', async function () {
    // Many mouse steps: on Node-RED 5 on a busy 2-core machine this has taken 41 s.
    this.timeout(150000);
    const page = editor();
    const exportId = await drop('aims360-export', 380, 160);
    const debugId = await drop('debug', 640, 160);
    const injectId = await drop('inject', 140, 160);
    await wire(injectId, exportId);
    await wire(exportId, debugId);

    await openDialog(page, exportId);
    await page.locator('.red-ui-tray #node-input-server').selectOption('server');
    await box('source').click();
    await box('source').pressSequentially('ord');
    (await shown('source')).map(([group]) => group).should.containEql('Orders');
    await list().locator('.ui-menu-item', { hasText: /^Orders$/ }).click();
    await box('viewName').click();
    await box('viewName').pressSequentially('all');
    (await shown('viewName')).should.eql([['Orders', viewsOf('Orders').filter((v) => v.toLowerCase().includes('all'))]]);
    await snap(page, shots, 'export-dialog', await dialogWithList(page));
    await arrowTo('All Orders');
    await page.keyboard.press('Enter');
    // Rows are what a new export hands on.
    (await page.locator('.red-ui-tray #node-input-format').inputValue()).should.equal('rows');
    await page.locator('.red-ui-tray #aims360-export-advanced-toggle').click();
    await page.locator('.red-ui-tray #node-input-interval').fill('0.5');
    await done(page);
    (await page.evaluate((n) => {
      const o = RED.nodes.node(n);
      return [o.server, o.source, o.sourceType, o.viewName, o.viewNameType, o.format, o.valid];
    }, exportId)).should.eql(['server', 'Orders', 'str', 'All Orders', 'str', 'rows', true]);

    await page.locator('#red-ui-header-button-deploy').click();
    await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 20000 });
    // Node-RED 5 lays the sidebar out anew; its API opens the debug tab in 4 and 5.
    await page.evaluate(() => RED.sidebar.show('debug'));
    await clickInjectButton(page, injectId);

    const message = page.locator('.red-ui-debug-msg').filter({ hasText: 'array[' }).first();
    await message.waitFor({ timeout: 40000 });
    (await page.locator('.red-ui-debug-msg-error').count()).should.equal(0, await page.locator('#red-ui-sidebar-content').innerText().catch(() => ''));
    // Open the array, then its first row: the Orders view's columns.
    await message.locator('.red-ui-debug-msg-top-level > .red-ui-debug-msg-row').click();
    // 25 rows come in blocks of ten: open the first block, then its first row.
    await message.locator('.red-ui-debug-msg-object-key', { hasText: /^\[0 … 9\]$/ }).click();
    await message.locator('.red-ui-debug-msg-array-rows .red-ui-debug-msg-element > .red-ui-debug-msg-row').first().click();
    for (const column of ['orderNo', 'customer', 'totalQty']) {
      await message.locator('.red-ui-debug-msg-object-key', { hasText: column }).first().waitFor({ timeout: 5000 });
    }
    (await message.innerText()).should.match(/SO1\d{5}/);
    await snap(page, shots, 'export-debug', await sidebarClip(page));
  });

  /** The dialog and the open list below its fields, as one clip of the page. */
  async function dialogWithList(page) {
    const tray = await page.locator('.red-ui-tray').last().boundingBox();
    const ul = await list().boundingBox();
    return { x: tray.x, y: tray.y, width: tray.width, height: Math.min(tray.height, ul.y + ul.height + 20 - tray.y) };
  }

  /** The canvas with the flow and the debug sidebar, below the header (and its deploy notice). */
  async function sidebarClip(page) {
    const size = page.viewportSize();
    return { x: 180, y: 48, width: size.width - 180, height: Math.min(size.height, 620) - 48 };
  }
});
