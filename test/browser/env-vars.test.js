// Settings written as environment variables, `${NAME}` (and the older `$(NAME)`), in a real
// editor and runtime: no red triangle or red field for any plain setting of any node, the
// dialog keeps them as written, Test connection and the sidebar's server list use the values
// Node-RED substitutes, and the deployed config node runs with them.
require('should');
const fs = require('node:fs');
const { packedUserDir } = require('../support/packed');
const { startNodeRed } = require('../support/node-red-process');
const { useEditor, openDialog, done, closeTrays, hasErrorBadge } = require('../support/browser');
const { useSim, TOKEN } = require('../support/sim');

/** Where the sidebar and Test connection find the simulator: AIMS_URL, never written in the flow. */
const ENV = {
  AIMS_TIMEOUT: '5000',
  RPS: '1',
  AIMS_HOSTS: 'files.example',
  WAIT_S: '0.5',
  WAIT_MAX_S: '2',
  WAIT_TIMEOUT_S: '60',
  CRITERIA: 'v1.0',
  EXPORT_PATH: 'reports/v1.0/reports/exportdata',
  MAX_MB: '10',
  ROWS: '100',
  KEYS: 'Order No',
  EVENTS_S: '30',
  EVENTS_FILTER: "categoryName eq 'Reports'",
  EVENTS: 'completed',
  PAGES: '3',
};

/** The plain (not typed-input) settings of every node, each an environment variable. */
const NODES = {
  server: {
    type: 'aims360-config', name: 'Env server', baseUrl: '${AIMS_URL}', authType: 'token', timeout: '${AIMS_TIMEOUT}',
    maxRequestsPerSecond: '${RPS}', trustedHosts: '${AIMS_HOSTS}',
  },
  // The older form, and the token URL of the password grant.
  'server-oauth': {
    type: 'aims360-config', name: 'Env oauth', baseUrl: '$(AIMS_URL)', authType: 'oauth2', tokenUrl: '${AIMS_TOKEN_URL}',
    timeout: '$(AIMS_TIMEOUT)', maxRequestsPerSecond: '$(RPS)', trustedHosts: '$(AIMS_HOSTS)',
  },
  wait: { type: 'aims360-wait-for-job', interval: '${WAIT_S}', maxInterval: '${WAIT_MAX_S}', timeout: '${WAIT_TIMEOUT_S}', outputs: 3 },
  export: {
    type: 'aims360-export', source: 'Orders', sourceType: 'str', viewName: 'All orders', viewNameType: 'str', mode: 'data',
    criteriaVersion: '${CRITERIA}', path: '${EXPORT_PATH}', format: 'stream-rows', rowsPerMessage: '${ROWS}', maxSizeMB: '${MAX_MB}',
    changes: 'changed', keyColumns: '${KEYS}', interval: '${WAIT_S}', maxInterval: '${WAIT_MAX_S}', timeout: '${WAIT_TIMEOUT_S}', version: '2',
  },
  fetch: { type: 'aims360-fetch-output', format: 'stream-rows', rowsPerMessage: '$(ROWS)', maxSizeMB: '${MAX_MB}', changes: 'changed', keyColumns: '${KEYS}', version: '2' },
  events: { type: 'aims360-job-events', interval: '${EVENTS_S}', filter: '${EVENTS_FILTER}', events: '${EVENTS}' },
  status: { type: 'aims360-job-status', mode: 'query', maxPages: '${PAGES}' },
};
/** A number setting of each node: typed over, it turns red with "abc" and back with a variable (the check works). */
const NUMBER = { server: 'maxRequestsPerSecond', 'server-oauth': 'timeout', wait: 'interval', export: 'rowsPerMessage', fetch: 'maxSizeMB', events: 'interval', status: 'maxPages' };
const CONFIGS = Object.keys(NODES).filter((id) => NODES[id].type === 'aims360-config');
const WORKING = Object.keys(NODES).filter((id) => !CONFIGS.includes(id));

