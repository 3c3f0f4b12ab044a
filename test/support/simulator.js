// The simulator's own tests (test/simulator/): one simulator per describe, reset before each
// test, and the HTTP helpers they share.
const http = require('node:http');
const { start } = require('../../dist/simulator/index.js');

const TOKEN = 'simulator-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const JOBS = '/jobsmanagement/odata/v1.0/backgroundjob';
const DENIED = { Message: 'Authorization has been denied for this request.' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Strict OData encoding as a careful client does it: %20 for spaces, %27 for quotes.
const enc = (s) => encodeURIComponent(s).replace(/'/g, '%27');

/** A request with headers fetch will not set as given (Host): answers status and text. */
function rawRequest(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A simulator for the enclosing describe (reset before each test), handed to `set` once
 * started, and helpers that ask it over HTTP; `another(options)` starts one more, closed
 * after the test.
 */
function useSimulator(set) {
  let sim;
  const extra = [];

  const get = (p, headers = AUTH, init = {}) => fetch(sim.url + p, { headers, ...init });
  const query = async (qs, headers = AUTH) => {
    const res = await get(`${JOBS}?${qs}`, headers);
    return { status: res.status, body: await res.json(), headers: res.headers };
  };
  const filter = (f, more = '') => query(`$filter=${enc(f)}${more}`);
  const ids = (body) => body.value.map((j) => j.jobID ?? j.jobId);
  const postJson = (p, body, headers = AUTH) =>
    fetch(sim.url + p, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const documentsOf = (job) => JSON.parse(job.response);
  const another = async (options) => {
    const s = await start({ port: 0, ...options });
    extra.push(s);
    return s;
  };

  before(async () => {
    sim = await start({ port: 0 });
    set(sim);
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((s) => s.close()));
  });
  return { get, query, filter, ids, postJson, documentsOf, another };
}

module.exports = { useSimulator, TOKEN, AUTH, JOBS, DENIED, sleep, enc, rawRequest };
