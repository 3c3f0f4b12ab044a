// src/lib/budget.ts, the account's request budget (maxRequestsPerSecond), through the client that
// takes a turn for every attempt: counted where AIMS360 counts, in the simulator's request log.
const should = require('should');
const { AimsClient } = require('../../dist/src/lib/client.js');
const { RequestBudget, WRITTEN_GRACE_MS } = require('../../dist/src/lib/budget.js');
const { JOBS_PATH } = require('../../dist/src/lib/jobs-endpoint.js');
const { busiestSecond, useSim, rejection, TOKEN } = require('../support/sim');

const { until } = require('../support/wait');

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
    await until(() => c.budget.use().waiting === 4, 'four requests waiting', 20000, 2);
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
    await until(() => c.budget.use().waiting === 2, 'two requests waiting', 20000, 2);
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

describe('lib: the request budget on its own (RequestBudget, on a fake clock)', function () {
  const sinon = require('sinon');
  let clock;
  const budgets = [];
  /** A budget whose turns are watched: `given` lists the names whose turn came, in order. */
  const budgetOf = (perSecond) => {
    const budget = new RequestBudget(perSecond);
    budgets.push(budget);
    const given = [];
    const turns = {};
    const take = (name, priority = 'oneOff', signal) => {
      const p = budget.take(priority, signal);
      p.then((turn) => {
        turns[name] = turn;
        given.push(name);
      }, () => undefined);
      return p;
    };
    return { budget, given, turns, take };
  };
  /** Lets the promise callbacks of what happened so far run, the clock standing still. */
  const settle = () => clock.tickAsync(0);
  /** A budget of one a second whose first turn ('first') was given and answered: its window runs. */
  const firstAnswered = async () => {
    const one = budgetOf(1);
    one.take('first');
    await settle();
    one.budget.answered(one.turns.first);
    return one;
  };

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    budgets.splice(0).forEach((b) => b.close());
    clock.restore();
  });

  it('lets the whole part of the cap per second through, or one request every 1/cap s below 1', () => {
    new RequestBudget(4).rate.should.equal(4);
    new RequestBudget(2.5).rate.should.equal(2);
    new RequestBudget(1).rate.should.equal(1);
    new RequestBudget(0.5).rate.should.equal(0.5);
    new RequestBudget(0).rate.should.equal(Infinity);
  });

  it('counts an answered turn from its answer: the next waits until that left the window, not longer', async () => {
    const { budget, given, turns, take } = budgetOf(2);
    take('a');
    take('b');
    take('c');
    await settle();
    given.should.eql(['a', 'b']);
    budget.use().should.eql({ perSecond: 2, lastSecond: 2, waiting: 1 });
    await clock.tickAsync(100);
    budget.answered(turns.a);
    turns.a.should.match({ at: 1_000_100, inFlight: false });
    await clock.tickAsync(999);
    given.should.eql(['a', 'b']);
    await clock.tickAsync(1);
    given.should.eql(['a', 'b', 'c']);
    budget.use().should.eql({ perSecond: 2, lastSecond: 2, waiting: 0 });
    // Answered once: a second call moves nothing.
    await clock.tickAsync(50);
    budget.answered(turns.a);
    turns.a.at.should.equal(1_000_100);
  });

  it('holds an unanswered turn that was written for the grace after its writing; one never written holds its place', async () => {
    const { budget, given, turns, take } = budgetOf(1);
    take('a');
    take('b');
    await settle();
    await clock.tickAsync(5000);
    // Neither written nor answered: still in the window, however long it takes.
    given.should.eql(['a']);
    budget.written(turns.a);
    await clock.tickAsync(10);
    // Written again later: the first writing counts.
    budget.written(turns.a);
    turns.a.writtenAt.should.equal(1_005_000);
    await clock.tickAsync(WRITTEN_GRACE_MS + 1000 - 11);
    given.should.eql(['a']);
    await clock.tickAsync(1);
    given.should.eql(['a', 'b']);
    // Answered long after its writing: it counts from the end of the grace, the latest it arrived.
    budget.answered(turns.a);
    turns.a.at.should.equal(1_005_000 + WRITTEN_GRACE_MS);
    budget.use().lastSecond.should.equal(1);
  });

  it('a turn answered within the grace counts from its answer', async () => {
    const { budget, turns, take } = budgetOf(1);
    take('a');
    await settle();
    budget.written(turns.a);
    await clock.tickAsync(300);
    budget.answered(turns.a);
    turns.a.at.should.equal(1_000_300);
  });

  it('gives a background poll its turn only after the polls before it, and a one-off request before them', async () => {
    const { budget, given, turns, take } = await firstAnswered();
    take('poll-1', 'background');
    await settle();
    given.should.eql(['first']);
    // The window has passed, but no timer has run yet: the room is there when the next asks.
    clock.setSystemTime(Date.now() + 1000);
    take('poll-2', 'background');
    await settle();
    given.should.eql(['first', 'poll-1']);
    budget.answered(turns['poll-1']);
    take('one-off');
    await clock.tickAsync(1000);
    given.should.eql(['first', 'poll-1', 'one-off']);
    budget.answered(turns['one-off']);
    await clock.tickAsync(1000);
    given.should.eql(['first', 'poll-1', 'one-off', 'poll-2']);
  });

  it('below 1 a second, keeps a turn in the window for 1/cap seconds', async () => {
    const { budget, given, turns, take } = budgetOf(0.5);
    take('a');
    await settle();
    budget.answered(turns.a);
    await clock.tickAsync(1500);
    take('b');
    await settle();
    given.should.eql(['a']);
    await clock.tickAsync(499);
    given.should.eql(['a']);
    await clock.tickAsync(1);
    given.should.eql(['a', 'b']);
  });

  it('a background poll waits for the one-off requests already waiting, even with room', async () => {
    const { given, take } = await firstAnswered();
    take('one-off', 'oneOff');
    take('poll-1', 'background');
    await settle();
    clock.setSystemTime(Date.now() + 1000);
    take('poll-2', 'background');
    await settle();
    given.should.eql(['first', 'one-off']);
  });

  it('a one-off request does not wait for background polls ahead of it when there is room', async () => {
    const { budget, given, take } = await firstAnswered();
    take('poll', 'background');
    clock.setSystemTime(Date.now() + 1000);
    take('one-off');
    await settle();
    given.should.eql(['first', 'one-off']);
    budget.use().waiting.should.equal(1);
  });

  it('refuses a turn to an aborted signal, counting nothing; an abort while waiting lets the next one go', async () => {
    const { budget, given, turns, take } = budgetOf(1);
    const aborted = AbortSignal.abort();
    (await take('never', 'oneOff', aborted).then(() => null, (e) => e)).should.match({ code: 'NETWORK' });
    budget.use().should.eql({ perSecond: 1, lastSecond: 0, waiting: 0 });
    take('a');
    await settle();
    const controller = new AbortController();
    const waiting = take('b', 'oneOff', controller.signal).then(() => null, (e) => e);
    take('c');
    await settle();
    budget.use().waiting.should.equal(2);
    budget.answered(turns.a);
    controller.abort();
    (await waiting).should.match({ code: 'NETWORK' });
    budget.use().waiting.should.equal(1);
    await clock.tickAsync(1000);
    given.should.eql(['a', 'c']);
    // Given its turn, a request's signal is no longer listened to.
    const late = new AbortController();
    take('d', 'oneOff', late.signal);
    budget.answered(turns.c);
    await clock.tickAsync(1000);
    late.abort();
    await settle();
    given.should.eql(['a', 'c', 'd']);
    budget.use().waiting.should.equal(0);
  });

  it('without a cap gives every turn at once, and counts the last second for use()', async () => {
    const { budget, given, turns, take } = budgetOf(0);
    for (const name of ['a', 'b', 'c']) take(name);
    await settle();
    given.should.eql(['a', 'b', 'c']);
    budget.answered(turns.a);
    budget.use().should.eql({ perSecond: 0, lastSecond: 3, waiting: 0 });
    await clock.tickAsync(1000);
    // a was answered a second ago; b and c are still in flight, counted as sent now.
    budget.use().lastSecond.should.equal(2);
    should.not.exist(budget.timer);
  });

  it('close ends the timer that waits for the window', async () => {
    const { budget, turns, take } = budgetOf(1);
    take('a');
    take('b');
    await settle();
    budget.answered(turns.a);
    should.exist(budget.timer);
    budget.close();
    should.not.exist(budget.timer);
    clock.countTimers().should.equal(0);
  });
});
