// src/lib/poller.ts, the shared poller behind wait for job and export: how it asks AIMS360 about
// many jobs at once and when each wait ends, with answers the test writes (short intervals).
const should = require('should');
const sinon = require('sinon');
const { AimsClient } = require('../../dist/src/lib/client.js');
const { AimsError } = require('../../dist/src/lib/errors.js');
const { JobPoller } = require('../../dist/src/lib/poller.js');
const { until } = require('../support/wait');

const FAST = { intervalMs: 20, maxIntervalMs: 40, timeoutMs: 0 };
// Polls due within a quarter interval go out together: with 400 ms, waits started one
// after the other are asked in one request even on a loaded machine.
const GATHERED = { intervalMs: 400, maxIntervalMs: 400, timeoutMs: 0 };

/**
 * A client whose requestJson hands the job ids of each $filter to `answer(ids, n)`,
 * which returns the list of jobs (or throws); every request's ids are logged, and its
 * $select (null when it asks for whole jobs).
 */
function scriptedClient(answer, retry = {}) {
  const client = new AimsClient({ baseUrl: 'https://apiwest.aims360.rest', auth: { type: 'token', token: 't' }, retry });
  client.requests = [];
  client.selects = [];
  client.requestJson = async (_target, options = {}) => {
    const ids = [...decodeURIComponent(options.query).matchAll(/jobId eq '([^']*)'/g)].map((m) => m[1]);
    client.requests.push(ids);
    client.selects.push(new URLSearchParams(options.query).get('$select'));
    const body = await answer(ids, client.requests.length);
    return { statusCode: 200, headers: {}, body };
  };
  return client;
}

/** A listener that records updates and resolves `ended` with the end result (also kept as `result`). */
function listener() {
  const l = { updates: [] };
  l.ended = new Promise((resolve) => {
    l.update = (job) => l.updates.push(job);
    l.end = (result) => {
      l.result = result;
      resolve(result);
    };
  });
  return l;
}

const job = (jobId, jobStatus) => ({ jobId, jobStatus });
/** An answer in which every job asked for has completed. */
const allCompleted = (ids) => ({ value: ids.map((id) => job(id, 'Completed')) });
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const SELECT = 'jobID,jobStatus,percentCompleted';
/** A test run with Math.random fixed, so that the schedule has no jitter and is exact. */
const withoutJitter = (test) => async () => {
  const random = sinon.stub(Math, 'random').returns(0.5);
  try {
    await test();
  } finally {
    random.restore();
  }
};
// The 400 AIMS360 gives for a query it does not take (an 'or' filter, or $select).
const refused = () => new AimsError('API_ERROR', 'AIMS360 answered 400 (The query specified in the URI is not valid).', 400);

/** A test run on a fake clock (`test(clock)`), so that how long something took is exact, however loaded the machine. */
const onFakeClock = (test) => async () => {
  const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  try {
    await test(clock);
  } finally {
    clock.restore();
  }
};

/** A promise and the function that resolves it: holds an answer back until the test lets it go. */
function held() {
  let release;
  const promise = new Promise((resolve) => (release = resolve));
  return { promise, release };
}

/** Counts the poller's rounds and keeps what a round rejects with (its timer ignores it: Node would see an unhandled rejection). */
function watchRounds(poller) {
  const seen = { count: 0, errors: [] };
  const round = poller.round;
  poller.round = function () {
    seen.count += 1;
    return round.call(this).catch((err) => seen.errors.push(err));
  };
  return seen;
}

