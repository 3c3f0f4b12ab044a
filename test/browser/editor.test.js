// The pack in a real editor: palette, every edit dialog with its defaults and
// validation, the config node's auth switch and Test connection, screenshots.
require('should');
const path = require('node:path');
const { usePackedNodeRed, workingTypes, configTypes, PACKAGE } = require('../support/packed');
const { useEditor, openDialog, done, closeTrays, hasErrorBadge, clickInjectButton, snap, useScreenshots } = require('../support/browser');
const { useSim, simulatorFlow, TOKEN } = require('../support/sim');
/** What each error code means, as the shared catalogue says it. */
const errorCodes = require('../../src/locales/en-US/errors.json').aims360.errors.codes;

/** Values that make a node valid besides its server, by property name. */
const REQUIRED = { path: 'reports/v1.0/exportdata', source: 'Orders', viewName: 'All orders' };

/**
 * One wrong value per property that has a rule, by property name; numeric
 * properties get -1. [typed-input type or null, value].
 */
const BAD = { jobId: ['str', "x'y"], path: ['str', 'ftp://x'], query: ['json', '[1]'], baseUrl: [null, 'not a url'] };
function badValues(defaults) {
  return Object.entries(defaults).flatMap(([prop, def]) => {
    if (BAD[prop]) return [[prop, ...BAD[prop]]];
    return typeof def.value === 'number' && prop !== 'outputs' ? [[prop, null, '-1']] : [];
  });
}

/** Untranslated i18n keys look like "aims360-x.label.y" (or "aims360.output.label.y", shared). */
const RAW_KEY = /aims360(-[a-z0-9-]+)?\.[a-zA-Z]+\.[a-zA-Z]/;

/** Each type's spec, beside its runtime .js (package.json's node-red.nodes). */
const specOf = (type) => require(path.join(__dirname, '..', '..', path.dirname(PACKAGE['node-red'].nodes[type]), 'spec.js')).spec;

