// The shared poller behind wait for job and export: how it asks AIMS360 about many
// jobs at once and when each wait ends, with answers the test writes (short intervals).
const should = require('should');
const { AimsClient } = require('../dist/nodes/lib/client.js');
const { AimsError } = require('../dist/nodes/lib/errors.js');
const { JobPoller } = require('../dist/nodes/lib/poller.js');

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

/** A listener that records updates and resolves `ended` with the end result. */
function listener() {
  const l = { updates: [] };
  l.ended = new Promise((resolve) => {
    l.update = (job) => l.updates.push(job);
    l.end = (result) => resolve(result);
  });
  return l;
}

const job = (jobId, jobStatus) => ({ jobId, jobStatus });
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('lib: job poller', function () {
  this.timeout(10000);
  let poller;
  afterEach(() => poller?.close());

  it('adds many waits without going over every wait again for each one (linear, not quadratic)', async () => {
    const client = scriptedClient((ids) => ({ value: ids.map((id) => job(id, 'Completed')) }));
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
    poller = new JobPoller(client);
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
    const client = scriptedClient((ids) => ({ value: ids.map((id) => job(id, 'Completed')) }));
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

  it('polls a shared job as often as its most eager wait asks', async () => {
    const client = scriptedClient((ids, n) => ({ value: [job(ids[0], n < 3 ? 'Inprogress' : 'Completed')] }));
    poller = new JobPoller(client);
    const slow = listener();
    const eager = listener();
    const started = Date.now();
    poller.wait('a', { intervalMs: 2000, maxIntervalMs: 2000, timeoutMs: 0 }, slow);
    poller.wait('a', FAST, eager);
    (await eager.ended).kind.should.equal('finished');
    (await slow.ended).kind.should.equal('finished');
    (Date.now() - started).should.be.below(1500);
  });

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

  it('ends a wait on its timeout with the last job seen', async () => {
    const client = scriptedClient((ids) => ({ value: [job(ids[0], 'Inprogress')] }));
    poller = new JobPoller(client);
    const l = listener();
    const started = Date.now();
    poller.wait('a', { intervalMs: 20, maxIntervalMs: 20, timeoutMs: 150 }, l);
    const end = await l.ended;
    end.should.eql({ kind: 'timeout', job: job('a', 'Inprogress') });
    (Date.now() - started).should.be.within(140, 1000);
    poller.size.should.equal(0);
  });

  it('tries a transient failure again, and gives up after maxFailures in a row', async () => {
    const client = scriptedClient(() => {
      throw new AimsError('API_ERROR', 'AIMS360 answered 503.', 503);
    });
    poller = new JobPoller(client, { maxFailures: 3 });
    const l = listener();
    poller.wait('a', FAST, l);
    const end = await l.ended;
    end.error.status.should.equal(503);
    client.requests.should.have.length(3);
  });

  it('forgets earlier failures once an answer comes', async () => {
    const plan = ['fail', 'fail', 'Inprogress', 'fail', 'fail', 'Completed', 'Completed'];
    const client = scriptedClient((ids, n) => {
      if (plan[n - 1] === 'fail') throw new AimsError('NETWORK', 'Could not reach AIMS360.');
      return { value: [job(ids[0], plan[n - 1])] };
    });
    poller = new JobPoller(client, { maxFailures: 3 });
    const l = listener();
    poller.wait('a', FAST, l);
    (await l.ended).kind.should.equal('finished');
    client.requests.should.have.length(7);
  });

  it('gives up at once on a failure that asking again cannot mend', async () => {
    for (const error of [new AimsError('AUTH_FAILED', 'no', 401), new AimsError('API_ERROR', 'bad', 404)]) {
      const client = scriptedClient(() => {
        throw error;
      });
      poller = new JobPoller(client, { maxFailures: 3 });
      const l = listener();
      poller.wait('a', FAST, l);
      (await l.ended).should.eql({ kind: 'error', error });
      client.requests.should.have.length(1);
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

  it('keeps each request within maxIdsPerRequest ids and maxFilterLength characters', async () => {
    const client = scriptedClient((ids) => ({ value: ids.map((id) => job(id, 'Completed')) }));
    poller = new JobPoller(client, { maxIdsPerRequest: 2, concurrency: 1 });
    const ids = ['a1', 'a2', 'a3', 'a4', 'a5'];
    const ends = ids.map((id) => {
      const l = listener();
      poller.wait(id, GATHERED, l);
      return l.ended;
    });
    await Promise.all(ends);
    client.requests.should.eql([['a1', 'a2'], ['a3', 'a4'], ['a5'], ['a1', 'a2'], ['a3', 'a4'], ['a5']]);

    // Each clause "jobId eq 'bN' or " is 29 encoded characters: 60 fit two.
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
    poller.wait('a', { intervalMs: 40, maxIntervalMs: 60, timeoutMs: 0 }, l);
    await l.ended;
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // 40 ms, then ×1.5 per poll up to 60 ms, each ±20 % jitter (plus timer slack);
    // without the bound the 3rd to 5th gaps would take about 430 ms, not 180.
    gaps[0].should.be.aboveOrEqual(30);
    (gaps[2] + gaps[3] + gaps[4]).should.be.within(130, 300);
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
});