describe('lib: job poller', function () {
  this.timeout(10000);
  let poller;
  afterEach(() => poller?.close());

  it('adds many waits without going over every wait again for each one (linear, not quadratic)', async () => {
    const client = scriptedClient(allCompleted);
    poller = new JobPoller(client);
    const walked = [];
    // Each full schedule walks every entry; adding a wait that is due no sooner than the timer must not.
    const schedule = poller.schedule;
    poller.schedule = function () {
      walked.push(this.size);
      return schedule.call(this);
    };
    for (let i = 0; i < 1000; i++) poller.wait(`job-${i}`, GATHERED, listener());
    poller.size.should.equal(1000);
    walked.should.eql([1]);
    const last = listener();
    poller.wait('job-last', { ...GATHERED, intervalMs: 20 }, last);
    (await last.ended).kind.should.equal('finished');
  });

  it('asks about every waiting job in one request and ends each wait with its own job', async () => {
    const client = scriptedClient((ids) => ({ value: ids.map((id) => job(id.toUpperCase(), id === 'b' ? 'Failed' : 'Completed')) }));
    // Two ids a request: room for one more beside a's whole read.
    poller = new JobPoller(client, { maxIdsPerRequest: 2 });
    const a = listener();
    const b = listener();
    poller.wait('a', GATHERED, a);
    poller.wait('b', GATHERED, b);
    poller.size.should.equal(2);
    // Ids are matched without case, as AIMS360 may spell them otherwise.
    (await a.ended).should.eql({ kind: 'finished', job: job('A', 'Completed') });
    (await b.ended).should.eql({ kind: 'finished', job: job('B', 'Failed') });
    a.updates.should.eql([job('A', 'Completed')]);
    // Polled for id, status and percent; the ended jobs then read whole, together.
    client.requests.should.eql([['a', 'b'], ['a', 'b']]);
    client.selects.should.eql(['jobID,jobStatus,percentCompleted', null]);
    poller.size.should.equal(0);
  });

  it('polls a running job again, with every answer as an update, until it finishes', async () => {
    const statuses = ['Queued', 'Inprogress', 'Completed'];
    const client = scriptedClient((ids, n) => ({ value: [job(ids[0], statuses[Math.min(n, 3) - 1])] }));
    poller = new JobPoller(client);
    const l = listener();
    const handle = poller.wait('a', FAST, l);
    handle.nextPollAt().should.be.a.Number();
    const end = await l.ended;
    end.kind.should.equal('finished');
    l.updates.map((j) => j.jobStatus).should.eql(statuses);
    // The third answer says Completed: a fourth reads the job whole, and that one is the update.
    client.requests.should.have.length(4);
    should(handle.nextPollAt()).be.undefined();
  });

  it('polls a job once for two waits on it and answers both', async () => {
    const client = scriptedClient(allCompleted);
    poller = new JobPoller(client);
    const first = listener();
    const second = listener();
    poller.wait('a', FAST, first);
    poller.wait('a', FAST, second);
    poller.size.should.equal(1);
    (await first.ended).kind.should.equal('finished');
    (await second.ended).kind.should.equal('finished');
    client.requests.should.eql([['a'], ['a']]);
  });

  it('polls a shared job as often as its most eager wait asks', onFakeClock(async (clock) => {
    const client = scriptedClient((ids, n) => ({ value: [job(ids[0], n < 3 ? 'Inprogress' : 'Completed')] }));
    poller = new JobPoller(client);
    const slow = listener();
    const eager = listener();
    poller.wait('a', { intervalMs: 2000, maxIntervalMs: 2000, timeoutMs: 0 }, slow);
    poller.wait('a', FAST, eager);
    // Three polls at the eager wait's 20-40 ms and the ended job's whole read, long before the slow one's first 2 s.
    await clock.tickAsync(1000);
    should(eager.result).have.property('kind', 'finished');
    should(slow.result).have.property('kind', 'finished');
    client.requests.should.have.length(4);
  }));

  it('ends the wait with JOB_NOT_FOUND when the answer does not hold its job', async () => {
    const client = scriptedClient(() => ({ value: [job('other', 'Completed')] }));
    poller = new JobPoller(client);
    const l = listener();
    poller.wait('a', FAST, l);
    const end = await l.ended;
    end.kind.should.equal('error');
    end.error.code.should.equal('JOB_NOT_FOUND');
  });

  it('ends the wait with BAD_RESPONSE for an answer without a value list, at once', async () => {
    const client = scriptedClient(() => ({ jobs: [] }));
    poller = new JobPoller(client);
    const l = listener();
    poller.wait('a', FAST, l);
    (await l.ended).error.code.should.equal('BAD_RESPONSE');
    client.requests.should.have.length(1);
  });

  it('ends a wait on its timeout with the last job seen', onFakeClock(async (clock) => {
    const client = scriptedClient((ids) => ({ value: [job(ids[0], 'Inprogress')] }));
    poller = new JobPoller(client);
    const l = listener();
    poller.wait('a', { intervalMs: 20, maxIntervalMs: 20, timeoutMs: 150 }, l);
    await clock.tickAsync(149);
    should(l.result).be.undefined();
    await clock.tickAsync(1);
    should(l.result).eql({ kind: 'timeout', job: job('a', 'Inprogress') });
    poller.size.should.equal(0);
  }));

  it('keeps polling through an outage of passing failures (NETWORK, TIMEOUT, 429, 5xx), telling the wait each time, and finishes when AIMS360 is back', async () => {
    const passing = [
      new AimsError('API_ERROR', 'AIMS360 answered 503.', 503),
      new AimsError('NETWORK', 'Could not reach AIMS360 (ECONNREFUSED).'),
      new AimsError('TIMEOUT', 'AIMS360 did not answer within 100 ms.'),
      new AimsError('RATE_LIMITED', 'AIMS360 is rate limiting this account (429).', 429),
      new AimsError('API_ERROR', 'AIMS360 answered 500.', 500),
      new AimsError('API_ERROR', 'AIMS360 answered 502.', 502),
      new AimsError('NETWORK', 'Could not reach AIMS360 (ECONNRESET).'),
    ];
    const client = scriptedClient((ids, n) => {
      if (n <= passing.length) throw passing[n - 1];
      return { value: [job(ids[0], n === passing.length + 1 ? 'Inprogress' : 'Completed')] };
    }, { maxDelayMs: 5 });
    poller = new JobPoller(client);
    const l = listener();
    l.unreachable = [];
    poller.wait('a', FAST, { ...l, unreachable: (error) => l.unreachable.push(error.code) });
    (await l.ended).should.eql({ kind: 'finished', job: job('a', 'Completed') });
    l.unreachable.should.eql(passing.map((e) => e.code));
    l.updates.map((j) => j.jobStatus).should.eql(['Inprogress', 'Completed']);
    // The failures, Inprogress, Completed (as $select fields), then the whole job.
    client.requests.should.have.length(passing.length + 3);
  });

  it('backs off toward the longest interval while AIMS360 is unreachable, and gives up only at the wait\'s own timeout', async () => {
    const times = [];
    const client = scriptedClient(() => {
      times.push(Date.now());
      throw new AimsError('NETWORK', 'Could not reach AIMS360 (ECONNREFUSED).');
    });
    poller = new JobPoller(client);
    const l = listener();
    const started = Date.now();
    poller.wait('a', { intervalMs: 50, maxIntervalMs: 120, timeoutMs: 900 }, { ...l, unreachable() {} });
    const end = await l.ended;
    end.should.eql({ kind: 'timeout', job: undefined });
    (Date.now() - started).should.be.aboveOrEqual(880);
    times.length.should.be.above(3);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // 50 ms growing ×1.5 toward 120 ms, ±20 % jitter: the last gaps are near 120 ms, never far above.
    gaps.at(-1).should.be.aboveOrEqual(90);
    poller.size.should.equal(0);
  });

  it('gives up at once on a failure that asking again cannot mend, a refused token whatever its status (neither a server fault nor a refused $select)', async () => {
    const refusedToken = (status) => new AimsError('AUTH_FAILED', `The token URL refused the password grant (${status}).`, status);
    for (const error of [new AimsError('AUTH_FAILED', 'no', 401), new AimsError('API_ERROR', 'bad', 404), refusedToken(400), refusedToken(503)]) {
      const client = scriptedClient(() => {
        throw error;
      });
      poller = new JobPoller(client);
      const l = listener();
      poller.wait('a', FAST, l);
      (await l.ended).should.eql({ kind: 'error', error });
      client.requests.should.have.length(1);
      poller.selectFields.should.be.true();
      poller.close();
    }
  });

  it('asks one id per request from the first 400 to a combined filter on', async () => {
    const client = scriptedClient((ids) => {
      if (ids.length > 1) throw new AimsError('API_ERROR', 'AIMS360 answered 400.', 400);
      return { value: [job(ids[0], 'Completed')] };
    });
    poller = new JobPoller(client);
    const waits = ['a', 'b', 'c'].map((id) => {
      const l = listener();
      poller.wait(id, GATHERED, l);
      return l;
    });
    for (const l of waits) (await l.ended).kind.should.equal('finished');
    poller.singleIdMode.should.be.true();
    // The 3-id request, each id alone, then each ended job read whole.
    client.requests.should.eql([['a', 'b', 'c'], ['a'], ['b'], ['c'], ['a'], ['b'], ['c']]);
  });

  it('a refused combined filter in several batches of one round still ends in one id per request, with $select kept', async () => {
    // This API takes $select but no 'or': each batch of the first round is refused.
    const client = scriptedClient((ids) => {
      if (ids.length > 1) throw new AimsError('API_ERROR', 'AIMS360 answered 400.', 400);
      return { value: [job(ids[0], 'Completed')] };
    });
    poller = new JobPoller(client, { maxIdsPerRequest: 2 });
    const waits = ['a', 'b', 'c', 'd'].map((id) => {
      const l = listener();
      poller.wait(id, GATHERED, l);
      return l;
    });
    for (const l of waits) (await l.ended).kind.should.equal('finished');
    poller.selectFields.should.be.true();
    client.requests.slice(0, 2).should.eql([['a', 'b'], ['c', 'd']]);
    client.requests.slice(2).every((ids) => ids.length === 1).should.be.true();
    // Each id asked with $select once, then read whole once it ended.
    client.selects.slice(2, 6).every(Boolean).should.be.true();
    client.requests.should.have.length(10);
  });

  it('keeps each request within maxIdsPerRequest ids and maxFilterLength characters', async () => {
    const client = scriptedClient(allCompleted);
    poller = new JobPoller(client, { maxIdsPerRequest: 2, concurrency: 1 });
    const ids = ['a1', 'a2', 'a3', 'a4', 'a5'];
    const ends = ids.map((id) => {
      const l = listener();
      poller.wait(id, GATHERED, l);
      return l.ended;
    });
    await Promise.all(ends);
    client.requests.should.eql([['a1', 'a2'], ['a3', 'a4'], ['a5'], ['a1', 'a2'], ['a3', 'a4'], ['a5']]);

    // Each clause "jobId eq 'bN' or " is 25 encoded characters: 60 fit two.
    const short = scriptedClient((list) => ({ value: list.map((id) => job(id, 'Completed')) }));
    poller.close();
    poller = new JobPoller(short, { maxFilterLength: 60 });
    await Promise.all(['b1', 'b2', 'b3'].map((id) => {
      const l = listener();
      poller.wait(id, GATHERED, l);
      return l.ended;
    }));
    short.requests.map((r) => r.length).sort().should.eql([1, 1, 2, 2]);
  });

  it('holds every poll of the account back while paused', async () => {
    const client = scriptedClient((ids) => ({ value: [job(ids[0], 'Completed')] }));
    poller = new JobPoller(client);
    const pauseEnd = Date.now() + 300;
    // The client tells the poller when the API sends Retry-After.
    client.onRetryAfter(pauseEnd);
    const l = listener();
    const handle = poller.wait('a', FAST, l);
    handle.nextPollAt().should.be.aboveOrEqual(pauseEnd);
    await delay(150);
    client.requests.should.have.length(0);
    (await l.ended).kind.should.equal('finished');
    Date.now().should.be.aboveOrEqual(pauseEnd);
  });

  it('pauses the account after RATE_LIMITED for the retry policy\'s longest delay', async () => {
    const times = [];
    const client = scriptedClient((ids, n) => {
      times.push(Date.now());
      if (n === 1) throw new AimsError('RATE_LIMITED', 'AIMS360 is rate limiting this account (429).', 429);
      return { value: [job(ids[0], 'Completed')] };
    }, { maxDelayMs: 300 });
    poller = new JobPoller(client);
    const l = listener();
    poller.wait('a', FAST, l);
    (await l.ended).kind.should.equal('finished');
    (times[1] - times[0]).should.be.aboveOrEqual(290);
  });

  it('waits longer between polls, up to the longest interval', async () => {
    const times = [];
    const client = scriptedClient((ids, n) => {
      times.push(Date.now());
      return { value: [job(ids[0], n < 6 ? 'Inprogress' : 'Completed')] };
    });
    poller = new JobPoller(client);
    const l = listener();
    poller.wait('a', { intervalMs: 200, maxIntervalMs: 300, timeoutMs: 0 }, l);
    await l.ended;
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // 200 ms, then ×1.5 per poll up to 300 ms, each ±20 % jitter: the 3rd to 5th gaps take
    // 720–1080 ms (a loaded machine adds to that); without the bound at least 1,710 ms.
    gaps[0].should.be.aboveOrEqual(160);
    (gaps[2] + gaps[3] + gaps[4]).should.be.within(720, 1650);
  });

  it('ends nothing after cancel, and stops polling a job nobody waits on', async () => {
    const client = scriptedClient((ids) => ({ value: [job(ids[0], 'Inprogress')] }));
    poller = new JobPoller(client);
    const kept = listener();
    const cancelled = listener();
    let cancelledEnd;
    cancelled.ended.then((r) => (cancelledEnd = r));
    const keep = poller.wait('a', FAST, kept);
    const gone = poller.wait('a', FAST, cancelled);
    gone.cancel();
    should(gone.nextPollAt()).be.undefined();
    poller.size.should.equal(1);
    keep.cancel();
    poller.size.should.equal(0);
    await delay(100);
    client.requests.should.have.length(0);
    should(cancelledEnd).be.undefined();
  });

  it('refuses a bad job id before any request', () => {
    poller = new JobPoller(scriptedClient(() => ({ value: [] })));
    (() => poller.wait("a'b", FAST, listener())).should.throw({ code: 'BAD_INPUT' });
    poller.size.should.equal(0);
  });

  it('tries TIMEOUT and a 500 again after the interval, like other transient failures', async () => {
    const times = [];
    const failures = [new AimsError('TIMEOUT', 'AIMS360 did not answer within 100 ms.'), new AimsError('API_ERROR', 'AIMS360 answered 500.', 500)];
    const client = scriptedClient((ids, n) => {
      times.push(Date.now());
      if (n <= failures.length) throw failures[n - 1];
      return { value: [job(ids[0], 'Completed')] };
    });
    poller = new JobPoller(client);
    const l = listener();
    poller.wait('a', { intervalMs: 200, maxIntervalMs: 400, timeoutMs: 0 }, l);
    (await l.ended).kind.should.equal('finished');
    client.requests.should.have.length(4);
    // Not at once: a failed poll waits its interval (200 ms, -20 % jitter at most).
    (times[1] - times[0]).should.be.aboveOrEqual(150);
  });

  it('spreads each re-poll over the interval ±20 % (jitter), so jobs started together drift apart', async () => {
    const random = Math.random;
    try {
      for (const [r, share] of [[0, 0.8], [0.999999, 1.2]]) {
        Math.random = () => r;
        poller = new JobPoller(scriptedClient((ids) => ({ value: [job(ids[0], 'Inprogress')] })));
        const answered = held();
        const handle = poller.wait('a', { intervalMs: 10000, maxIntervalMs: 10000, timeoutMs: 0 }, {
          update: () => answered.release(Date.now()),
          end() {},
        });
        const at = await answered.promise;
        await new Promise(setImmediate);
        (handle.nextPollAt() - at).should.be.approximately(10000 * share, 50);
        poller.close();
      }
    } finally {
      Math.random = random;
    }
  });

  it('gathers waits started a few ms apart into one first request', async () => {
    const client = scriptedClient(allCompleted);
    // Two ids a request: room for one more beside a's whole read.
    poller = new JobPoller(client, { maxIdsPerRequest: 2 });
    const a = listener();
    const b = listener();
    poller.wait('a', GATHERED, a);
    // The first poll waits 20 ms for company; this timer is due before it, whatever the load.
    await delay(5);
    poller.wait('b', GATHERED, b);
    await Promise.all([a.ended, b.ended]);
    client.requests.should.eql([['a', 'b'], ['a', 'b']]);
  });

  it('polls each job on its own interval, bringing it forward by at most a quarter of it to join another job\'s round', async () => {
    const random = Math.random;
    Math.random = () => 0.5; // no jitter: a re-poll is due exactly one interval later
    try {
      const aTimes = [];
      const client = scriptedClient((ids) => {
        if (ids.includes('a')) aTimes.push(Date.now());
        const status = aTimes.length >= 2 ? 'Completed' : 'Inprogress';
        return { value: ids.map((id) => job(id, status)) };
      });
      poller = new JobPoller(client);
      const a = listener();
      const b = listener();
      poller.wait('a', { intervalMs: 1200, maxIntervalMs: 1200, timeoutMs: 0 }, a);
      poller.wait('b', FAST, b);
      await Promise.all([a.ended, b.ended]);
      // b's rounds come every 20-40 ms; a joins one no sooner than 1200 - 300 ms after its first poll.
      (aTimes[1] - aTimes[0]).should.be.aboveOrEqual(850);
      client.requests.filter((ids) => ids.includes('b')).length.should.be.above(5);
    } finally {
      Math.random = random;
    }
  });

  it('polls a new wait soon even while the timer sleeps until a later re-poll', onFakeClock(async (clock) => {
    const client = scriptedClient((ids) => ({ value: ids.map((id) => job(id, id === 'slow' ? 'Inprogress' : 'Completed')) }));
    poller = new JobPoller(client);
    poller.wait('slow', { intervalMs: 3000, maxIntervalMs: 3000, timeoutMs: 0 }, listener());
    await clock.tickAsync(500);
    // slow was polled once: the timer now sleeps until its re-poll, 2.4 s or more away.
    client.requests.should.eql([['slow']]);
    const l = listener();
    poller.wait('b', FAST, l);
    await clock.tickAsync(500);
    should(l.result).have.property('kind', 'finished');
    client.requests.slice(0, 2).should.eql([['slow'], ['b']]);
  }));

  it('sends a wait started during a poll after that round, never in a second round at the same time', async () => {
    const first = held();
    const client = scriptedClient(async (ids, n) => {
      if (n === 1) await first.promise;
      return { value: ids.map((id) => job(id, id === 'a' ? 'Inprogress' : 'Completed')) };
    });
    poller = new JobPoller(client);
    poller.wait('a', { intervalMs: 5000, maxIntervalMs: 5000, timeoutMs: 0 }, listener());
    await until(() => client.requests.length === 1, 'the first request');
    const b = listener();
    poller.wait('b', GATHERED, b);
    await delay(100);
    client.requests.should.eql([['a']]);
    first.release();
    (await b.ended).kind.should.equal('finished');
    // a, polled a moment ago, is not asked again with b's whole read.
    client.requests.should.eql([['a'], ['b'], ['b']]);
  });

  it('stops waking up once no wait is left', async () => {
    const client = scriptedClient((ids) => ({ value: [job(ids[0], 'Completed')] }));
    poller = new JobPoller(client);
    const rounds = watchRounds(poller);
    const l = listener();
    poller.wait('a', FAST, l);
    await l.ended;
    await delay(20);
    const count = rounds.count;
    should(poller.timer).be.undefined();
    await delay(50);
    rounds.count.should.equal(count);
  });

  it('ends every round without a rejection (an unhandled one would stop Node-RED)', async () => {
    const client = scriptedClient(allCompleted);
    poller = new JobPoller(client, { concurrency: 2, maxIdsPerRequest: 2 });
    const rounds = watchRounds(poller);
    const ends = ['a', 'b', 'c'].map((id) => {
      const l = listener();
      poller.wait(id, GATHERED, l);
      return l.ended;
    });
    await Promise.all(ends);
    await delay(20);
    rounds.count.should.be.aboveOrEqual(2);
    rounds.errors.should.eql([]);
  });

  it('holds back a poll already timed when a pause comes, and sleeps through the pause', async () => {
    const times = [];
    const client = scriptedClient((ids) => {
      times.push(Date.now());
      return { value: [job(ids[0], 'Completed')] };
    });
    poller = new JobPoller(client);
    const rounds = watchRounds(poller);
    const l = listener();
    poller.wait('a', FAST, l);
    // Another request of the account got a 429 with Retry-After after the timer was set.
    const pauseEnd = Date.now() + 300;
    client.onRetryAfter(pauseEnd);
    (await l.ended).kind.should.equal('finished');
    times[0].should.be.aboveOrEqual(pauseEnd);
    // The timer that fires in the pause is put off to its end, not fired again at once.
    rounds.count.should.be.below(8);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const client = scriptedClient(async (ids) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await delay(10);
      inFlight -= 1;
      return { value: ids.map((id) => job(id, 'Completed')) };
    });
    poller = new JobPoller(client, { maxIdsPerRequest: 1, concurrency: 2 });
    const ends = ['a', 'b', 'c', 'd', 'e'].map((id) => {
      const l = listener();
      poller.wait(id, GATHERED, l);
      return l.ended;
    });
    await Promise.all(ends);
    most.should.equal(2);
    client.requests.should.have.length(10);
  });

  it('gives the event loop a turn after each answer, so that a round\'s answers never hold it in one stretch', async () => {
    let turns = 0;
    const turnsAtRequest = [];
    // Answers that come at once: without a turn between them, every request of the round would go before any other callback.
    const client = scriptedClient((ids) => {
      turnsAtRequest.push(turns);
      setImmediate(() => (turns += 1));
      return { value: ids.map((id) => job(id, 'Completed')) };
    });
    poller = new JobPoller(client, { maxIdsPerRequest: 1, concurrency: 1 });
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => {
      const l = listener();
      poller.wait(id, GATHERED, l);
      return l.ended;
    }));
    // One round of four requests, each after the turn that the one before it let pass.
    client.requests.slice(0, 4).should.eql([['a'], ['b'], ['c'], ['d']]);
    turnsAtRequest.slice(0, 4).should.eql([0, 1, 2, 3]);
  });

  it('puts ids in one request while their clauses reach maxFilterLength exactly', async () => {
    const client = scriptedClient(allCompleted);
    // Two clauses "jobId eq 'bN' or " of 25 encoded characters each.
    poller = new JobPoller(client, { maxFilterLength: 50 });
    await Promise.all(['b1', 'b2'].map((id) => {
      const l = listener();
      poller.wait(id, GATHERED, l);
      return l.ended;
    }));
    client.requests.should.eql([['b1', 'b2'], ['b1', 'b2']]);
  });

  it('sends an id whose clause alone is over maxFilterLength in a request of its own, never an empty one', async () => {
    const client = scriptedClient(allCompleted);
    poller = new JobPoller(client, { maxFilterLength: 10 });
    const rounds = watchRounds(poller);
    await Promise.all(['a', 'b'].map((id) => {
      const l = listener();
      poller.wait(id, GATHERED, l);
      return l.ended;
    }));
    await delay(20);
    client.requests.should.eql([['a'], ['b'], ['a'], ['b']]);
    rounds.errors.should.eql([]);
  });

  it('says which answer it could not read: one without a "value" list', async () => {
    const client = scriptedClient(() => ({ jobs: [] }));
    poller = new JobPoller(client);
    const l = listener();
    poller.wait('a', FAST, l);
    const end = await l.ended;
    end.error.code.should.equal('BAD_RESPONSE');
    end.error.message.should.equal('AIMS360 answered a job query without a "value" list of jobs.');
  });

  it('skips entries of the value list that are not jobs', async () => {
    const client = scriptedClient((ids) => ({ value: [null, 7, 'a', [], job(ids[0], 'Completed')] }));
    poller = new JobPoller(client);
    const l = listener();
    poller.wait('a', FAST, l);
    (await l.ended).should.eql({ kind: 'finished', job: job('a', 'Completed') });
  });

  it('ends one wait on its timeout and keeps polling the job for the other', async () => {
    let status = 'Inprogress';
    const client = scriptedClient((ids) => ({ value: [job(ids[0], status)] }));
    poller = new JobPoller(client);
    const short = listener();
    const long = listener();
    poller.wait('a', { intervalMs: 20, maxIntervalMs: 20, timeoutMs: 80 }, short);
    poller.wait('a', FAST, long);
    (await short.ended).kind.should.equal('timeout');
    poller.size.should.equal(1);
    status = 'Completed';
    (await long.ended).kind.should.equal('finished');
  });

  it('lets a late cancel of an ended wait leave a newer wait on the same job alone', async () => {
    let status = 'Inprogress';
    const client = scriptedClient((ids) => ({ value: [job(ids[0], status)] }));
    poller = new JobPoller(client);
    const first = listener();
    const ended = poller.wait('a', { intervalMs: 20, maxIntervalMs: 20, timeoutMs: 60 }, first);
    (await first.ended).kind.should.equal('timeout');
    const second = listener();
    poller.wait('a', FAST, second);
    // A node cancels every handle it holds when it closes, ended ones too.
    ended.cancel();
    poller.size.should.equal(1);
    status = 'Completed';
    (await second.ended).kind.should.equal('finished');
  });

  it('after close, sends no request and hands an answer still on its way to no listener', async () => {
    const answer = held();
    const client = scriptedClient(async (ids) => {
      await answer.promise;
      return { value: [job(ids[0], 'Inprogress')] };
    });
    poller = new JobPoller(client);
    const calls = [];
    poller.wait('a', FAST, { update: () => calls.push('update'), end: () => calls.push('end') });
    await until(() => client.requests.length === 1, 'the first request');
    poller.close();
    poller.size.should.equal(0);
    answer.release();
    await delay(100);
    calls.should.eql([]);
    client.requests.should.have.length(1);
  });

  describe('a server that refuses $select or the combined filter (400)', () => {
    /** Refuses $select, and with `combined` also filters of more than one id; never more than 8 requests. */
    function refusing({ combined = false, all = false } = {}) {
      const client = scriptedClient((ids, n) => {
        if (n > 8) throw new AimsError('API_ERROR', 'Too many requests in this test.', 404);
        if (all || client.selects[n - 1] !== null || (combined && ids.length > 1)) throw refused();
        return { value: ids.map((id) => job(id, 'Completed')) };
      });
      return client;
    }

    function waitAll(ids) {
      return Promise.all(ids.map((id) => {
        const l = listener();
        poller.wait(id, GATHERED, l);
        return l.ended;
      }));
    }

    it('reads a lone job whole after its $select was refused', async () => {
      const client = refusing();
      poller = new JobPoller(client);
      (await waitAll(['a']))[0].kind.should.equal('finished');
      client.requests.should.eql([['a'], ['a']]);
      client.selects.should.eql([SELECT, null]);
      poller.selectFields.should.be.false();
      poller.singleIdMode.should.be.false();
    });

    it('goes back to the combined filter once one-id requests show that $select was refused, not the filter', async () => {
      const client = refusing();
      poller = new JobPoller(client);
      for (const end of await waitAll(['a', 'b'])) end.kind.should.equal('finished');
      client.requests.should.eql([['a', 'b'], ['a'], ['b'], ['a', 'b']]);
      client.selects.should.eql([SELECT, SELECT, SELECT, null]);
      poller.singleIdMode.should.be.false();
    });

    it('asks one id per request when the combined filter is refused without $select too', async () => {
      const client = refusing({ combined: true });
      poller = new JobPoller(client);
      for (const end of await waitAll(['a', 'b'])) end.kind.should.equal('finished');
      client.requests.should.eql([['a', 'b'], ['a'], ['b'], ['a', 'b'], ['a'], ['b']]);
      client.selects.should.eql([SELECT, SELECT, SELECT, null, null, null]);
      poller.singleIdMode.should.be.true();
    });

    it('ends the wait with the 400 when a one-id request for the whole job is refused too', async () => {
      const client = refusing({ all: true });
      poller = new JobPoller(client);
      const [end] = await waitAll(['a']);
      end.kind.should.equal('error');
      end.error.status.should.equal(400);
      client.selects.should.eql([SELECT, null]);
    });
  });
});