describe('editor in a browser (chromium)', function () {
  this.timeout(60000);
  const sim = useSim({ demo: true });
  const shots = useScreenshots();
  const red = usePackedNodeRed(() => ({ flows: simulatorFlow(sim()), credentials: { server: { token: TOKEN } } }));
  const editor = useEditor(() => red().url);
  afterEach(() => closeTrays(editor()));

  /** Drags a node type from the palette onto the canvas; resolves its id. */
  async function drop(type, x = 300, y = 200) {
    const page = editor();
    const ids = () => page.evaluate(() => { const all = []; RED.nodes.eachNode((n) => all.push(n.id)); return all; });
    const before = await ids();
    await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).dragTo(page.locator('#red-ui-workspace-chart'), { targetPosition: { x, y } });
    const added = (await ids()).filter((id) => !before.includes(id));
    added.length.should.equal(1);
    return added[0];
  }

  /**
   * Presses Deploy, and Confirm deploy when the editor asks (other tests leave nodes that are
   * not properly configured on the canvas); waits until the flows are deployed.
   */
  async function deploy() {
    const page = editor();
    await page.locator('#red-ui-header-button-deploy').click();
    const confirm = page.locator('#red-ui-deploy-dialog-confirm-deploy-deploy');
    await page.waitForFunction(() => !RED.nodes.dirty() || $('#red-ui-deploy-dialog-confirm-deploy-deploy:visible').length > 0, null, { timeout: 20000 });
    if (await confirm.isVisible()) await confirm.click();
    await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 20000 });
  }

  /** Opens the dialog's Advanced section when it is closed. */
  async function openAdvanced() {
    const toggle = editor().locator('.red-ui-tray .aims360-advanced-toggle');
    if (await toggle.count() && !(await editor().locator('.red-ui-tray .aims360-advanced').isVisible())) await toggle.click();
  }

  /** Makes a hidden field visible: Advanced opened, then the options of the dialog's selects tried (mode, method, …). */
  async function reveal(field) {
    const page = editor();
    if (await field.isVisible()) return;
    if (await field.evaluate((e) => !!e.closest('.aims360-advanced'))) await openAdvanced();
    if (await field.isVisible()) return;
    for (const select of await page.locator('.red-ui-tray select[id^="node-input-"]:not(#node-input-server):visible').all()) {
      // A select that reveals nothing goes back as it was: it may hide the next one (a mode).
      const was = await select.inputValue();
      for (const value of await select.locator('option').evaluateAll((os) => os.map((o) => o.value))) {
        await select.selectOption(value);
        if (await field.isVisible()) return;
      }
      await select.selectOption(was);
    }
    throw new Error('field stays hidden');
  }

  /** Sets a dialog field as a user would; typed inputs get their type first. */
  async function setField(prefix, prop, type, value) {
    const page = editor();
    const typed = await page.evaluate((sel) => !!$(sel).data('noderedTypedInput'), `#${prefix}-${prop}`);
    if (typed) {
      const container = page.locator(`.red-ui-tray #${prefix}-${prop} + .red-ui-typedInput-container`);
      await reveal(container);
      if (type) await page.evaluate(([sel, t]) => $(sel).typedInput('type', t), [`#${prefix}-${prop}`, type]);
      await container.locator('input.red-ui-typedInput-input').fill(value);
      await container.locator('input.red-ui-typedInput-input').blur();
      return container;
    }
    const input = page.locator(`.red-ui-tray #${prefix}-${prop}`);
    await reveal(input);
    await input.fill(value);
    await input.blur();
    return input;
  }

  /** Checks every field of a dialog against the type's defaults: present, labelled, default value, placeholder. */
  async function checkDefaults(type, prefix) {
    const page = editor();
    // The tray's buttons can show before its form is filled (seen in CI): give the fields a moment.
    await page.waitForFunction(([t, pre]) => {
      const defaults = RED.nodes.getType(t).defaults;
      return Object.keys(defaults).filter((p) => !defaults[p].type && p !== 'outputs').every((p) => $(`#${pre}-${p}`).length === 1);
    }, [type, prefix], { timeout: 10000 }).catch(() => {});
    const fields = await page.evaluate(([t, pre]) => {
      const defaults = RED.nodes.getType(t).defaults;
      return Object.keys(defaults).filter((p) => !defaults[p].type && p !== 'outputs').map((p) => {
        const el = $(`#${pre}-${p}`);
        return {
          prop: p,
          def: defaults[p].value,
          found: el.length === 1,
          value: el.is(':checkbox') ? el.prop('checked') : el.val(),
          placeholder: el.is('input[type=text],input[type=password]') && !/Type$/.test(p) ? el.attr('placeholder') || '' : null,
          label: $(`label[for="${pre}-${p}"]`).text().trim(),
          hiddenField: el.is('input[type=hidden]'),
        };
      });
    }, [type, prefix]);
    fields.length.should.be.above(0);
    for (const f of fields) {
      f.found.should.be.true(`${type}: no field for ${f.prop}`);
      String(f.value).should.equal(String(f.def), `${type}.${f.prop} default`);
      if (f.placeholder !== null) f.placeholder.should.not.equal('', `${type}.${f.prop} has no placeholder`);
      if (!f.hiddenField) f.label.should.not.equal('', `${type}.${f.prop} has no label`);
    }
    const text = await page.locator('.red-ui-tray').last().innerText();
    text.should.not.match(RAW_KEY);
  }

  /**
   * Hovers the label of each visible field that has a "tooltip" text in the type's
   * en-US messages and sees that text in the editor's tooltip. Resolves how many.
   */
  async function checkTooltips(type, form) {
    const page = editor();
    // A node's messages are named after its file (package.json's node-red.nodes).
    const file = path.basename(PACKAGE['node-red'].nodes[type], '.js');
    // The node's own tooltips, and those of the shared sections it does not word itself.
    const { catalog, sharedCatalog } = require('../support/locales');
    const shared = sharedCatalog();
    const tooltips = { ...shared.wait?.tooltip, ...shared.output?.tooltip, ...shared.common?.tooltip, ...catalog(file)[type].tooltip };
    let shown = 0;
    for (const [prop, text] of Object.entries(tooltips)) {
      const label = page.locator(`${form} label[for$="-${prop}"]`).first();
      if (!(await label.isVisible())) continue;
      // A hover while the tray still slides in can leave the label at once: hovered again.
      const tooltip = page.locator('.red-ui-popover:visible', { hasText: text });
      for (let tries = 1; ; tries++) {
        await page.mouse.move(0, 0);
        await label.hover();
        if (await tooltip.waitFor({ timeout: 2000 }).then(() => true, () => false)) break;
        if (tries === 3) throw new Error(`${type}: no tooltip "${text}" on the ${prop} label`);
      }
      await page.mouse.move(0, 0);
      await page.locator('.red-ui-popover:visible').waitFor({ state: 'detached', timeout: 3000 }).catch(() => {});
      shown++;
    }
    return shown;
  }

  it('shows the AIMS360 palette category with every node of the pack, each with its icon and help', async () => {
    const page = editor();
    const palette = await page.evaluate(() => $('#red-ui-palette-AIMS360 .red-ui-palette-node').map((i, e) => ({
      type: $(e).attr('data-palette-type'),
      label: $(e).find('.red-ui-palette-label').text().trim(),
      icon: $(e).find('.red-ui-palette-icon-container').attr('data-palette-icon'),
    })).get());
    palette.map((p) => p.type).sort().should.eql([...workingTypes].sort());
    for (const p of palette) {
      p.label.should.not.match(RAW_KEY);
      p.icon.should.startWith('icons/@flowjobs/node-red-aims360/');
      (await page.evaluate((src) => fetch(src).then((r) => r.status), p.icon)).should.equal(200);
    }
    for (const type of [...workingTypes, ...configTypes]) {
      const help = await page.evaluate((t) => $(`script[data-help-name="${t}"]`).html() || '', type);
      help.should.match(/<h3>[^<]*Inputs|<h3>[^<]*Details/);
    }
  });

  it('lists every shared output and wait setting in the nodes that use them (they are listed by name, not spread)', async () => {
    const missing = await editor().evaluate(() => {
      const t = (key) => key;
      const shared = { output: Object.keys(window.AIMS360Editor.outputDefaults(t)), wait: Object.keys(window.AIMS360Editor.waitDefaults(t)) };
      const users = { 'aims360-fetch-output': ['output'], 'aims360-wait-for-job': ['wait'], 'aims360-export': ['output', 'wait'] };
      return Object.entries(users).flatMap(([type, sets]) => {
        const defaults = RED.nodes.getType(type).defaults;
        return sets.flatMap((set) => shared[set].filter((key) => !defaults[key]).map((key) => `${type}.${key}`));
      });
    });
    missing.should.eql([]);
  });

  it('loads the shared editor script from the package resources before the dialogs\' own scripts', async () => {
    const page = editor();
    const src = 'resources/@flowjobs/node-red-aims360/aims360-editor.js';
    (await page.evaluate((s) => fetch(s).then((r) => r.status), src)).should.equal(200);
    (await page.evaluate(() => typeof window.AIMS360Editor)).should.equal('object');
    // The editor runs the rest of a node's .html once its <script src> has loaded: with that
    // script slow to come, every type still registers, without errors.
    const slow = await page.context().browser().newPage();
    const errors = [];
    slow.on('pageerror', (err) => errors.push(err.message));
    await slow.route('**/*', async (route) => {
      const url = route.request().url();
      if (!/^https?:\/\/127\.0\.0\.1[:/]/.test(url)) return route.abort();
      if (url.endsWith('/aims360-editor.js')) await new Promise((resolve) => setTimeout(resolve, 500));
      return route.continue();
    });
    try {
      await slow.goto(red().url);
      await slow.waitForFunction((types) => window.RED && RED.nodes && types.every((t) => RED.nodes.getType(t)),
        [...workingTypes, ...configTypes], { timeout: 30000 });
      errors.should.eql([]);
    } finally {
      await slow.close();
    }
  });

  for (const [i, type] of workingTypes.entries()) {
    it(`${type}: the dialog shows its fields with their defaults and tooltips, and a bad value gets the red triangle`, async () => {
      const page = editor();
      const id = await drop(type, 250, 120 + i * 60);
      await openDialog(page, id);
      await checkDefaults(type, 'node-input');
      // Each list of the dialog is its setting's list in the spec, in its order, every option with a text.
      const lists = await page.evaluate(() => $('.red-ui-tray select[id^="node-input-"]:not(#node-input-server)').get()
        .map((s) => [s.id.replace('node-input-', ''), $(s).find('option').get().map((o) => [o.value, o.textContent.trim()])]));
      for (const [prop, options] of lists) {
        options.map(([value]) => value).should.eql([...specOf(type).settings[prop].rule.values], `${type}.${prop}`);
        for (const [value, text] of options) text.should.not.equal('', `${type}.${prop} ${value}`).and.not.match(RAW_KEY);
      }
      (await checkTooltips(type, '#dialog-form')).should.be.above(0, `${type}: no label with a tooltip`);
      await page.locator('.red-ui-tray #node-input-server').selectOption('server');
      for (const [prop, value] of Object.entries(REQUIRED)) {
        if (await page.locator(`.red-ui-tray #node-input-${prop}`).count()) await setField('node-input', prop, null, value);
      }
      await snap(page.locator('.red-ui-tray').last(), shots, `dialog-${type.replace(/^aims360-/, '')}`);
      await done(page);
      (await hasErrorBadge(page, id, false)).should.be.false(`${type} with its defaults is invalid`);

      const defaults = await page.evaluate((t) => RED.nodes.getType(t).defaults, type);
      const bad = badValues(defaults);
      bad.length.should.be.above(0, `${type} has no field with a rule`);
      for (const [prop, inputType, value] of bad) {
        await openDialog(page, id);
        const field = await setField('node-input', prop, inputType, value);
        (await field.evaluate((e) => e.classList.contains('input-error'))).should.be.true(`${type}.${prop} = ${value} not marked`);
        await done(page);
        (await hasErrorBadge(page, id, true)).should.be.true(`${type}.${prop} = ${value} shows no red triangle`);
        const errors = await page.evaluate((n) => RED.nodes.node(n).validationErrors || [], id);
        errors.join(' ').should.not.match(RAW_KEY);
        await page.evaluate(() => RED.actions.invoke('core:undo'));
        (await hasErrorBadge(page, id, false)).should.be.false(`undo of ${type}.${prop}`);
      }
    });
  }

  /**
   * Whether a dialog field (a typed input's box for a typed input) is outlined in red: waits
   * up to 2 s for `expected` (the outline follows the field's change and key events), then
   * answers what it shows.
   */
  async function marked(prop, expected = true) {
    const reached = await editor().waitForFunction(([sel, want]) => {
      const el = $(sel);
      const box = el.data('noderedTypedInput') ? el.next('.red-ui-typedInput-container') : el;
      return box.hasClass('input-error') === want;
    }, [`.red-ui-tray #node-input-${prop}`, expected], { timeout: 2000 }).then(() => true, () => false);
    return reached ? expected : !expected;
  }

  describe('job status dialog', () => {
    it('counts only the fields of the current mode: one left wrong in the other mode gives no red triangle', async () => {
      const page = editor();
      const id = await drop('aims360-job-status', 450, 420);
      const mode = page.locator('.red-ui-tray #node-input-mode');
      await openDialog(page, id);
      await page.locator('.red-ui-tray #node-input-server').selectOption('server');
      await mode.selectOption('query');
      await setField('node-input', 'maxPages', null, '0');
      (await marked('maxPages')).should.be.true('max pages 0 not marked in query mode');
      await mode.selectOption('single');
      await done(page);
      (await hasErrorBadge(page, id, false)).should.be.false('max pages 0, hidden in single mode, marks the node');
      (await page.evaluate((n) => RED.nodes.node(n).maxPages, id)).should.equal('0');

      // Back in query mode the same value counts again, outline and triangle.
      await openDialog(page, id);
      await mode.selectOption('query');
      (await marked('maxPages')).should.be.true('max pages 0 not marked again in query mode');
      await done(page);
      (await hasErrorBadge(page, id, true)).should.be.true('max pages 0 in query mode shows no red triangle');

      // The reverse: a bad job id left in single mode does not count in query mode.
      await openDialog(page, id);
      await setField('node-input', 'maxPages', null, '10');
      await mode.selectOption('single');
      await setField('node-input', 'jobId', 'str', "x'y");
      (await marked('jobId')).should.be.true('a bad job id not marked in single mode');
      await mode.selectOption('query');
      await done(page);
      (await hasErrorBadge(page, id, false)).should.be.false('a bad job id, hidden in query mode, marks the node');
    });
  });

  describe('Job ID field', () => {
    /** Each node with a Job ID and a demo job it can do its work on (rerun: one that may be rerun). */
    const JOBS = {
      'aims360-job-status': 'demo-warehouse-stock',
      'aims360-wait-for-job': 'demo-open-orders',
      'aims360-rerun-job': 'demo-export-failed',
      'aims360-fetch-output': 'demo-price-list',
    };
    const jobIdBox = () => editor().locator('.red-ui-tray #node-input-jobId + .red-ui-typedInput-container');
    const saved = (id) => editor().evaluate((n) => [RED.nodes.node(n).jobIdType, RED.nodes.node(n).jobId], id);

    /** inject → node → debug (msg.jobId) on the canvas, the node with an empty Job ID; resolves the ids. */
    async function chain(type, row) {
      const page = editor();
      const short = type.replace(/^aims360-/, '');
      const ids = { inject: `paste-inject-${short}`, node: `paste-${short}`, debug: `paste-debug-${short}` };
      await page.evaluate(([tab, n, y]) => {
        RED.nodes.import([
          { id: n.inject, type: 'inject', z: tab, x: 140, y, props: [{ p: 'payload' }], payload: '', payloadType: 'date', wires: [[n.node]] },
          { id: n.node, type: n.type, z: tab, x: 340, y, server: 'server', version: '1', wires: [[n.debug]] },
          { id: n.debug, type: 'debug', z: tab, x: 560, y, active: true, tosidebar: true, console: false, complete: 'jobId', targetType: 'msg', wires: [] },
        ]);
        RED.nodes.dirty(true);
        RED.view.redraw(true);
      }, [await page.evaluate(() => RED.workspaces.active()), { ...ids, type }, 600 + row * 60]);
      return ids;
    }

    it('takes a demo job id typed or pasted into msg as the id itself (str), and each node gets that job when run', async function () {
      this.timeout(120000);
      const page = editor();
      // What the debug sidebar receives, by debug node.
      await page.evaluate(() => {
        window.aims360Debug = [];
        RED.comms.subscribe('debug', (topic, msg) => window.aims360Debug.push(msg));
      });
      const chains = [];
      for (const [row, [type, job]] of Object.entries(JOBS).entries()) {
        const ids = await chain(type, row);
        await openDialog(page, ids.node);
        (await page.evaluate(() => $('#node-input-jobId').typedInput('type'))).should.equal('msg');
        const input = jobIdBox().locator('input.red-ui-typedInput-input');
        if (row === 0) {
          // Pasted, with the line end a copy often brings.
          await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
          await page.evaluate((text) => navigator.clipboard.writeText(text), `${job}\n`);
          await input.click();
          await page.keyboard.press('ControlOrMeta+V');
          await page.waitForFunction(() => $('#node-input-jobId').typedInput('type') === 'str', null, { timeout: 2000 });
        } else {
          await input.click();
          await input.pressSequentially(job);
        }
        await done(page);
        (await saved(ids.node)).should.eql(['str', job], `${type}: the typed id is not saved as a string`);
        (await hasErrorBadge(page, ids.node, false)).should.be.false(`${type} with a pasted id is invalid`);
        chains.push([type, job, ids]);
      }
      await deploy();
      for (const [type, job, ids] of chains) {
        await clickInjectButton(page, ids.inject);
        const got = await page.waitForFunction((debug) => window.aims360Debug.find((m) => m.id === debug), ids.debug, { timeout: 30000 })
          .then((h) => h.jsonValue(), () => null);
        (got !== null).should.be.true(`${type}: no message reached its debug node; the sidebar got ${JSON.stringify(await page.evaluate(() => window.aims360Debug))}`);
        String(got.msg).should.containEql(job, `${type}: the message carries another job`);
      }
    });

    it('keeps a message property as msg; a URL or a bad id is refused with an outline whose tooltip says why', async () => {
      const page = editor();
      const id = await drop('aims360-job-status', 450, 420);
      const text = require('../support/locales').sharedCatalog().rules.jobId;
      await openDialog(page, id);
      for (const property of ['payload.jobId', 'ids["job-a"]', 'jobId']) {
        await setField('node-input', 'jobId', 'msg', property);
        (await page.evaluate(() => [$('#node-input-jobId').typedInput('type'), $('#node-input-jobId').typedInput('value')])).should.eql(['msg', property]);
        (await marked('jobId', false)).should.be.false(`msg.${property} marked`);
      }
      for (const bad of ['https://apiwest.aims360.rest/jobsmanagement/odata/v1.0/backgroundjob?x=1', "x'y", 'a b']) {
        await setField('node-input', 'jobId', 'msg', bad);
        (await page.evaluate(() => $('#node-input-jobId').typedInput('type'))).should.equal('str', `${bad} left as a message property`);
        (await marked('jobId')).should.be.true(`${bad} not marked`);
        // The reason, where the user hovers: the box of the typed input.
        const tooltip = page.locator('.red-ui-popover:visible', { hasText: text });
        for (let tries = 1; ; tries++) {
          await page.mouse.move(0, 0);
          await jobIdBox().locator('input.red-ui-typedInput-input').hover();
          if (await tooltip.waitFor({ timeout: 2000 }).then(() => true, () => false)) break;
          if (tries === 3) throw new Error(`no tooltip "${text}" on the refused job id ${bad}`);
        }
        (await page.locator('.red-ui-popover:visible').count()).should.equal(1, 'two tooltips at once');
        await page.mouse.move(0, 0);
        await page.locator('.red-ui-popover:visible').waitFor({ state: 'detached', timeout: 3000 }).catch(() => {});
      }
      // A valid id: no outline, and no tooltip opens.
      await setField('node-input', 'jobId', 'str', 'demo-warehouse-stock');
      (await marked('jobId', false)).should.be.false();
      await jobIdBox().locator('input.red-ui-typedInput-input').hover();
      (await page.locator('.red-ui-popover:visible').waitFor({ timeout: 1500 }).then(() => true, () => false)).should.be.false('a tooltip on a valid id');
    });
  });

  describe('job status query presets', () => {
    it('fill Filter and Order by for each preset, with the hours of "failed in the last N hours"', async () => {
      const page = editor();
      const id = await drop('aims360-job-status', 450, 300);
      await openDialog(page, id);
      await page.locator('.red-ui-tray #node-input-mode').selectOption('query');
      const preset = page.locator('.red-ui-tray #aims360-job-status-preset');
      const hours = page.locator('.red-ui-tray #aims360-job-status-hours');
      const fields = () => page.evaluate(() => ({
        filter: $('#node-input-filter').typedInput('value'),
        filterType: $('#node-input-filter').typedInput('type'),
        orderby: $('#node-input-orderby').typedInput('value'),
        orderbyType: $('#node-input-orderby').typedInput('type'),
      }));
      (await preset.locator('option').evaluateAll((os) => os.map((o) => o.value))).should.eql(['', 'running', 'failed', 'completedToday']);
      (await preset.innerText()).should.not.match(RAW_KEY);
      (await hours.isVisible()).should.be.false('hours shown without the failed preset');

      await preset.selectOption('running');
      (await fields()).should.eql({ filter: "jobStatus eq 'Queued' or jobStatus eq 'Inprogress'", filterType: 'str', orderby: 'createdDate desc', orderbyType: 'str' });

      await preset.selectOption('failed');
      (await hours.isVisible()).should.be.true('no hours for the failed preset');
      (await hours.inputValue()).should.equal('24');
      (await fields()).should.eql({
        filter: '"jobStatus eq \'Failed\' and createdDate ge " & $fromMillis($millis() - 24 * 60 * 60 * 1000)',
        filterType: 'jsonata', orderby: 'createdDate desc', orderbyType: 'str',
      });
      await hours.fill('6');
      (await fields()).filter.should.containEql('$millis() - 6 * 60 * 60 * 1000');
      await hours.fill('0');
      (await hours.evaluate((e) => e.classList.contains('input-error'))).should.be.true('0 hours not marked');
      (await fields()).filter.should.containEql('$millis() - 6 * 60 * 60 * 1000');
      await hours.fill('6');
      await snap(page.locator('.red-ui-tray').last(), shots, 'dialog-job-status-query');

      await preset.selectOption('completedToday');
      (await hours.isVisible()).should.be.false();
      (await fields()).should.eql({
        filter: '"jobStatus eq \'Completed\' and completedDate ge " & $moment().startOf(\'day\').toISOString()',
        filterType: 'jsonata', orderby: 'completedDate desc', orderbyType: 'str',
      });

      // The fields stay editable, and what is saved is what they hold.
      await preset.selectOption('failed');
      await setField('node-input', 'orderby', null, 'createdDate asc');
      await done(page);
      (await page.evaluate((n) => { const o = RED.nodes.node(n); return [o.filter, o.filterType, o.orderby]; }, id)).should.eql([
        '"jobStatus eq \'Failed\' and createdDate ge " & $fromMillis($millis() - 6 * 60 * 60 * 1000)', 'jsonata', 'createdDate asc',
      ]);
      (await hasErrorBadge(page, id, false)).should.be.false('a preset makes the node invalid');
    });
  });

  describe('export data dialog', () => {
    // The catalogue dropdowns themselves: test/browser/export.test.js.
    it('takes free text, and marks an empty Source', async () => {
      const page = editor();
      const id = await drop('aims360-export', 450, 480);
      await openDialog(page, id);
      await page.locator('.red-ui-tray #node-input-server').selectOption('server');
      await setField('node-input', 'source', 'str', 'Orders');
      // A custom view of the account: free text, not in the catalogue.
      await setField('node-input', 'viewName', 'str', 'My Open Orders');
      await done(page);
      (await hasErrorBadge(page, id, false)).should.be.false('a custom view name marks the node');
      (await page.evaluate((n) => { const o = RED.nodes.node(n); return [o.source, o.viewName]; }, id)).should.eql(['Orders', 'My Open Orders']);

      await openDialog(page, id);
      await setField('node-input', 'source', 'str', '');
      (await page.evaluate(() => $('#node-input-source').val())).should.equal('');
      (await marked('source')).should.be.true('an empty Source is not marked');
      await done(page);
      (await hasErrorBadge(page, id, true)).should.be.true('an empty Source shows no red triangle');
      // From the message, an empty field is no error in the editor: the runtime checks the value.
      await openDialog(page, id);
      await setField('node-input', 'source', 'msg', 'source');
      await done(page);
      (await hasErrorBadge(page, id, false)).should.be.false('Source from msg.source marks the node');
    });

    it('shows at most 10 fields before a closed Advanced, which opens; tells the file AIMS360 makes from what is handed on; lines up its inputs', async () => {
      const page = editor();
      const id = await drop('aims360-export', 450, 600);
      await openDialog(page, id);
      /** The visible rows of the dialog that hold a field: their labels. */
      const fields = () => page.evaluate(() => $('.red-ui-tray #dialog-form .form-row:visible')
        .filter((i, row) => $(row).find('input:not([type=hidden]):visible, select:visible').length > 0)
        .map((i, row) => $(row).find('label').filter((j, l) => $(l).text().trim() !== '').first().text().trim()).get());
      const closed = await fields();
      closed.length.should.be.belowOrEqual(10, closed.join(', '));
      closed.should.containEql('AIMS360 file type');
      closed.should.containEql('Hand on as');
      for (const label of ['Format', 'Output format']) closed.should.not.containEql(label);
      (await page.locator('.red-ui-tray #node-input-format').inputValue()).should.equal('rows', 'a new export does not hand on rows');
      const advanced = ['criteriaVersion', 'path', 'interval', 'maxInterval', 'timeout', 'maxSizeMB', 'documents', 'persist', 'overlap', 'typedValues'];
      for (const prop of [...advanced, 'rowsPerMessage']) (await page.locator(`.red-ui-tray #node-input-${prop}`).isVisible()).should.be.false(`${prop} shown before Advanced`);

      await page.locator('.red-ui-tray .aims360-advanced-toggle').click();
      for (const prop of advanced) (await page.locator(`.red-ui-tray #node-input-${prop}`).isVisible()).should.be.true(`${prop} not in Advanced`);
      (await fields()).length.should.equal(closed.length + advanced.length);
      await page.locator('.red-ui-tray #node-input-format').selectOption('stream-rows');
      (await page.locator('.red-ui-tray #node-input-rowsPerMessage').isVisible()).should.be.true('no block size for stream rows');
      await snap(page.locator('.red-ui-tray').last(), shots, 'dialog-export-advanced');

      // Every field starts at one x; the number inputs have one width.
      const boxes = await page.evaluate(() => $('.red-ui-tray #dialog-form .form-row:visible').map((i, row) => {
        const field = $(row).find('.red-ui-typedInput-container:visible, select:visible, input[type=text]:visible').first();
        if (!field.length || !$(row).children('label').first().attr('for')) return null;
        // A number input sits in its spinner's box.
        const outer = field.closest('.ui-spinner').length ? field.closest('.ui-spinner') : field;
        const box = outer[0].getBoundingClientRect();
        return { id: field.attr('id') || field.prev().attr('id') || '', x: Math.round(box.left), width: Math.round(box.width), number: outer !== field };
      }).get());
      new Set(boxes.map((b) => b.x)).size.should.equal(1, JSON.stringify(boxes));
      const numbers = boxes.filter((b) => b.number);
      numbers.length.should.be.above(4);
      new Set(numbers.map((b) => b.width)).size.should.equal(1, JSON.stringify(numbers));

      // A JSON file is no rows: choosing it hands on the parsed JSON.
      await page.locator('.red-ui-tray #node-input-format').selectOption('rows');
      await page.locator('.red-ui-tray #node-input-outputFormat').selectOption('JSON');
      (await page.locator('.red-ui-tray #node-input-format').inputValue()).should.equal('auto');

      // A refused field in Advanced opens it with the dialog.
      await page.locator('.red-ui-tray #node-input-server').selectOption('server');
      await setField('node-input', 'source', 'str', 'Orders');
      await setField('node-input', 'viewName', 'str', 'All orders');
      await setField('node-input', 'interval', null, '-1');
      await done(page);
      await openDialog(page, id);
      (await page.locator('.red-ui-tray #node-input-interval').isVisible()).should.be.true('Advanced stays closed over a refused interval');
      (await marked('interval')).should.be.true();
      await setField('node-input', 'interval', null, '5');
      await done(page);
      await openDialog(page, id);
      (await page.locator('.red-ui-tray .aims360-advanced').isVisible()).should.be.false('Advanced opens with nothing refused');
    });

    it('has a 2nd output only with progress in get the data mode', async () => {
      const page = editor();
      const id = await drop('aims360-export', 450, 540);
      const outputs = () => page.evaluate((n) => RED.nodes.node(n).outputs, id);
      await openDialog(page, id);
      await page.locator('.red-ui-tray #node-input-server').selectOption('server');
      await setField('node-input', 'source', 'str', 'Orders');
      await setField('node-input', 'viewName', 'str', 'All orders');
      await page.locator('.red-ui-tray #node-input-progress').check();
      await done(page);
      (await outputs()).should.equal(2);
      await openDialog(page, id);
      (await page.locator('.red-ui-tray #node-input-progress').isVisible()).should.be.true();
      await page.locator('.red-ui-tray #node-input-mode').selectOption('start');
      (await page.locator('.red-ui-tray #node-input-progress').isVisible()).should.be.false('data mode fields shown in start mode');
      await done(page);
      (await outputs()).should.equal(1);
    });
  });

  describe('fetch output dialog', () => {
    it('marks an empty Directory in the file format, and a path in File name', async () => {
      const page = editor();
      const id = await drop('aims360-fetch-output', 450, 360);
      const format = page.locator('.red-ui-tray #node-input-format');
      await openDialog(page, id);
      await page.locator('.red-ui-tray #node-input-server').selectOption('server');
      await format.selectOption('file');
      (await page.locator('.red-ui-tray #node-input-filename + .red-ui-typedInput-container').isVisible()).should.be.true('no File name field');
      (await marked('directory')).should.be.true('an empty Directory is not marked in the file format');
      await done(page);
      (await hasErrorBadge(page, id, true)).should.be.true('file format with an empty Directory shows no red triangle');

      await openDialog(page, id);
      await setField('node-input', 'directory', 'str', 'exports');
      (await marked('directory', false)).should.be.false('a Directory still marked');
      await setField('node-input', 'filename', 'str', '../orders.csv');
      (await marked('filename')).should.be.true('a path in File name is not marked');
      await done(page);
      (await hasErrorBadge(page, id, true)).should.be.true('a path in File name shows no red triangle');

      await openDialog(page, id);
      await setField('node-input', 'filename', 'str', 'orders.csv');
      await snap(page.locator('.red-ui-tray').last(), shots, 'dialog-fetch-output-file');
      await done(page);
      (await hasErrorBadge(page, id, false)).should.be.false('a directory and a file name still invalid');
      (await page.evaluate((n) => { const o = RED.nodes.node(n); return [o.directory, o.filename, o.filenameType]; }, id)).should.eql(['exports', 'orders.csv', 'str']);

      // An empty Directory counts only in the file format.
      await openDialog(page, id);
      await setField('node-input', 'directory', 'str', '');
      await format.selectOption('auto');
      await done(page);
      (await hasErrorBadge(page, id, false)).should.be.false('an empty Directory marks a node that writes no file');
    });
  });

  describe('server field of a new node', () => {
    const server = () => editor().locator('.red-ui-tray #node-input-server');
    const types = workingTypes;

    for (const [i, type] of types.entries()) {
      it(`${type}: gets the only config node there is when dropped, before its dialog opens, and shows it`, async () => {
        const page = editor();
        const id = await drop(type, 450, 120 + i * 60);
        (await page.evaluate((n) => [RED.nodes.node(n).server, RED.nodes.node('server').users.some((u) => u.id === n)], id))
          .should.eql(['server', true], `${type}: the dropped node has not the only config node (or is not among its users)`);
        await openDialog(page, id);
        (await server().inputValue()).should.equal('server', `${type}: the only config node is not pre-selected`);
        await done(page);
        (await page.evaluate((n) => RED.nodes.node(n).server, id)).should.equal('server');
        // Only the server counts here: a new request node still needs its path.
        (await page.evaluate((n) => RED.nodes.node(n).validationErrors || [], id)).should.not.containEql('server');
      });
    }

    it('an imported node keeps its empty Server, as Node-RED\'s own nodes do; its dialog shows the only config node', async () => {
      const page = editor();
      const z = await page.evaluate(() => RED.workspaces.active());
      await page.evaluate((tab) => {
        RED.view.importNodes([{ id: 'imported-status', type: 'aims360-job-status', z: tab, x: 700, y: 500, wires: [[]] }], { generateIds: false, touchImport: true });
      }, z);
      (await page.evaluate(() => RED.nodes.node('imported-status').server || '')).should.equal('');
      await openDialog(page, 'imported-status');
      (await server().inputValue()).should.equal('server');
    });

    it('pre-selects nothing when there are two config nodes', async () => {
      const page = editor();
      await page.evaluate(() => RED.nodes.import([{ id: 'server2', type: 'aims360-config', name: 'Second account', baseUrl: 'http://127.0.0.1:9', authType: 'token' }]));
      try {
        for (const [i, type] of types.entries()) {
          const id = await drop(type, 300 + Math.floor(i / 4) * 250, 480 + (i % 4) * 60);
          (await page.evaluate((n) => RED.nodes.node(n).server || '', id)).should.equal('', `${type}: dropped with one of two config nodes`);
          await openDialog(page, id);
          (await server().locator('option').count()).should.equal(3, `${type}: two config nodes and "none"`);
          (await server().inputValue()).should.equal('_ADD_', `${type}: a server was chosen for the user`);
          await closeTrays(page);
        }
      } finally {
        await page.evaluate(() => RED.nodes.remove('server2'));
      }
    });
  });

  describe('config node dialog', () => {
    it('offers its defaults when added new', async () => {
      const page = editor();
      const id = await drop(workingTypes[0], 600, 120);
      await openDialog(page, id);
      await page.locator('.red-ui-tray #node-input-btn-server-add').click();
      await page.waitForSelector('.red-ui-tray #node-config-dialog-ok', { state: 'visible' });
      await checkDefaults('aims360-config', 'node-config-input');
      (await checkTooltips('aims360-config', '#node-config-dialog-edit-form')).should.be.above(4);
      (await page.locator('.red-ui-tray-titlebar').last().innerText()).should.not.containEql('aims360-config');
      (await page.locator('#node-config-aims360-region').inputValue()).should.equal('https://apiwest.aims360.rest');
      (await page.locator('.aims360-config-baseUrl-row').isVisible()).should.be.false();
    });

    it('switches the credential fields with the auth type, and tests the connection', async () => {
      const page = editor();
      const id = await drop(workingTypes[0], 600, 200);
      await openDialog(page, id);
      await page.locator('.red-ui-tray #node-input-server').selectOption('server');
      await page.locator('.red-ui-tray #node-input-btn-server-edit').click();
      await page.waitForSelector('.red-ui-tray #node-config-dialog-ok', { state: 'visible' });
      (await page.locator('#node-config-aims360-region').inputValue()).should.equal('custom');
      (await page.locator('#node-config-input-baseUrl').inputValue()).should.equal(sim().url);
      (await page.locator('.red-ui-tray-titlebar').last().innerText()).should.not.containEql('aims360-config');
      const visible = (sel) => page.locator(sel).isVisible();

      (await visible('#node-config-input-token')).should.be.true();
      for (const f of ['tokenUrl', 'clientId', 'clientSecret', 'username', 'password']) (await visible(`#node-config-input-${f}`)).should.be.false(f);
      await page.locator('#node-config-input-authType').selectOption('oauth2');
      (await visible('#node-config-input-token')).should.be.false();
      for (const f of ['tokenUrl', 'clientId', 'clientSecret', 'username', 'password']) (await visible(`#node-config-input-${f}`)).should.be.true(f);
      await snap(page.locator('.red-ui-tray').last(), shots, 'dialog-config-oauth2');
      await page.locator('#node-config-input-authType').selectOption('token');
      (await visible('#node-config-input-token')).should.be.true();

      const result = page.locator('#node-config-aims360-test-result');
      await page.locator('#node-config-input-token').fill(TOKEN);
      await page.locator('#node-config-aims360-test').click();
      await page.waitForFunction(() => $('#node-config-aims360-test-result .fa-check, #node-config-aims360-test-result .fa-times').length > 0);
      (await result.locator('.fa-check').count()).should.equal(1, await result.innerText());
      (await result.innerText()).trim().should.equal(`Connected to ${new URL(sim().url).host}.`);
      await snap(page.locator('.red-ui-tray').last(), shots, 'dialog-config');

      await page.locator('#node-config-input-token').fill('wrong-token');
      await page.locator('#node-config-aims360-test').click();
      await page.waitForFunction(() => $('#node-config-aims360-test-result .fa-times').length > 0);
      (await result.innerText()).trim().should.match(/^AUTH_FAILED: /);
      (await result.innerText()).should.not.containEql('wrong-token');
      // The refusal (502 {code, message}) carries what its code means, from the shared catalogue.
      (await result.locator('span').getAttribute('title')).should.equal(errorCodes.AUTH_FAILED);

      // The result wraps inside the dialog, a long word too.
      const fits = () => result.evaluate((el) => el.getBoundingClientRect().right <= el.closest('form').getBoundingClientRect().right);
      (await fits()).should.be.true('the result runs out of the dialog');
      await result.evaluate((el) => $(el).find('span').text('x'.repeat(400)));
      (await fits()).should.be.true('a long word runs out of the dialog');

    });
  });
});
