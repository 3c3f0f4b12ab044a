// Random input messages for every node and random API answers, through a real
// runtime against the simulator: no crash, no unhandled rejection, no hang, no
// prototype pollution, and every message completed exactly once.
require('should');
const fc = require('fast-check');
const { helper, next, wait, useSimAndNodeRed } = require('../support/red');
const { startSim } = require('../support/sim');
const { NODES, JOB, credentials, addJob, nodeFlow, loadFast, trackCrashes } = require('../support/nodes');

const JOBS = '/jobsmanagement/odata/v1.0/backgroundjob';
const INPUT_RUNS = 1000;
const ANSWER_RUNS = 300;
const HANG_MS = 5000;

const pollution = () => JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}');
const odd = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', "x' or 1 eq 1", '../../etc/passwd', 'job-1\u0000', ' job-1', '٣', '2026-02-30T25:61:00Z', 'Invalid Date'),
  fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString())),
  fc.string({ minLength: 10000, maxLength: 100000 }).map((s) => s.slice(0, 1) + 'x'.repeat(100000)),
);
const jobId = fc.oneof(fc.constant(JOB), fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/), fc.string(), odd, fc.anything(), fc.date());
const value = fc.oneof(fc.anything(), odd, fc.constant(null), fc.constant(pollution()));

/** A random message; the fields each node reads are the likeliest to be set. */
const message = fc.record({
  jobId,
  payload: fc.oneof(value, jobId, fc.record({ jobId, jobID: jobId, jobStatus: value, response: value, responseType: value }, { requiredKeys: [] })),
  topic: value,
  cancel: fc.oneof(fc.boolean(), value),
  reset: fc.oneof(fc.constant(false), value),
  parts: value,
  filter: fc.oneof(fc.string(), odd, value),
  orderby: value,
  select: value,
  top: fc.oneof(fc.integer(), value),
  path: fc.oneof(fc.constantFrom('jobsmanagement/odata/v1.0/backgroundjob', 'http://evil.example/x', '//evil.example/x', '/../x'), fc.string(), value),
  query: fc.oneof(fc.dictionary(fc.string(), value), value),
  directory: value,
}, { requiredKeys: [] });

/** Node properties that read the fuzzed fields from the message. */
const FROM_MSG = {
  'job status (query)': { filter: 'filter', filterType: 'msg', orderby: 'orderby', orderbyType: 'msg', select: 'select', selectType: 'msg', top: 'top', topType: 'msg' },
  'aims360 request': { path: 'path', pathType: 'msg', query: 'query', queryType: 'msg' },
};

/** Random job-query answers: any JSON, or job pages with random fields. */
function answers(sim) {
  const link = fc.constantFrom(`${sim.url}/documentmanagement/v1.0/aimsdocument/a/b`, 'http://127.0.0.1:1/x', 'not a url', '', 'ftp://x/y');
  const doc = fc.record({ documentName: value, DownloadLink: fc.oneof(link, value), SizeInMB: value, Type: value, ExpiryDate: fc.oneof(odd, value) }, { requiredKeys: [] });
  const job = fc.record({
    jobID: fc.oneof(fc.constant(JOB), value), jobStatus: fc.oneof(fc.constantFrom('Completed', 'Failed', 'Queued', 'Inprogress'), value),
    percentCompleted: value, responseType: fc.oneof(fc.constantFrom('Publishlink', 'In-line JSON'), value),
    publishLinkAccessScope: fc.oneof(fc.constantFrom('Public', 'Private'), value), publishLink: fc.oneof(link, value),
    response: fc.oneof(fc.array(doc).map((d) => JSON.stringify(d)), fc.array(doc), value),
  }, { requiredKeys: [] });
  const page = fc.record({ value: fc.oneof(fc.array(job, { maxLength: 3 }), value), '@odata.nextLink': fc.oneof(link, value) }, { requiredKeys: [] });
  return fc.oneof(fc.json(), page.map((p) => JSON.stringify(p)), fc.string());
}

describe('fuzzing: random messages and random API answers', function () {
  this.timeout(60000);
  const getSim = useSimAndNodeRed(startSim);
  let crashes;
  beforeEach(() => {
    crashes = trackCrashes();
  });
  afterEach(() => {
    crashes.stop();
    (({}).polluted === undefined).should.be.true('Object.prototype was polluted');
  });

  /** Loads the node and returns send(msg): resolves once the message is answered, fails on a hang or a second answer. */
  async function fuzzNode(name) {
    const sim = getSim();
    addJob(sim, name);
    // No request budget: 1,000 messages at 10 requests a second outlast the test (test/lib/budget.test.js tests the budget).
    await loadFast(nodeFlow(sim, name, { server: { timeout: 1000, maxRequestsPerSecond: 0 }, props: FROM_MSG[name] || {} }), credentials());
    const ends = new Map();
    const count = (msg) => ends.set(msg.fuzz, (ends.get(msg.fuzz) || 0) + 1);
    helper.getNode('completed').on('input', count);
    helper.getNode('caught').on('input', count);
    let seq = 0;
    return async (msg) => {
      const id = ++seq;
      const ended = next(helper.getNode('completed'), helper.getNode('caught'));
      let timer;
      const hang = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms`)), HANG_MS)));
      helper.getNode('node').receive({ ...msg, fuzz: id });
      try {
        await Promise.race([ended, hang]);
      } finally {
        clearTimeout(timer);
      }
      await wait(0);
      if (ends.get(id) !== 1) throw new Error(`message ${id} completed ${ends.get(id)} times`);
      crashes.seen.should.eql([]);
    };
  }

  for (const name of Object.keys(NODES)) {
    it(`${name}: ${INPUT_RUNS} random input messages`, async function () {
      // Each message of export data runs a whole export: start, poll, download.
      if (NODES[name].export) this.timeout(180000);
      const send = await fuzzNode(name);
      await fc.assert(fc.asyncProperty(message, send), { numRuns: INPUT_RUNS });
    });
  }

  for (const name of ['job status (single)', 'wait for job', 'fetch output']) {
    it(`${name}: ${ANSWER_RUNS} random API answers`, async () => {
      const send = await fuzzNode(name);
      const sim = getSim();
      await fc.assert(fc.asyncProperty(answers(sim), async (body) => {
        sim.clearFaults();
        sim.addFault({ type: 'status', status: 200, body, match: { path: JOBS } });
        await send({ jobId: JOB });
      }), { numRuns: ANSWER_RUNS });
    });
  }
});