/** The settings of a node written as `${…}` or `$(…)`. */
const envSettings = (id) => Object.fromEntries(Object.entries(NODES[id]).filter(([, v]) => /^\$[{(]/.test(String(v))));

function flows() {
  return [
    { id: 'tab', type: 'tab', label: 'Env vars' },
    ...CONFIGS.map((id) => ({ id, ...NODES[id] })),
    ...WORKING.map((id, i) => ({ id, z: 'tab', x: 200, y: 80 + 80 * i, server: 'server', wires: [], ...NODES[id] })),
  ];
}

describe('settings written as environment variables (chromium)', function () {
  this.timeout(120000);
  const sim = useSim({ demo: true });
  let red;
  let dirs;
  before(async function () {
    this.timeout(120000);
    dirs = packedUserDir({
      flows: flows(),
      credentials: { server: { token: TOKEN }, 'server-oauth': { clientId: 'sim-client', clientSecret: 'sim-secret', username: 'operator@example.com', password: 'sim-password' } },
    });
    red = await startNodeRed(dirs.userDir, { env: { ...ENV, AIMS_URL: sim().url, AIMS_TOKEN_URL: `${sim().url}/authentication/v1/authentication/token` } });
  });
  after(async () => {
    if (red) await red.stop();
    if (dirs) fs.rmSync(dirs.work, { recursive: true, force: true });
  });
  const editor = useEditor(() => red.url);
  afterEach(() => closeTrays(editor()));

  /** The fields of the open dialog that show a red outline (a typed input's box included). */
  const redFields = (page) => page.evaluate(() => $('.red-ui-tray').last().find('.input-error').toArray()
    .map((el) => el.id || $(el).parent().find('input[id]').attr('id') || el.className));

  /**
   * Types "abc" into the node's number setting (red), then its variable again, as a user
   * would (no longer red): the red outline follows the check, which takes the variable.
   */
  async function typeOver(page, id, prefix) {
    const field = page.locator(`#${prefix}-${NUMBER[id]}`);
    // Export data keeps its numbers under Advanced, closed while nothing in it is refused.
    if (!(await field.isVisible())) await page.locator('.red-ui-tray .aims360-advanced-toggle').click();
    await field.fill('abc');
    await field.blur();
    (await redFields(page)).should.eql([`${prefix}-${NUMBER[id]}`]);
    await field.fill(NODES[id][NUMBER[id]]);
    await field.blur();
    (await redFields(page)).should.eql([]);
  }

  /** The node's saved settings that were written as environment variables. */
  const saved = (page, id) => page.evaluate(([nodeId, names]) => Object.fromEntries(names.map((n) => [n, RED.nodes.node(nodeId)[n]])), [id, Object.keys(envSettings(id))]);

  it('shows no red triangle on any node, and counts every node valid', async () => {
    const page = editor();
    for (const id of WORKING) (await hasErrorBadge(page, id, false)).should.be.false(`${id} has a red triangle`);
    const invalid = await page.evaluate((ids) => ids.filter((id) => !RED.nodes.node(id).valid), [...CONFIGS, ...WORKING]);
    invalid.should.eql([]);
  });

  for (const id of WORKING) {
    it(`${NODES[id].type}: its dialog shows no red field, and Done keeps ${Object.keys(envSettings(id)).join(', ')} as written`, async () => {
      const page = editor();
      await openDialog(page, id);
      (await redFields(page)).should.eql([]);
      await typeOver(page, id, 'node-input');
      await done(page);
      (await saved(page, id)).should.eql(envSettings(id));
      (await hasErrorBadge(page, id, false)).should.be.false(`${id} has a red triangle after Done`);
    });
  }

  it('aims360-job-events: a box ticked over ${EVENTS} writes the ticked list in its place', async () => {
    const page = editor();
    await openDialog(page, 'events');
    (await page.locator('#node-input-events').inputValue()).should.equal('${EVENTS}');
    await page.locator('#aims360-job-events-failed').check();
    (await page.locator('#node-input-events').inputValue()).should.equal('failed');
    await closeTrays(page);
    (await page.evaluate(() => RED.nodes.node('events').events)).should.equal('${EVENTS}');
  });

  for (const id of CONFIGS) {
    it(`${NODES[id].name}: the config dialog shows no red field, and Done keeps its settings as written`, async () => {
      const page = editor();
      await page.evaluate((configId) => RED.editor.editConfig('', 'aims360-config', configId), id);
      await page.waitForSelector('.red-ui-tray #node-config-dialog-ok', { state: 'visible' });
      // A base URL that is a variable is no region: the custom URL field shows it.
      (await page.locator('#node-config-aims360-region').inputValue()).should.equal('custom');
      (await page.locator('#node-config-input-baseUrl').isVisible()).should.be.true();
      (await redFields(page)).should.eql([]);
      await typeOver(page, id, 'node-config-input');
      await done(page);
      (await saved(page, id)).should.eql(envSettings(id));
      (await page.evaluate((configId) => RED.nodes.node(configId).valid, id)).should.be.true();
    });
  }

  it('Test connection connects with the values of the variables', async () => {
    const page = editor();
    await page.evaluate(() => RED.editor.editConfig('', 'aims360-config', 'server'));
    await page.waitForSelector('.red-ui-tray #node-config-dialog-ok', { state: 'visible' });
    const result = page.locator('#node-config-aims360-test-result');
    await page.locator('#node-config-aims360-test').click();
    await page.waitForFunction(() => $('#node-config-aims360-test-result .fa-check, #node-config-aims360-test-result .fa-times').length > 0);
    (await result.innerText()).trim().should.equal(`Connected to ${new URL(sim().url).host}.`);
  });

  it('the sidebar\'s server list shows the base URL and budget Node-RED substituted', async () => {
    const answer = await (await fetch(`${red.url}/aims360/servers`)).json();
    const byId = Object.fromEntries(answer.servers.map((s) => [s.id, s]));
    byId.server.should.match({ name: 'Env server', baseUrl: sim().url, budget: { perSecond: 1 } });
    byId['server-oauth'].should.match({ name: 'Env oauth', baseUrl: sim().url, budget: { perSecond: 1 } });
  });
});
