// Every node against every fault the simulator can inject: a success after retries
// (fault injected once) or exactly one error with the right code (fault always on).
// Either way the message completes once and the runtime keeps answering.
const should = require('should');
const { helper, collect, next, wait, useSimAndNodeRed } = require('../support/red');
const { startSim } = require('../support/sim');
const { NODES, JOB, credentials, addJob, nodeFlow, loadFast, trackCrashes } = require('../support/nodes');

const JOBS = '/jobsmanagement/odata';
const DOCS = '/documentmanagement';
const ALWAYS = -1;

/** A job page whose nextLink points back at itself, forever. */
function endlessPage(sim) {
  const self = `${sim.url}${JOBS}/v1.0/backgroundjob?$skip=1`;
  return JSON.stringify({ value: [sim.getJob(JOB)], '@odata.nextLink': self });
}

const ok = 'success';
const TIMED_OUT = 'timed out';
const same = (outcome) => Object.fromEntries(Object.keys(NODES).map((name) => [name, outcome]));
/**
 * A passing fault (NETWORK, TIMEOUT, 429, 5xx) that lasts: wait for job goes on polling
 * through it until its own timeout (output 3); the others fail with the code. (Export data's
 * POST meets the fault first, and is not retried.)
 */
const outlasted = (code) => ({ ...same(code), 'wait for job': TIMED_OUT });
// Wait for job's timeout in this matrix: long enough for every passing fault's retries.
const WAIT_TIMEOUT = '2.5';
const EXPORTS = Object.keys(NODES).filter((name) => NODES[name].export);
/**
 * A fault that hits the first request once: the export node's POST is sent again only when
 * refused unread (429), as a retry could start the export twice, so it gives that fault's code;
 * every other node succeeds.
 */
const once = (exportCode) => ({ ...same(ok), ...Object.fromEntries(EXPORTS.map((name) => [name, exportCode])) });

/**
 * Rows: the fault (a spec, or a function of the simulator), how it is set up, and the
 * outcome per node: 'success' or the error code.
 */
const FAULTS = [
  ['500 always', { type: 'status', status: 500, times: ALWAYS }, outlasted('API_ERROR')],
  ['502 once', { type: 'status', status: 502 }, once('API_ERROR')],
  ['503 once', { type: 'status', status: 503 }, once('API_ERROR')],
  ['504 once', { type: 'status', status: 504 }, once('API_ERROR')],
  ['429 once with Retry-After: 1', { type: 'status', status: 429, retryAfter: 1 }, same(ok)],
  ['429 once without Retry-After', { type: 'status', status: 429 }, same(ok)],
  ['429 always', { type: 'status', status: 429, times: ALWAYS }, outlasted('RATE_LIMITED')],
  ['connection reset once', { type: 'reset' }, once('NETWORK')],
  ['connection reset always', { type: 'reset', times: ALWAYS }, outlasted('NETWORK')],
  ['hang past the 300 ms timeout once', { type: 'hang' }, once('TIMEOUT')],
  ['hang past the 300 ms timeout always', { type: 'hang', times: ALWAYS }, outlasted('TIMEOUT')],
  ['malformed JSON always', { type: 'malformed', times: ALWAYS }, same('BAD_RESPONSE')],
  ['truncated body once', { type: 'truncated' }, once('NETWORK')],
  // The connection drops mid-body: a network failure, after retries.
  ['truncated body always', { type: 'truncated', times: ALWAYS }, outlasted('NETWORK')],
  ['401 with an expired OAuth2 token', 'expire-token', same(ok)],
  ['401 always', { type: 'status', status: 401, times: ALWAYS }, same('AUTH_FAILED')],
  ['403 always', { type: 'status', status: 403, times: ALWAYS }, same('AUTH_FAILED')],
  ['empty value', { type: 'empty', times: ALWAYS }, {
    'job status (single)': 'JOB_NOT_FOUND', 'job status (query)': ok, 'wait for job': 'JOB_NOT_FOUND',
    'rerun job': 'JOB_NOT_FOUND', 'fetch output': 'JOB_NOT_FOUND', 'aims360 request': ok,
    'export data': 'JOB_NOT_FOUND', 'export data (start)': ok,
  }],
  ['a nextLink that never ends', (sim) => ({ type: 'status', status: 200, body: endlessPage(sim), match: { path: JOBS }, times: ALWAYS }),
    // The endless page lists another job: the export's own is not found.
    { ...same(ok), 'export data': 'JOB_NOT_FOUND' }],
];

/**
 * Faults on the second request of a node: the rerun POST (sent again only on a 429) and
 * the document download (not retried before its body starts; a body cut off part-way is
 * resumed with a Range, or downloaded once more when the server cannot resume it).
 */
