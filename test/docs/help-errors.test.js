// Every `msg.error.<path>` that a help page or the README names must be there on what a
// Catch node really receives: each node type runs in a real flow wired to a Catch node
// and is made to fail. Help pages are found by listing the locale folder, so a new node's
// page is checked as soon as it exists (its node needs an entry in support/nodes.js).
require('should');
const fs = require('node:fs');
const path = require('node:path');
const { helper, next, english, useSimAndNodeRed } = require('../support/red');
const { startSim } = require('../support/sim');
const { NODES, JOB, credentials, addJob, nodeFlow, loadFast } = require('../support/nodes');

const root = path.resolve(__dirname, '..', '..');
const { helpFiles } = require('../support/locales');
/** Node-RED's own util (of the Node-RED under test): its encodeObject is what the debug node sends the sidebar. */
const nodeRedPath = process.env.NODE_RED_PATH || require.resolve('node-red');
const { util } = require(require.resolve('@node-red/util', { paths: [path.dirname(nodeRedPath)] }));
/** An HTTP status no code path treats specially, so finding it proves where the status is. */
const API_STATUS = 418;

/** Ways to make any node fail: the fault (or node settings) and the code it must give. */
const FAILURES = [
  ['API_ERROR', { fault: { type: 'status', status: API_STATUS, times: -1 } }],
  ['AUTH_FAILED', { fault: { type: 'status', status: 403, times: -1 } }],
  ['BAD_INPUT', { props: { server: 'no-such-config' } }],
];

/** Every `msg.error…` mention in a text, as the path below msg.error ('' for msg.error itself). */
function errorPaths(text) {
  return [...new Set([...text.matchAll(/msg\.error((?:\.[A-Za-z_$][\w$]*)*)/g)].map((m) => m[1].slice(1)))];
}

function at(object, dotted) {
  return dotted === '' ? object : dotted.split('.').reduce((o, key) => (o == null ? undefined : o[key]), object);
}

/** The help pages: file, the node type it documents, its text. */
function helpPages() {
  return helpFiles().map((full) => {
    const file = path.basename(full);
    const text = fs.readFileSync(full, 'utf8');
    const type = /data-help-name="([^"]+)"/.exec(text)?.[1];
    return { file, type, text };
  });
}

/** The NODES entries (support/nodes.js) of one node type. */
function flowsOf(type) {
  return Object.keys(NODES).filter((name) => NODES[name].props.type === type);
}

describe('help pages and README name only the msg.error paths a Catch node receives', function () {
  this.timeout(30000);
  const getSim = useSimAndNodeRed(startSim);
  /** NODES name → code → msg.error as caught. */
  const caught = {};

  async function catchError(name, { fault, props = {} }) {
    const sim = getSim();
    addJob(sim, name);
    await loadFast(nodeFlow(sim, name, { server: { timeout: 2000 }, props }), credentials());
    if (fault) sim.addFault(fault);
    const first = next(helper.getNode('out'), helper.getNode('caught'));
    helper.getNode('node').receive({ jobId: JOB });
    return (await first).error;
  }

  for (const name of Object.keys(NODES)) {
    for (const [code, how] of FAILURES) {
      it(`${name}: ${code} reaches the Catch node`, async () => {
        const error = await catchError(name, how);
        (error || {}).should.have.property('code', code);
        (caught[name] ??= {})[code] = error;
      });
    }
  }

  it('an unnamed node is named by its palette label in msg.error.source (and so in the debug sidebar)', () => {
    for (const name of Object.keys(NODES)) {
      const type = NODES[name].props.type;
      const label = english(`${type}.paletteLabel`);
      label.should.not.equal(`${type}.paletteLabel`);
      for (const code of FAILURES.map(([c]) => c)) caught[name][code].source.should.match({ id: 'node', type, name: label });
    }
  });

  it('msg.error.cause shows the HTTP status and the API\'s words in the debug sidebar, never "[object Object]"', async () => {
    const sim = getSim();
    addJob(sim, 'job status (single)');
    await loadFast(nodeFlow(sim, 'job status (single)'), credentials());
    sim.addFault({ type: 'status', status: API_STATUS, body: JSON.stringify({ Message: 'I am a teapot' }), times: -1 });
    const node = helper.getNode('node');
    const logged = new Promise((resolve) => node.on('call:error', (call) => resolve(call.args[0])));
    const first = next(helper.getNode('out'), helper.getNode('caught'));
    node.receive({ jobId: JOB });
    const [error, caughtMsg] = await Promise.all([logged, first]);
    // The debug node hands the sidebar util.encodeObject of what it shows: an uncaught error
    // (the log's error object, its cause made text)…
    const uncaught = JSON.parse(util.encodeObject({ msg: error }).msg).data;
    uncaught.should.match({ code: 'API_ERROR', cause: `HTTP ${API_STATUS}: I am a teapot` });
    // …or a Catch node's message, msg.error as JSON.
    const inMessage = JSON.parse(util.encodeObject({ msg: caughtMsg }).msg);
    inMessage.error.cause.should.eql({ status: API_STATUS, message: 'I am a teapot' });
  });

  /** What is wrong with one text's mentions, checked against the errors caught from these NODES entries. */
  function wrongMentions(where, text, names) {
    const errors = names.flatMap((name) => Object.values(caught[name] ?? {}));
    errors.length.should.equal(names.length * FAILURES.length, `${where}: not every failure was caught (see the tests above)`);
    const wrong = [];
    for (const dotted of errorPaths(text)) {
      const shown = `msg.error${dotted ? `.${dotted}` : ''}`;
      if (!errors.some((e) => at(e, dotted) !== undefined)) wrong.push(`${where} names ${shown}, which no caught error has`);
      else if (/(^|\.)status$/.test(dotted)) {
        for (const name of names) {
          const got = at(caught[name].API_ERROR, dotted);
          if (got !== API_STATUS) wrong.push(`${where} names ${shown} for the HTTP status, but ${name}'s API_ERROR has ${got} there`);
        }
      }
    }
    return wrong;
  }

  it('every help page', () => {
    const pages = helpPages();
    pages.length.should.be.above(5);
    const wrong = pages.flatMap((page) => {
      const names = flowsOf(page.type);
      if (names.length > 0) return wrongMentions(page.file, page.text, names);
      // A config node reports no message errors; any other page needs its node in NODES.
      return errorPaths(page.text).length === 0 ? [] : [`${page.file} names msg.error, but ${page.type} has no flow in test/support/nodes.js NODES to check it against`];
    });
    wrong.should.eql([]);
  });

  it('the README', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    errorPaths(readme).length.should.be.above(0);
    wrongMentions('README.md', readme, Object.keys(NODES)).should.eql([]);
  });

  it('a page that documents API_ERROR says where its HTTP status is', () => {
    for (const { file, text } of [...helpPages(), { file: 'README.md', text: fs.readFileSync(path.join(root, 'README.md'), 'utf8') }]) {
      if (!text.includes('API_ERROR')) continue;
      errorPaths(text).some((p) => /(^|\.)status$/.test(p)).should.be.true(`${file} documents API_ERROR but not where its status is`);
    }
  });
});
