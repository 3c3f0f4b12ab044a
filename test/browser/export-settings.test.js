// Export data's overlap and the typed values setting in a real editor: a flow with a bad value
// (only an edited or imported flow can have one: the dialog offers a select and a checkbox) shows
// the red triangle with a reason, and a node saved before typed values opens with it off.
const should = require('should');
const { usePackedNodeRed } = require('../support/packed');
const { useEditor, openDialog, closeTrays, hasErrorBadge, onCanvas } = require('../support/browser');

const VIEW = { source: 'Orders', sourceType: 'str', viewName: 'All orders', viewNameType: 'str' };
const TYPED_REASON = 'Typed values is on or off (true or false).';
const at = (y) => ({ z: 'tab', x: 200, y, wires: [[]] });

const FLOWS = [
  { id: 'tab', type: 'tab', label: 'Flow 1' },
  { id: 'server', type: 'aims360-config', name: 'nowhere', baseUrl: 'http://127.0.0.1:9', authType: 'token' },
  { id: 'good', type: 'aims360-export', server: 'server', ...VIEW, version: '2', overlap: 'drop', typedValues: true, ...at(60) },
  { id: 'badOverlap', type: 'aims360-export', server: 'server', ...VIEW, version: '2', overlap: 'sometimes', typedValues: true, ...at(120) },
  { id: 'badTyped', type: 'aims360-export', server: 'server', ...VIEW, version: '2', typedValues: 'yes', ...at(180) },
  { id: 'badFetch', type: 'aims360-fetch-output', server: 'server', version: '2', typedValues: 'yes', ...at(240) },
  { id: 'old', type: 'aims360-fetch-output', server: 'server', format: 'rows', ...at(300) },
];

describe('export data overlap and typed values in the editor (chromium)', function () {
  this.timeout(60000);
  const red = usePackedNodeRed(() => ({ flows: FLOWS, credentials: { server: { token: 't' } } }));
  const editor = useEditor(() => red().url);
  afterEach(() => closeTrays(editor()));

  it('marks a bad overlap or typed values setting with the red triangle and a reason', async () => {
    const page = editor();
    await page.waitForFunction(() => RED.nodes.node('badFetch'), null, { timeout: 20000 });
    // Drawn: the badges are on the canvas.
    await page.locator(`${onCanvas('badFetch')} .red-ui-flow-node`).waitFor({ timeout: 20000 });
    for (const [id, reason] of [['badOverlap', 'Choose share, start or drop'], ['badTyped', TYPED_REASON], ['badFetch', TYPED_REASON]]) {
      (await hasErrorBadge(page, id, true)).should.be.true(`${id} shows no red triangle`);
      const errors = await page.evaluate((n) => RED.nodes.node(n).validationErrors || [], id);
      errors.should.eql([reason], id);
    }
    (await hasErrorBadge(page, 'good', false)).should.be.false('the good node is marked');
  });

  it('opens a node saved before typed values with the box unticked, and a new one with it ticked', async () => {
    const page = editor();
    await page.waitForFunction(() => RED.nodes.node('old'), null, { timeout: 20000 });
    should(await page.evaluate(() => RED.nodes.node('old').typedValues)).equal(false);
    await openDialog(page, 'old');
    (await page.locator('.red-ui-tray #node-input-typedValues').isChecked()).should.be.false();
    await closeTrays(page);
    await openDialog(page, 'good');
    (await page.locator('.red-ui-tray #node-input-typedValues').isChecked()).should.be.true();
    (await page.locator('.red-ui-tray #node-input-overlap').inputValue()).should.equal('drop');
  });
});
