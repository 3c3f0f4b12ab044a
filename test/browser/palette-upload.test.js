// What a user does with the tarball `npm run package` makes: a Node-RED with nothing
// of the pack, Manage palette › Install › Upload, the .tgz, Upload; then the AIMS360
// category is in the palette, and a flow of its nodes deploys and runs against the
// simulator. Node-RED installs the tarball with npm, which takes its dependencies from
// the registry (from the warm npm cache first: packedUserDir's .npmrc).
require('should');
const { usePackedNodeRed, packedTarball, workingTypes, configTypes, PACKAGE, examples } = require('../support/packed');
const { useEditor, clickInjectButton, done, openPackExamples } = require('../support/browser');
const { useSim, TOKEN } = require('../support/sim');

// npm install of the tarball and its dependencies: seconds with a warm cache, minutes on a
// slow network. The waits end as soon as the palette has the nodes.
const INSTALL_MS = 240000;

describe('installing the tarball through Manage palette › Upload (chromium)', function () {
  this.timeout(INSTALL_MS + 60000);
  const sim = useSim({ demo: false }, (s) => s.addJob({ jobId: 'upload-job' }));
  const red = usePackedNodeRed(() => ({ installed: false }));
  const editor = useEditor(() => red().url, undefined, { installed: false });
  let tarball;
  before(function () {
    this.timeout(INSTALL_MS);
    tarball = packedTarball();
  });

  /** Every node type the palette shows. */
  const paletteTypes = (page) => page.evaluate(() => $('.red-ui-palette-node[data-palette-type]').map((i, e) => $(e).attr('data-palette-type')).get());

  it('starts without the pack', async () => {
    const types = await paletteTypes(editor());
    types.should.containEql('inject');
    types.filter((t) => t.startsWith('aims360-')).should.eql([]);
  });

  it('uploads the tarball and shows the AIMS360 category with every node type of package.json', async () => {
    const page = editor();
    await page.locator('#red-ui-header-button-sidemenu').click();
    await page.locator('#menu-item-edit-palette').click();
    await page.locator('.red-ui-tab a[href="#install"]').click();
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.locator('.red-ui-palette-editor-upload-button').click(),
    ]);
    await chooser.setFiles(tarball);
    const confirm = page.locator('.red-ui-palette-editor-upload-buttons .primary');
    await confirm.waitFor({ state: 'visible' });
    // Installed (every type registered and in the palette), refused (an error notice), or
    // broken in the editor: a file of the pack missing (the editor then waits for it
    // forever) or a node's .html throwing as the editor loads it.
    let onError;
    let onResponse;
    const broken = new Promise((resolve) => {
      page.on('pageerror', onError = (err) => resolve({ failed: `the editor threw: ${err.message}` }));
      page.on('response', onResponse = (res) => {
        if (res.status() >= 400 && res.url().includes(PACKAGE.name)) resolve({ failed: `the editor got ${res.status()} for ${res.url()}` });
      });
    });
    const installed = page.waitForFunction(([name, working, config]) => {
      const failed = $('.red-ui-notification-error:visible').text();
      if (failed) return { failed };
      // A node set Node-RED could not load (its .js missing or throwing) never registers its types.
      const sets = Object.values((RED.nodes.registry.getModule(name) || { sets: {} }).sets);
      const errors = sets.filter((set) => set.err).map((set) => `${set.id}: ${set.err}`);
      if (errors.length) return { failed: errors.join('\n') };
      const inPalette = $('#red-ui-palette-AIMS360 .red-ui-palette-node').map((i, e) => $(e).attr('data-palette-type')).get();
      const ready = working.every((t) => inPalette.includes(t) && RED.nodes.getType(t)) && config.every((t) => RED.nodes.getType(t));
      return ready && { inPalette: inPalette.sort() };
    }, [PACKAGE.name, workingTypes, configTypes], { timeout: INSTALL_MS, polling: 500 }).then((h) => h.jsonValue(), (err) => ({ failed: err.message }));
    await confirm.click();
    const outcome = await Promise.race([installed, broken]);
    page.off('pageerror', onError).off('response', onResponse);
    (outcome.failed === undefined).should.be.true(`${outcome.failed}\n${red().output()}`);
    outcome.inPalette.should.eql([...workingTypes].sort());
    for (const type of configTypes) (await page.evaluate((t) => RED.nodes.getType(t).category, type)).should.equal('config');
    // The palette manager lists the module among the installed nodes.
    await page.locator('.red-ui-tab a[href="#nodes"]').click();
    await page.locator('.red-ui-palette-module-name', { hasText: PACKAGE.name }).waitFor({ timeout: 10000 });
    await done(page);
  });

  it('lists the examples of the uploaded pack under Import › Examples', async () => {
    const page = editor();
    const tree = await openPackExamples(page);
    const wanted = examples().map(({ file }) => file.replace(/\.json$/, ''));
    const last = tree.locator('.red-ui-treeList-label', { hasText: new RegExp(`^${wanted[wanted.length - 1]}$`) });
    await last.waitFor({ timeout: 10000 });
    const shown = await tree.locator('.red-ui-treeList-label').allInnerTexts();
    wanted.filter((name) => !shown.map((t) => t.trim()).includes(name)).should.eql([]);
    await page.locator('#red-ui-clipboard-dialog-cancel').click();
    await page.locator('#red-ui-clipboard-dialog').waitFor({ state: 'hidden' });
  });

  it('imports, deploys and runs a flow of the uploaded nodes against the simulator', async () => {
    const page = editor();
    const flow = [
      { id: 'upload-server', type: 'aims360-config', name: 'AIMS360 simulator', baseUrl: sim().url, authType: 'token', timeout: 5000, credentials: { token: TOKEN } },
      { id: 'upload-inject', type: 'inject', name: 'check', props: [{ p: 'payload' }], payload: '', payloadType: 'date', repeat: '', once: false, x: 140, y: 80, wires: [['upload-status']] },
      { id: 'upload-status', type: 'aims360-job-status', server: 'upload-server', mode: 'single', jobId: 'upload-job', jobIdType: 'str', x: 340, y: 80, wires: [['upload-debug']] },
      { id: 'upload-debug', type: 'debug', name: 'job status', active: true, tosidebar: true, console: false, complete: 'jobStatus', targetType: 'msg', x: 540, y: 80, wires: [] },
    ];
    await page.locator('#red-ui-header-button-sidemenu').click();
    await page.locator('#menu-item-import').click();
    const text = page.locator('#red-ui-clipboard-dialog-import-text');
    await text.fill(JSON.stringify(flow));
    // The dialog checks the text on a key (or a paste) before it enables Import.
    await text.press('End');
    await page.locator('#red-ui-clipboard-dialog-ok').click();
    // Imported nodes follow the mouse until a click places them.
    await page.waitForFunction((ids) => ids.every((id) => {
      const body = document.querySelector(`[id="${id}"] .red-ui-flow-node`);
      return body && body.getBoundingClientRect().width > 0;
    }), flow.filter((n) => n.x).map((n) => n.id), { timeout: 10000 });
    await page.mouse.move(320, 110);
    await page.mouse.click(320, 110);
    const invalid = await page.evaluate((ids) => ids.filter((id) => !RED.nodes.node(id) || RED.nodes.node(id).valid === false), flow.map((n) => n.id));
    invalid.should.eql([]);

    await page.locator('#red-ui-header-button-deploy').click();
    await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 30000 });
    await page.evaluate(() => RED.sidebar.show('debug'));
    await clickInjectButton(page, 'upload-inject');
    const message = page.locator('.red-ui-debug-msg', { hasText: 'job status' }).first();
    await message.waitFor({ timeout: 30000 }).catch(async (err) => {
      throw new Error(`no debug message; the sidebar shows ${JSON.stringify(await page.locator('.red-ui-debug-msg').allInnerTexts())}\n${red().output()}\n${err.message}`);
    });
    (await message.locator('.red-ui-debug-msg-type-string').innerText()).should.equal('"Completed"');
    (await page.locator('.red-ui-debug-msg-error').count()).should.equal(0);
    red().output().should.not.containEql(TOKEN);
  });
});