describe('lib: job poller within the request budget (maxRequestsPerSecond)', function () {
  let clock;
  let poller;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    poller?.close();
    clock.restore();
  });

  /** A scripted client whose every request first takes its turn from the real budget, as the got hook does; jobs never end. */
  function budgetedClient(maxRequestsPerSecond) {
    const client = scriptedClient((ids) => ({ value: ids.map((id) => job(id, 'Inprogress')) }));
    const scripted = client.requestJson;
    client.budget = new (require('../../dist/src/lib/budget.js').RequestBudget)(maxRequestsPerSecond);
    client.sent = [];
    client.mostWaiting = 0;
    client.backgrounds = [];
    client.requestJson = async (target, options = {}) => {
      const turn = await client.budget.take(options.background ? 'background' : 'oneOff', options.signal);
      client.mostWaiting = Math.max(client.mostWaiting, client.budget.use().waiting);
      client.backgrounds.push(options.background);
      client.sent.push(Date.now());
      client.budget.answered(turn);
      return scripted(target, options);
    };
    return client;
  }

  /** A client whose requests each take their turn from a real budget of one a second, then are answered by the scripted client `answers`. */
  function budgetedAnswers(answers) {
    const client = budgetedClient(1);
    const budgeted = client.requestJson;
    client.requestJson = async (target, options) => {
      await budgeted(target, options);
      return answers.requestJson(target, options);
    };
    return client;
  }

  it('keeps 10,000 waits at the default budget polled at a bounded interval, never over the cap in any second, polls not queuing in the budget', async function () {
    this.timeout(120_000);
    const N = 10_000;
    const timing = { intervalMs: 10_000, maxIntervalMs: 10_000, timeoutMs: 0 };
    const client = budgetedClient(10);
    poller = new JobPoller(client);
    const ids = Array.from({ length: N }, (_, n) => `job-${String(n).padStart(5, '0')}`);
    const polledAt = new Map(ids.map((id) => [id, [0]]));
    for (const id of ids) poller.wait(id, timing, { update: () => polledAt.get(id).push(Date.now()), end: () => {} });
    const waitHandle = poller.wait(ids[0], timing, { update: () => {}, end: () => {} });
    // A one-off request every 7 s meanwhile (a job status, a rerun): how long each waits for its turn.
    const oneOffWaits = [];
    const oneOffs = setInterval(() => {
      const asked = Date.now();
      void client.budget.take('oneOff').then((turn) => {
        oneOffWaits.push(Date.now() - asked);
        client.sent.push(Date.now());
        client.budget.answered(turn);
      });
    }, 7000);
    await clock.tickAsync(600_000);
    clearInterval(oneOffs);

    // The bound: B requests cover every job once; the polls plan for 80 % of the budget, so a sweep
    // takes S = max(interval, B / (0.8 × 10)) s; each interval is that ± 20 % jitter, plus a round (1 s).
    const idsPerRequest = Math.max(...client.requests.map((r) => r.length));
    const B = Math.ceil(N / idsPerRequest);
    const sweepMs = Math.max(timing.maxIntervalMs, (B / (0.8 * 10)) * 1000);
    const boundMs = 1.2 * sweepMs + 1000;
    let longest = 0;
    for (const times of polledAt.values()) {
      times.length.should.be.above(10);
      for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i] - times[i - 1]);
    }
    if (process.env.BUDGET_FIGURES) console.log({ idsPerRequest, B, sweepMs, boundMs, longest, requests: client.requests.length, stretchedMs: waitHandle.budgetIntervalMs() });
    longest.should.be.belowOrEqual(boundMs);
    // The intervals did stretch (10 s would need more than the budget), and the wait says to what.
    sweepMs.should.be.above(timing.maxIntervalMs);
    waitHandle.budgetIntervalMs().should.be.approximately(sweepMs, 0.05 * sweepMs);
    // Never more than 10 in any second, and polls wait in the poller, not in the budget's queue.
    for (let i = 0, j = 0; i < client.sent.length; i++) {
      while (client.sent[i] - client.sent[j] >= 1000) j++;
      (i - j + 1).should.be.belowOrEqual(10);
    }
    client.sent.sort((x, y) => x - y);
    const lastHalf = client.requests.length - client.sent.filter((t) => t < 300_000).length;
    if (process.env.BUDGET_FIGURES) console.log({ oneOffMaxWait: Math.max(...oneOffWaits), pollsPerSecondLastHalf: lastHalf / 300 });
    client.mostWaiting.should.be.belowOrEqual(4);
    // The stretched polls leave room in the budget: a one-off request waits at most one window.
    (lastHalf / 300).should.be.belowOrEqual(9);
    oneOffWaits.length.should.be.above(80);
    Math.max(...oneOffWaits).should.be.belowOrEqual(1000);
    client.backgrounds.every(Boolean).should.be.true();
  });

  it('reads a job that a $select poll saw end at once, in a request filled with the running jobs due within half their interval', withoutJitter(async () => {
    // a ends on its second poll.
    const client = scriptedClient((ids, n) => ({ value: ids.map((id) => job(id, id === 'a' && n >= 2 ? 'Completed' : 'Inprogress')) }));
    poller = new JobPoller(client, { maxIdsPerRequest: 3 });
    const a = listener();
    poller.wait('a', { intervalMs: 1000, maxIntervalMs: 1000, timeoutMs: 0 }, a);
    poller.wait('b', { intervalMs: 10000, maxIntervalMs: 10000, timeoutMs: 0 }, listener());
    poller.wait('c', { intervalMs: 2000, maxIntervalMs: 2000, timeoutMs: 0 }, listener());
    // All three at 20 ms; a again at 1,020 ms, where it has ended; c is due at 2,020 ms (half
    // its interval away), b at 10,020 ms.
    await clock.tickAsync(1025);
    (await a.ended).kind.should.equal('finished');
    Date.now().should.be.belowOrEqual(1025);
    client.requests.should.eql([['a', 'b', 'c'], ['a'], ['a', 'c']]);
    client.selects.should.eql([SELECT, SELECT, null]);
    // c's next poll moved with it (3,020 ms); b's stayed where it was.
    await clock.tickAsync(3000);
    client.requests.slice(3).should.eql([['c']]);
  }));

  describe('the running jobs that fill an ended job\'s whole read', () => {
    let random;
    // No jitter: the schedule is exact.
    beforeEach(() => (random = sinon.stub(Math, 'random').returns(0.5)));
    afterEach(() => random.restore());

    /** Polls a with 1 s intervals, ended from its second poll (1,020 ms) on, and the others with theirs. */
    async function endA(options, intervals) {
      let aPolls = 0;
      const client = scriptedClient((ids) => {
        if (ids.includes('a')) aPolls += 1;
        return { value: ids.map((id) => job(id, id === 'a' && aPolls > 1 ? 'Completed' : 'Inprogress')) };
      });
      poller = new JobPoller(client, options);
      const a = listener();
      poller.wait('a', { intervalMs: 1000, maxIntervalMs: 1000, timeoutMs: 0 }, a);
      for (const [id, intervalMs] of Object.entries(intervals)) poller.wait(id, { intervalMs, maxIntervalMs: intervalMs, timeoutMs: 0 }, listener());
      await clock.tickAsync(1025);
      (await a.ended).kind.should.equal('finished');
      return client;
    }

    it('takes the ones due soonest while the request has room', async () => {
      // After their first polls at 20 ms, c is due at 2,020 ms and b at 1,820 ms: both within half their interval of 1,020 ms.
      const client = await endA({ maxIdsPerRequest: 2 }, { c: 2000, b: 1800 });
      client.requests.should.eql([['a', 'c'], ['b'], ['a'], ['a', 'b']]);
    });

    it('takes one due exactly half its interval away', async () => {
      // a's whole read goes at 1,022 ms (the fake clock counts a turn as 1 ms); b, due at 2,024 ms, is half its 2,004 ms away.
      const client = await endA({}, { b: 2004 });
      client.requests.should.eql([['a', 'b'], ['a'], ['a', 'b']]);
    });

    it('takes the ones due within half their stretched interval while the budget stretches polls', async () => {
      let aPolls = 0;
      const answers = scriptedClient((ids) => {
        if (ids.includes('a')) aPolls += 1;
        return { value: ids.map((id) => job(id, id === 'a' && aPolls > 1 ? 'Completed' : 'Inprogress')) };
      });
      const client = budgetedAnswers(answers);
      // Three jobs every 1 s in requests of two need 2 requests a second: stretched 2.5 × (over 1/s × 0.8).
      poller = new JobPoller(client, { maxIdsPerRequest: 2 });
      const a = listener();
      for (const id of ['a', 'b', 'c']) poller.wait(id, { intervalMs: 1000, maxIntervalMs: 1000, timeoutMs: 0 }, id === 'a' ? a : listener());
      await clock.tickAsync(4000);
      (await a.ended).kind.should.equal('finished');
      // a ends at 2,520 ms; c, due at 3,520 ms, is within half of 2.5 s (not of 1 s / 2.5): its poll goes with a's whole read.
      answers.requests.should.eql([['a', 'b'], ['c'], ['a', 'b'], ['a', 'c']]);
      client.sent.should.eql([20, 1020, 2520, 3520]);
    });

    it('takes the ones whose clauses fit maxFilterLength, up to it exactly', async () => {
      // Clauses of 24 encoded characters: a's and one more make 48.
      const client = await endA({ maxFilterLength: 48 }, { b: 1800, c: 1900 });
      client.requests.should.eql([['a', 'b'], ['c'], ['a'], ['a', 'b']]);
    });
  });

  describe('a job whose percentCompleted moves', () => {
    let random;
    // No jitter: the schedule is exact.
    beforeEach(() => (random = sinon.stub(Math, 'random').returns(0.5)));
    afterEach(() => random.restore());

    /** Answers each id from `script[id]`: [percent, …] per poll, then Completed. */
    const progressing = (script) => {
      const polls = {};
      return scriptedClient((ids) => ({
        value: ids.map((id) => {
          const n = (polls[id] = (polls[id] ?? 0) + 1);
          const percent = script[id][n - 1];
          return percent === undefined ? job(id, 'Completed') : { ...job(id, 'Inprogress'), percentCompleted: percent };
        }),
      }));
    };
    // When the $select polls asked about the job (the whole read of an ended job left out).
    const polledAt = (client, id) => client.at.filter((_, i) => client.requests[i].includes(id) && client.selects[i] !== null);
    const timed = (client) => {
      client.at = [];
      const scripted = client.requestJson;
      client.requestJson = (target, options) => {
        client.at.push(Date.now());
        return scripted(target, options);
      };
      return client;
    };

    it('polls it again just after the end its pace points to, not a whole interval later', async () => {
      // 10 % at 20 ms, 60 % at 10,020 ms: 5 % a second, so 100 % at 18,020 ms.
      const client = timed(progressing({ a: [10, 60] }));
      poller = new JobPoller(client);
      const a = listener();
      poller.wait('a', { intervalMs: 10000, maxIntervalMs: 10000, timeoutMs: 0 }, a);
      await clock.tickAsync(20000);
      (await a.ended).kind.should.equal('finished');
      // Alone, it waits a quarter interval (at most a second) for another job's round to join, then goes.
      polledAt(client, 'a').should.eql([20, 10020, 19020]);
    });

    /** a moving by `percents` at 10 s polls, and d, which ends on its first poll at 15,020 ms: the requests once a finished. */
    const withJobEndingAt15s = async (percents) => {
      const client = timed(progressing({ a: percents, d: [] }));
      poller = new JobPoller(client);
      const a = listener();
      poller.wait('a', { intervalMs: 10000, maxIntervalMs: 10000, timeoutMs: 0 }, a);
      await clock.tickAsync(15000);
      poller.wait('d', { intervalMs: 10000, maxIntervalMs: 10000, timeoutMs: 0 }, listener());
      await clock.tickAsync(5000);
      (await a.ended).kind.should.equal('finished');
      return client;
    };

    it('fills no ended job\'s request with it before that end', async () => {
      // a, due at 19,020 ms, is within half its interval of d's end.
      const client = await withJobEndingAt15s([10, 60]);
      client.requests.slice(2, 4).should.eql([['d'], ['d']]);
      polledAt(client, 'a').should.eql([20, 10020, 19020]);
    });

    it('keeps to its interval when its pace points to just that time, and fills an ended job\'s request as any poll does', async () => {
      // 5 % at 20 ms, 55 % at 10,020 ms: an end at 19,020 ms, polled a second after it, at 20,020 ms: the interval's own time.
      // a, due at 20,020 ms, is within half its interval of d's end: read with d.
      const client = await withJobEndingAt15s([5, 55]);
      client.requests.slice(2, 4).should.eql([['d'], ['d', 'a']]);
    });

    it('joins the first round after that end, and none before it', async () => {
      const client = timed(progressing({ a: [10, 60], b: Array(100).fill(5) }));
      poller = new JobPoller(client);
      const a = listener();
      poller.wait('a', { intervalMs: 10000, maxIntervalMs: 10000, timeoutMs: 0 }, a);
      // b, stuck at 5 %, is polled every 700 ms: a round every 700 ms, which a's 10 s polls join.
      poller.wait('b', { intervalMs: 700, maxIntervalMs: 700, timeoutMs: 0 }, listener());
      await clock.tickAsync(20000);
      (await a.ended).kind.should.equal('finished');
      const [first, second, third, ...more] = polledAt(client, 'a');
      more.should.eql([]);
      const end = second + ((100 - 60) * (second - first)) / (60 - 10);
      third.should.be.aboveOrEqual(end);
      (third - end).should.be.below(700);
      client.requests[client.at.indexOf(third)].should.containEql('b');
    });

    it('keeps its interval when the percent does not move, goes back, or points to an end that is not sooner', async () => {
      const client = timed(progressing({ a: [40, 40, 40], b: [10, 11], c: [60, 10, 20] }));
      poller = new JobPoller(client);
      for (const id of ['a', 'b', 'c']) poller.wait(id, { intervalMs: 10000, maxIntervalMs: 10000, timeoutMs: 0 }, listener());
      await clock.tickAsync(30100);
      polledAt(client, 'a').should.eql([20, 10020, 20020, 30020]);
      // b: 1 % in 10 s would end in 890 s (it completes on its third poll).
      polledAt(client, 'b').should.eql([20, 10020, 20020]);
      // c went back from 60 to 10 % (rerun): its pace starts again there, 10 % in 10 s.
      polledAt(client, 'c').should.eql([20, 10020, 20020, 30020]);
    });

    it('asks about a job stuck at 99 % no more often than a quarter interval (at most a second)', async () => {
      const client = timed(progressing({ a: [50, 99, 99, 99, 99] }));
      poller = new JobPoller(client);
      poller.wait('a', { intervalMs: 2000, maxIntervalMs: 2000, timeoutMs: 0 }, listener());
      await clock.tickAsync(4000);
      // 49 % in 2 s: 99 % ends at once; polled again after 500 ms, waiting 500 more for a round to join.
      polledAt(client, 'a').should.eql([20, 2020, 3020]);
    });

    it('takes no pace from 0 % (not started) or 100 % (not yet read as Completed)', async () => {
      const client = timed(progressing({ a: [0, 60, 70], b: [10, 100, 100] }));
      poller = new JobPoller(client);
      for (const id of ['a', 'b']) poller.wait(id, { intervalMs: 10000, maxIntervalMs: 10000, timeoutMs: 0 }, listener());
      await clock.tickAsync(30100);
      // a's pace starts at 60 %: 10 % in 10 s ends long after its interval.
      polledAt(client, 'a').should.eql([20, 10020, 20020, 30020]);
      // b at 100 % but still running: asked again after its interval, not at once.
      polledAt(client, 'b').should.eql([20, 10020, 20020, 30020]);
    });

    it('times the pace from when the percent was first seen, not from the poll that saw it again', async () => {
      // 10 % at 20 ms and 10,020 ms, 60 % at 20,020 ms: 2.5 % a second, an end at 36,020 ms, after the interval.
      const client = timed(progressing({ a: [10, 10, 60] }));
      poller = new JobPoller(client);
      poller.wait('a', { intervalMs: 10000, maxIntervalMs: 10000, timeoutMs: 0 }, listener());
      await clock.tickAsync(30100);
      polledAt(client, 'a').should.eql([20, 10020, 20020, 30020]);
    });

    it('makes no guess while the request budget stretches polls', async () => {
      const answers = progressing({ a: [10, 80, 80, 80], b: Array(9).fill(1), c: Array(9).fill(1) });
      const client = timed(budgetedAnswers(answers));
      // One id a request: three jobs every 2 s need 1.5 requests a second, over 1/s × 0.8.
      poller = new JobPoller(client, { maxIdsPerRequest: 1 });
      poller.wait('a', { intervalMs: 2000, maxIntervalMs: 2000, timeoutMs: 0 }, listener());
      poller.wait('b', { intervalMs: 2000, maxIntervalMs: 2000, timeoutMs: 0 }, listener());
      poller.wait('c', { intervalMs: 2000, maxIntervalMs: 2000, timeoutMs: 0 }, listener());
      await clock.tickAsync(9000);
      const aPolledAt = client.sent.filter((_, i) => answers.requests[i][0] === 'a');
      // Stretched 1.875 ×: 3.75 s between a's polls, the 80 % (an end 1 s later) changing nothing.
      aPolledAt.should.eql([20, 3770, 7520]);
    });
  });

  it('puts whole-job reads first when a round cannot hold every due job, even before jobs due longer', async () => {
    // The same budgeted requests, with a ending on its first poll.
    const answers = scriptedClient((ids) => ({ value: ids.map((id) => job(id, id === 'a' ? 'Completed' : 'Inprogress')) }));
    const client = budgetedAnswers(answers);
    // One request a round, two ids a request.
    poller = new JobPoller(client, { maxIdsPerRequest: 2, concurrency: 1 });
    const a = listener();
    poller.wait('a', { intervalMs: 4000, maxIntervalMs: 4000, timeoutMs: 0 }, a);
    for (const id of ['c', 'd', 'e']) poller.wait(id, { intervalMs: 10000, maxIntervalMs: 10000, timeoutMs: 0 }, listener());
    await clock.tickAsync(30);
    answers.requests.should.eql([['a', 'c']]);
    // d and e have been due since the start, a's whole read only since that answer: a goes first.
    await clock.tickAsync(1500);
    answers.requests[1].should.eql(['a', 'd']);
    should(answers.selects[1]).be.null();
    (await a.ended).kind.should.equal('finished');
  });

  /** A scripted client that logs when each request was sent; jobs never end. */
  function loggedClient() {
    const client = scriptedClient((ids) => {
      client.at.push(Date.now());
      return { value: ids.map((id) => job(id, 'Inprogress')) };
    });
    client.at = [];
    return client;
  }
  const LONG = { intervalMs: 10000, maxIntervalMs: 10000, timeoutMs: 0 };

  it('polls once at the very end of a Retry-After pause, without spinning through it', async () => {
    const client = loggedClient();
    poller = new JobPoller(client);
    const rounds = watchRounds(poller);
    client.onRetryAfter(Date.now() + 300);
    poller.wait('a', LONG, listener());
    await clock.tickAsync(400);
    client.at.should.eql([300]);
    rounds.count.should.equal(1);
  });

  it('ends a wait at its timeout to the millisecond, in one round', async () => {
    const client = loggedClient();
    poller = new JobPoller(client);
    const rounds = watchRounds(poller);
    const l = listener();
    poller.wait('a', { ...LONG, timeoutMs: 1000 }, l);
    let endedAt;
    l.ended.then(() => (endedAt = Date.now()));
    await clock.tickAsync(1100);
    endedAt.should.equal(1000);
    // The first poll at 20 ms, the timeout at 1,000 ms (a round with no poll due, which sends nothing and throws nothing).
    rounds.count.should.equal(2);
    rounds.errors.should.eql([]);
    client.requests.should.eql([['a']]);
  });

  it('ends each wait at its own timeout, the sooner ones first', async () => {
    poller = new JobPoller(loggedClient());
    const endedAt = {};
    for (const [id, timeoutMs] of [['a', 1000], ['b', 2000], ['c', 3000]]) {
      const l = listener();
      poller.wait(id, { ...LONG, timeoutMs }, l);
      l.ended.then((end) => (endedAt[id] = [end.kind, Date.now()]));
    }
    await clock.tickAsync(3100);
    endedAt.should.eql({ a: ['timeout', 1000], b: ['timeout', 2000], c: ['timeout', 3000] });
  });

  /** Waits on a, then `bAt` ms later on b, both every `intervalMs`, and lets `thenMs` pass. */
  const aThenB = async (client, intervalMs, bAt, thenMs) => {
    poller = new JobPoller(client);
    const every = { intervalMs, maxIntervalMs: intervalMs, timeoutMs: 0 };
    poller.wait('a', every, listener());
    await clock.tickAsync(bAt);
    poller.wait('b', every, listener());
    await clock.tickAsync(thenMs);
  };

  it('brings a poll due exactly a quarter interval later into another job\'s round', withoutJitter(async () => {
    const client = loggedClient();
    // a: polled at 20 ms, due again at 4,020 ms; b's first poll at 3,020 ms is 1 s (a quarter of 4 s) before.
    await aThenB(client, 4000, 3000, 1500);
    client.requests.should.eql([['a'], ['a', 'b']]);
    client.at.should.eql([20, 3020]);
  }));

  it('brings a poll forward by a quarter of its stretched interval while the budget stretches it', withoutJitter(async () => {
    const client = budgetedClient(1);
    // 1 s polls of one job need 1 request a second, over 1/s × 0.8: stretched to 1.25 s, a due again at 1,270 ms.
    // b's first poll at 1,020 ms: a is due within a quarter of 1.25 s (312 ms), not of 1 s / 1.25 (200 ms).
    await aThenB(client, 1000, 1000, 100);
    client.requests.should.eql([['a'], ['b', 'a']]);
    client.sent.should.eql([20, 1020]);
  }));

  it('sends no more requests a round than the budget takes a second, when the filter length splits the due jobs', async () => {
    const client = budgetedClient(1);
    // One 25-character clause a request: a and b are due together but go in two requests.
    poller = new JobPoller(client, { maxFilterLength: 30 });
    poller.wait('a', LONG, listener());
    poller.wait('b', LONG, listener());
    await clock.tickAsync(1100);
    client.requests.should.eql([['a'], ['b']]);
    client.sent.should.eql([20, 1020]);
    // The second waited in the poller, not in the budget's queue where one-off requests would wait behind it.
    client.mostWaiting.should.equal(0);
  });

  it('reads a job whole at once when a poll that joined a round early saw it end', withoutJitter(async () => {
    let bPolled = false;
    const client = scriptedClient((ids) => {
      client.at.push(Date.now());
      bPolled ||= ids.includes('b');
      return { value: ids.map((id) => job(id, id === 'a' && bPolled ? 'Completed' : 'Inprogress')) };
    });
    client.at = [];
    poller = new JobPoller(client);
    const a = listener();
    // a is due again at 4,020 ms; it joins b's first poll at 3,020 ms, where it has ended.
    poller.wait('a', { intervalMs: 4000, maxIntervalMs: 4000, timeoutMs: 0 }, a);
    await clock.tickAsync(3000);
    poller.wait('b', LONG, listener());
    await clock.tickAsync(100);
    (await a.ended).kind.should.equal('finished');
    client.requests.should.eql([['a'], ['a', 'b'], ['a']]);
    client.at.should.eql([20, 3020, 3022]);
  }));

  it('tells no end to a wait that another wait\'s end cancelled', async () => {
    const client = scriptedClient((ids) => ({ value: ids.map((id) => job(id, 'Completed')) }));
    poller = new JobPoller(client);
    const ends = [];
    let second;
    // A flow that stops waiting on the second when the first ends.
    poller.wait('a', LONG, { update() {}, end: (r) => {
      ends.push(['first', r.kind]);
      second.cancel();
    } });
    second = poller.wait('a', LONG, { update() {}, end: (r) => ends.push(['second', r.kind]) });
    await clock.tickAsync(100);
    ends.should.eql([['first', 'finished']]);
  });

  it('leaves no listener on its closing signal after the turns between answers', async () => {
    const { getEventListeners } = require('node:events');
    poller = new JobPoller(loggedClient(), { maxIdsPerRequest: 1 });
    for (const id of ['a', 'b', 'c']) poller.wait(id, { intervalMs: 1000, maxIntervalMs: 1000, timeoutMs: 0 }, listener());
    await clock.tickAsync(5000);
    getEventListeners(poller.closing.signal, 'abort').should.eql([]);
  });

  it('polls the job due longest first when a round cannot hold every due job', withoutJitter(async () => {
    const client = budgetedClient(1);
    // One id a request, one request a round.
    poller = new JobPoller(client, { maxIdsPerRequest: 1, concurrency: 1 });
    poller.wait('x', { intervalMs: 3000, maxIntervalMs: 3000, timeoutMs: 0 }, listener());
    poller.wait('y', { intervalMs: 1000, maxIntervalMs: 1000, timeoutMs: 0 }, listener());
    await clock.tickAsync(7000);
    // Stretched 1.67 × (4/3 requests a second over 1/s × 0.8). At 4,352 ms y is due, and x (due at
    // 5,020 ms) may join early: y goes, due the longest; x, left over, takes the next second.
    const log = client.requests.map((ids, i) => [ids[0], Math.round(client.sent[i])]);
    log.should.eql([['x', 20], ['y', 1020], ['y', 2686], ['y', 4352], ['x', 5352], ['y', 6352]]);
  }));

  it('reads a job that ended whole in the next round, before a job started earlier that joins it early', withoutJitter(async () => {
    const answers = scriptedClient((ids) => ({ value: ids.map((id) => job(id, id === 'a' ? 'Completed' : 'Inprogress')) }));
    const client = budgetedAnswers(answers);
    // One id a request, one request a second: c, d and e every 2 s stretched to 3.75 s.
    poller = new JobPoller(client, { maxIdsPerRequest: 1, concurrency: 1 });
    for (const id of ['c', 'd', 'e']) poller.wait(id, { intervalMs: 2000, maxIntervalMs: 2000, timeoutMs: 0 }, listener());
    await clock.tickAsync(3000);
    // a, started last, ends on its first poll (3,020 ms); c, due at 3,770 ms, is due in that round too.
    const a = listener();
    poller.wait('a', { intervalMs: 2000, maxIntervalMs: 2000, timeoutMs: 0 }, a);
    await clock.tickAsync(1100);
    (await a.ended).kind.should.equal('finished');
    answers.requests.should.eql([['c'], ['d'], ['e'], ['a'], ['a']]);
    should(answers.selects[4]).be.null();
    client.sent.should.eql([20, 1020, 2020, 3020, 4020]);
  }));

  it('does not stretch intervals that fit the budget, and lets a Retry-After hold every poll back', async () => {
    const client = budgetedClient(10);
    poller = new JobPoller(client);
    const handle = poller.wait('a', { intervalMs: 1000, maxIntervalMs: 1000, timeoutMs: 0 }, { update: () => {}, end: () => {} });
    await clock.tickAsync(1000);
    should.not.exist(handle.budgetIntervalMs());
    client.onRetryAfter(Date.now() + 5000);
    // A round already past its check may still send; none starts after it.
    await clock.tickAsync(100);
    const before = client.requests.length;
    await clock.tickAsync(4800);
    client.requests.length.should.equal(before);
    await clock.tickAsync(1200);
    client.requests.length.should.be.above(before);
  });
});