const LATER_FAULTS = [
  ['rerun job', 'rerun POST 503 (not retried)', { type: 'status', status: 503, match: { method: 'POST' } }, 'API_ERROR'],
  ['rerun job', 'rerun POST reset (not retried)', { type: 'reset', match: { method: 'POST' } }, 'NETWORK'],
  ['rerun job', 'rerun POST 429 once (refused unread, so sent again)', { type: 'status', status: 429, match: { method: 'POST' } }, ok],
  ['fetch output', 'download 503', { type: 'status', status: 503, match: { path: DOCS } }, 'API_ERROR'],
  ['fetch output', 'download 403', { type: 'status', status: 403, match: { path: DOCS } }, 'ACCESS_DENIED'],
  ['fetch output', 'download reset', { type: 'reset', match: { path: DOCS } }, 'NETWORK'],
  ['fetch output', 'download hang past the timeout', { type: 'hang', match: { path: DOCS } }, 'TIMEOUT'],
  ['fetch output', 'download truncated once (no ranges: downloaded again)', { type: 'truncated', match: { path: DOCS } }, ok],
  ['fetch output', 'download truncated twice', { type: 'truncated', times: 2, match: { path: DOCS } }, 'NETWORK'],
  ['fetch output', 'download cut at byte 5 once (resumed)', { type: 'cut', atByte: 5, match: { path: DOCS } }, ok],
  ['fetch output', 'download cut at byte 5 every time (5 bytes a try)', { type: 'cut', atByte: 5, times: -1, match: { path: DOCS } }, 'NETWORK'],
];

describe('fault matrix: every node × every fault', function () {
  this.timeout(30000);
  const getSim = useSimAndNodeRed(startSim);
  let crashes;
  beforeEach(() => {
    crashes = trackCrashes();
  });
  afterEach(() => crashes.stop());

  /** Sends one message and checks it ends in `expected` exactly once; then that the node still works. */
  async function runCase(name, setup, expected) {
    const sim = getSim();
    addJob(sim, name);
    const auth = setup === 'expire-token' ? 'oauth2' : 'token';
    const props = name === 'wait for job' ? { timeout: WAIT_TIMEOUT } : {};
    await loadFast(nodeFlow(sim, name, { auth, server: { timeout: 300 }, props }), credentials(auth));
    const client = helper.getNode('server').client;
    if (setup === 'expire-token') {
      await client.request(`${JOBS}/v1.0/backgroundjob`, { query: '$top=1' });
      sim.expireTokens();
    } else {
      sim.addFault(typeof setup === 'function' ? setup(sim) : setup);
    }
    const [out, caught, completed] = ['out', 'caught', 'completed'].map((id) => collect(helper.getNode(id)));
    const first = next(helper.getNode('out'), helper.getNode('caught'));
    helper.getNode('node').receive({ jobId: JOB, topic: 'matrix' });
    const msg = await first;
    await wait(150);
    if (expected === ok || expected === TIMED_OUT) {
      (msg.error === undefined).should.be.true(`expected ${expected}, got ${msg.error && msg.error.code}: ${msg.error && msg.error.message}`);
      [out.length, caught.length, completed.length].should.eql([1, 0, 1]);
      if (expected === TIMED_OUT) {
        // Output 3, at the wait's own timeout, without a job status: the job was never read.
        should(msg.jobStatus).be.undefined();
        msg.waitedMs.should.be.aboveOrEqual(Number(WAIT_TIMEOUT) * 1000);
      }
    } else {
      (msg.error || {}).should.have.property('code', expected);
      [out.length, caught.length, completed.length].should.eql([0, 1, 0]);
    }
    msg.topic.should.equal('matrix');
    // Node-RED and the node keep running: with the fault gone the next message succeeds.
    sim.clearFaults();
    const again = next(helper.getNode('out'), helper.getNode('caught'));
    helper.getNode('node').receive({ jobId: JOB });
    const second = await again;
    (second.error === undefined).should.be.true();
    crashes.seen.should.eql([]);
    return msg;
  }

  for (const [fault, setup, outcomes] of FAULTS) {
    for (const name of Object.keys(NODES)) {
      it(`${name} / ${fault} → ${outcomes[name]}`, async () => {
        const msg = await runCase(name, setup, outcomes[name]);
        if (fault === 'a nextLink that never ends' && name === 'job status (query)') {
          msg.count.should.equal(10);
          msg.nextLink.should.startWith(getSim().url);
        }
      });
    }
  }

  for (const [name, fault, setup, expected] of LATER_FAULTS) {
    it(`${name} / ${fault} → ${expected}`, () => runCase(name, setup, expected));
  }
});
