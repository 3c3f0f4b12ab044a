// Node statuses in a real editor (chromium), on the packed package: a status the runtime
// sends as an i18n key shows under the node in English, translated by the editor in the
// node's own catalogue, and every such key resolves there for each node type.
require('should');
const path = require('node:path');
const { usePackedNodeRed, workingTypes, PACKAGE } = require('../support/packed');
const { useEditor, onCanvas } = require('../support/browser');
const { useSim, simulatorFlow, TOKEN } = require('../support/sim');

/** A node's English catalogue, as the package ships it. */
function catalogue(type) {
  const base = path.basename(PACKAGE['node-red'].nodes[type], '.js');
  return require('../support/locales').catalog(base)[type];
}

describe('node status in a browser (chromium)', function () {
  this.timeout(60000);
  const sim = useSim({}, (started) => {
    started.addJob({ jobId: 'job-inline', responseType: 'In-line JSON', inline: { synced: 0 } });
    started.addJob({ jobId: 'job-slow', queuedMs: 600000 });
    started.addFault({ type: 'status', status: 404, body: JSON.stringify({ Message: 'View not found.' }), match: { query: 'job-broken' }, times: -1 });
  });
  // Each inject fires once at deploy; the node's last status is one sent as a key.
  const inject = (id, x, payload, target) =>
    ({ id, type: 'inject', z: 'tab', x, y: 80, props: [{ p: 'payload' }], payload, payloadType: 'str', repeat: '', once: true, onceDelay: 0.1, wires: [[target]] });
  const red = usePackedNodeRed(() => ({
    flows: simulatorFlow(sim(), [
      inject('inject-fetch', 120, 'job-inline', 'fetch'),
      { id: 'fetch', type: 'aims360-fetch-output', z: 'tab', x: 320, y: 80, server: 'server', wires: [[]] },
      inject('inject-wait', 620, 'job-slow', 'wait'),
      { id: 'wait', type: 'aims360-wait-for-job', z: 'tab', x: 820, y: 80, server: 'server', timeout: '0.5', wires: [[], [], []] },
      // Clicked by the test; unnamed, and no Catch node: its error goes to the debug sidebar.
      { ...inject('inject-broken', 120, 'job-broken', 'broken'), once: false, y: 180 },
      { id: 'broken', type: 'aims360-job-status', z: 'tab', x: 320, y: 180, server: 'server', wires: [[]] },
    ]),
    credentials: { server: { token: TOKEN } },
  }));
  const editor = useEditor(() => red().url);

  /** The status text under a node on the canvas, once it is one of `texts`. */
  async function shownStatus(id, texts) {
    const page = editor();
    await page.waitForFunction(([sel, want]) => want.includes($(`${sel} .red-ui-flow-node-status-label`).text()), [onCanvas(id), texts], { timeout: 20000 })
      .catch(() => {});
    return page.locator(`${onCanvas(id)} .red-ui-flow-node-status-label`).textContent();
  }

  for (const [id, type, name] of [['fetch', 'aims360-fetch-output', 'inline'], ['wait', 'aims360-wait-for-job', 'timedOut']]) {
    it(`${type}: the key ${type}.status.${name} sent by the runtime shows as "${catalogue(type).status[name]}"`, async () => {
      const key = `${type}.status.${name}`;
      (await shownStatus(id, [catalogue(type).status[name], key])).should.equal(catalogue(type).status[name]);
    });
  }

  it('a failure shows the code and the API\'s words on the canvas, and in the debug sidebar the node\'s label and a readable cause', async () => {
    const page = editor();
    await page.evaluate(() => RED.sidebar.show('debug'));
    await page.evaluate(() => $.post('inject/inject-broken'));
    (await shownStatus('broken', ['API_ERROR: view not found'])).should.equal('API_ERROR: view not found');
    // An error logged by a node (level 20), as the debug node publishes it.
    const message = page.locator('.red-ui-debug-msg-level-20').first();
    await message.waitFor({ timeout: 20000 }).catch(async (err) => {
      throw new Error(`no error in the debug sidebar: ${await page.locator('#red-ui-sidebar-content').innerText().catch(() => '')}\n${err.message}`);
    });
    (await message.locator('.red-ui-debug-msg-name').innerText()).should.match(/: job status$/);
    // The error object, opened: its cause as the debug node encoded it.
    await message.locator('.red-ui-debug-msg-row').first().click();
    const shown = await message.innerText();
    shown.should.containEql('HTTP 404: View not found.');
    shown.should.not.containEql('[object Object]');
  });

  it('every status text without parameters resolves to its English in its node type\'s own namespace', async () => {
    const expected = workingTypes.flatMap((type) => Object.entries(catalogue(type).status ?? {})
      .filter(([, text]) => !text.includes('__'))
      .map(([name, text]) => ({ type, key: `${type}.status.${name}`, text })));
    expected.length.should.be.above(8);
    // As the editor does with a status text (RED.comms "status/#"): the node type's _.
    const shown = await editor().evaluate((all) => all.map(({ type, key }) => RED.nodes.getType(type)._(key, { defaultValue: key })), expected);
    shown.should.eql(expected.map((e) => e.text));
  });
});
