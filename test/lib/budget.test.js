// src/lib/budget.ts, the account's request budget (maxRequestsPerSecond), through the client that
// takes a turn for every attempt: counted where AIMS360 counts, in the simulator's request log.
const should = require('should');
const { AimsClient } = require('../../dist/src/lib/client.js');
const { RequestBudget } = require('../../dist/src/lib/budget.js');
const { JOBS_PATH } = require('../../dist/src/lib/jobs-endpoint.js');
const { busiestSecond, useSim, rejection, TOKEN } = require('../support/sim');

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Resolves once `check()` holds, looking every few ms (no fixed sleep to guess). */
async function until(check) {
  while (!check()) await delay(2);
}

describe('lib: the request budget (maxRequestsPerSecond)', function () {
  const sim = useSim();
  const clients = [];
  const client = (options = {}) => {
    const c = new AimsClient({ baseUrl: sim().url, auth: { type: 'token', token: TOKEN }, retry: { limit: 0 }, ...options });
    clients.push(c);
    return c;
  };
  /** A one-off job query the log can tell apart by its $top. */
  const query = (c, n, options = {}) => c.requestJson(JOBS_PATH, { query: `$top=${n}`, ...options });
  const topOf = (entry) => Number(new URLSearchParams(entry.query).get('$top'));

  beforeEach(() => sim().clearLog());
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  it('lets a burst of one-off requests through at most the cap in any second, all answered, in order', async () => {
    const c = client({ maxRequestsPerSecond: 4 });
    const answers = await Promise.all(Array.from({ length: 13 }, (_, n) => query(c, n + 1)));
    answers.every((a) => a.statusCode === 200).should.be.true();
    const log = sim().log;
    log.length.should.equal(13);
    busiestSecond(log).should.equal(4);
    // Turns go in order: each window's four are the next four asked (the sockets may swap two within one).
    for (let w = 0; w < 13; w += 4) {
      log.slice(w, w + 4).map(topOf).sort((a, b) => a - b).should.eql(Array.from({ length: Math.min(4, 13 - w) }, (_, k) => w + k + 1));
    }
  });

  it('counts every retry: each attempt is a request AIMS360 sees', async () => {
    const c = client({ maxRequestsPerSecond: 2, retry: { limit: 4, baseDelayMs: 1, maxDelayMs: 2 } });
    sim().addFault({ type: 'status', status: 503, times: 4 });
    const answers = await Promise.all([query(c, 1), query(c, 2)]);
    answers.map((a) => a.statusCode).should.eql([200, 200]);
    sim().log.length.should.equal(6);
    busiestSecond(sim().log).should.equal(2);
  });

  it('counts a document as one request (its start), an export POST as one', async () => {
    const c = client({ maxRequestsPerSecond: 1 });
    await c.request('/reports/v1.0/exportdata', { method: 'POST', json: {} }).catch(() => undefined);
    const doc = await c.download(`${sim().url}/documentmanagement/v1.0/aimsdocument/none`, { auth: true }).catch((err) => err);
    should.exist(doc);
    sim().log.length.should.equal(2);
    busiestSecond(sim().log).should.equal(1);
  });

  it('counts the token request of the OAuth2 password grant', async () => {
    const oauth = { type: 'oauth2', tokenUrl: `${sim().url}/connect/token`, clientId: 'sim-client', clientSecret: 'sim-secret', username: 'operator@example.com', password: 'sim-password' };
    const c = client({ maxRequestsPerSecond: 1, auth: oauth });
    await Promise.all([query(c, 1), query(c, 2)]);
    sim().log.map((e) => e.method).should.eql(['POST', 'GET', 'GET']);
    busiestSecond(sim().log).should.equal(1);
  });

  it('gives one-off requests their turn before background polls already waiting', async () => {
    const c = client({ maxRequestsPerSecond: 2 });
    const polls = Array.from({ length: 6 }, (_, n) => query(c, 100 + n, { background: true }));
    await until(() => c.budget.use().waiting === 4);
    const oneOffs = [query(c, 1), query(c, 2)];
    await Promise.all([...polls, ...oneOffs]);
    const order = sim().log.map(topOf);
    order.slice(0, 2).sort().should.eql([100, 101]);
    order.slice(2, 4).sort().should.eql([1, 2]);
    order.slice(4).sort().should.eql([102, 103, 104, 105]);
  });

  it('ends a request waiting for its turn by its abort signal, and by the client closing, with no timer left', async () => {
    const c = client({ maxRequestsPerSecond: 1 });
    await query(c, 1);
    const controller = new AbortController();
    const aborted = rejection(query(c, 2, { signal: controller.signal }));
    const closed = rejection(query(c, 3));
    await until(() => c.budget.use().waiting === 2);
    controller.abort();
    (await aborted).should.match({ code: 'NETWORK' });
    c.budget.use().waiting.should.equal(1);
    c.close();
    (await closed).should.match({ code: 'NETWORK' });
    c.budget.use().waiting.should.equal(0);
    should.not.exist(c.budget.timer);
    sim().log.map(topOf).should.eql([1]);
  });

  it('has no cap at 0: every turn is given at once', async () => {
    const capped = new RequestBudget(10);
    const free = new RequestBudget(0);
    const given = async (budget) => {
      let n = 0;
      for (let i = 0; i < 50; i++) void budget.take('oneOff').then(() => n++);
      // Before any timer can run: only turns given without waiting are counted.
      await new Promise((resolve) => setImmediate(resolve));
      return n;
    };
    (await given(free)).should.equal(50);
    (await given(capped)).should.equal(10);
    capped.close();
    const c = client({ maxRequestsPerSecond: '0' });
    c.budget.perSecond.should.equal(0);
    await Promise.all(Array.from({ length: 20 }, (_, n) => query(c, n + 1)));
    c.budget.use().should.match({ perSecond: 0, waiting: 0 });
  });

  it('reads the setting by its rule: 10 by default, a fraction is one request every 1/x s, anything else BAD_INPUT', () => {
    client().budget.perSecond.should.equal(10);
    client({ maxRequestsPerSecond: '' }).budget.perSecond.should.equal(10);
    const half = client({ maxRequestsPerSecond: 0.5 }).budget;
    half.rate.should.be.within(0.49, 0.5);
    for (const bad of [-1, 1001, 'fast']) {
      (() => client({ maxRequestsPerSecond: bad })).should.throw({ code: 'BAD_INPUT' });
    }
  });
});
