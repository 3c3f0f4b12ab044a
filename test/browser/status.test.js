// Node statuses in a real editor (chromium), on the packed package: a status the runtime
// sends as an i18n key shows under the node in English, translated by the editor in the
// node's own catalogue, and every such key resolves there for each node type.
require('should');
const fs = require('node:fs');
const path = require('node:path');
const { usePackedNodeRed, workingTypes, PACKAGE, root } = require('../support/packed');
const { useEditor, onCanvas } = require('../support/browser');
const { useSim, simulatorFlow, TOKEN } = require('../support/sim');

/** A node's English catalogue, as the package ships it. */
function catalogue(type) {
  const base = path.basename(PACKAGE['node-red'].nodes[type], '.js');
  return JSON.parse(fs.readFileSync(path.join(root, 'nodes', 'locales', 'en-US', `${base}.json`), 'utf8'))[type];
}

describe('node status in a browser (chromium)', function () {
  this.timeout(60000);
  const sim = useSim({}, (started) => {
    started.addJob({ jobId: 'job-inline', responseType: 'In-line JSON', inline: { synced: 0 } });
    started.addJob({ jobId: 'job-slow', queuedMs: 600000 });
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
