// src/lib/job-events.ts, the job events node's watch: events derived from status (in order,
// once, again on a rerun), the cursor, the overlap window, the baseline, the fallback, and
// what the state keeps. Pure functions, a client whose answers the test writes, and once
// the simulator over loopback (a modifiedDate written late).
require('should');
const { AimsClient } = require('../../dist/src/lib/client.js');
const { AimsError } = require('../../dist/src/lib/errors.js');
const events = require('../../dist/src/lib/job-events.js');
const { scriptedClient } = require('../support/lib');
const { useSim, TOKEN } = require('../support/sim');

const { derive, advance, prune, pollQuery, fallbackQuery, restoreState, emptyState, isRerun, JobWatcher, OVERLAP_MS, IN_FLIGHT_MS, FALLBACK_WINDOW_MS } = events;

const T = Date.parse('2026-12-07T04:00:00.000Z');
const iso = (ms) => new Date(T + ms).toISOString();
const ALL = ['queued', 'started', 'completed', 'failed'];

/** A job as the API lists it, modified at T + ms; started/ended at T + ms as given (null: none). */
function job(jobId, jobStatus, ms, { started = jobStatus === 'Queued' ? null : ms, ended = ['Completed', 'Failed'].includes(jobStatus) ? ms : null, created = ms - 1000, ...more } = {}) {
  return {
    jobID: jobId,
    jobStatus,
    createdDate: iso(created),
    startDate: started === null ? null : iso(started),
    completedDate: ended === null ? null : iso(ended),
    modifiedDate: iso(ms),
    ...more,
  };
}

const names = (list) => list.map((e) => `${e.jobId}:${e.event}`);
const baselined = () => ({ ...emptyState('s'), baselined: true, cursor: iso(0) });

const page = (...jobs) => ({ value: jobs });
const refused = () => AimsError.of('API_ERROR', 'aims360.errors.client.answered', { who: 'AIMS360', answer: 'Bad request.' }, 400);

describe('lib: job events', () => {
  describe('events from status', () => {
    it('a job first seen ended gives every step it passed through, in order', () => {
      const state = baselined();
      names(derive(state, [job('c', 'Completed', 10), job('f', 'Failed', 20), job('r', 'Inprogress', 5), job('q', 'Queued', 1)])).should.eql([
        'q:queued', 'r:queued', 'r:started', 'c:queued', 'c:started', 'c:completed', 'f:queued', 'f:started', 'f:failed',
      ]);
      derive(state, [job('c', 'Completed', 10)]).should.eql([]);
    });

    it('each step once as the job moves on; progress and answers read again give nothing', () => {
      const state = baselined();
      names(derive(state, [job('j', 'Queued', 1)])).should.eql(['j:queued']);
      derive(state, [job('j', 'Queued', 1)]).should.eql([]);
      names(derive(state, [job('j', 'Inprogress', 2, { started: 2 })])).should.eql(['j:started']);
      derive(state, [job('j', 'Inprogress', 3, { started: 2, percentCompleted: 40 })]).should.eql([]);
      const [done] = derive(state, [job('j', 'Completed', 4, { started: 2 })]);
      done.should.containEql({ event: 'completed', jobId: 'j', jobStatus: 'Completed' });
      done.job.modifiedDate.should.equal(iso(4));
      state.jobs.j.should.eql({ step: 2, modified: T + 4, created: T + 4 - 1000, started: T + 2, ended: T + 4 });
    });

    it('an answer older than the one remembered is old news', () => {
      const state = baselined();
      derive(state, [job('j', 'Completed', 10, { started: 5 })]);
      derive(state, [job('j', 'Inprogress', 6, { started: 5 })]).should.eql([]);
      state.jobs.j.step.should.equal(2);
    });

    it('a rerun gives its steps again: seen queued, or seen ended with new dates', () => {
      const state = baselined();
      derive(state, [job('j', 'Failed', 10, { started: 5 })]);
      names(derive(state, [job('j', 'Queued', 20)])).should.eql(['j:queued']);
      names(derive(state, [job('j', 'Completed', 30, { started: 25 })])).should.eql(['j:started', 'j:completed']);
      // Rerun and ended between two polls: a new start date.
      names(derive(state, [job('j', 'Completed', 50, { started: 45 })])).should.eql(['j:queued', 'j:started', 'j:completed']);
      // Same start, a new end: another run too.
      names(derive(state, [job('j', 'Failed', 60, { started: 45 })])).should.eql(['j:queued', 'j:started', 'j:failed']);
    });

    it('isRerun: a step back, another start, or another end of an ended job', () => {
      const seen = { step: 2, modified: 0, started: 5, ended: 9 };
      isRerun(seen, 0, undefined, undefined).should.be.true();
      isRerun(seen, 1, 5, undefined).should.be.true();
      isRerun(seen, 2, 5, 9).should.be.false();
      isRerun(seen, 2, 6, 9).should.be.true();
      isRerun(seen, 2, 5, 10).should.be.true();
      isRerun(seen, 2, undefined, undefined).should.be.false();
      isRerun({ step: 1, modified: 0, started: 5 }, 2, 5, 9).should.be.false();
      isRerun({ step: 1, modified: 0, started: 5 }, 1, 5, undefined).should.be.false();
      isRerun({ step: 1, modified: 0 }, 2, 5, 9).should.be.false();
      isRerun({ step: 1, modified: 0, started: 5, ended: 7 }, 2, 5, 9).should.be.false();
      // Seen ended without an end date: its end date showing later is the same run.
      isRerun({ step: 2, modified: 0, started: 5 }, 2, 5, 9).should.be.false();
    });

    it('the baseline learns the jobs and sends nothing; unreadable jobs are skipped', () => {
      const state = emptyState('s');
      derive(state, [job('a', 'Completed', 1), job('b', 'Inprogress', 2)], true).should.eql([]);
      Object.keys(state.jobs).sort().should.eql(['a', 'b']);
      names(derive(state, [job('b', 'Completed', 3, { started: 2 })])).should.eql(['b:completed']);
      derive(state, [{ jobStatus: 'Completed', modifiedDate: iso(5) }, { jobId: 'x', jobStatus: 'Done', modifiedDate: iso(5) }]).should.eql([]);
      Object.keys(state.jobs).sort().should.eql(['a', 'b']);
    });

    it('equal timestamps across two polls: each job once', () => {
      const state = baselined();
      names(derive(state, [job('a', 'Completed', 7)])).should.eql(['a:queued', 'a:started', 'a:completed']);
      names(derive(state, [job('a', 'Completed', 7), job('b', 'Completed', 7)])).should.eql(['b:queued', 'b:started', 'b:completed']);
    });

    it('a job without a modifiedDate still moves on; a date that is not text is no date', () => {
      const state = baselined();
      const bare = (status) => ({ jobId: 'b', jobStatus: status, createdDate: iso(1) });
      names(derive(state, [bare('Queued')])).should.eql(['b:queued']);
      names(derive(state, [bare('Completed')])).should.eql(['b:started', 'b:completed']);
      derive(state, [{ jobId: 'n', jobStatus: 'Queued', modifiedDate: 1234, createdDate: 5 }]);
      state.jobs.n.should.eql({ step: 0, modified: 0, created: undefined, started: undefined, ended: undefined });
    });

    it('reads the dates in their capitalised spelling too', () => {
      const state = baselined();
      const capital = (status, started, ended) => ({ JobID: 'c', JobStatus: status, CreatedDate: iso(1), StartDate: iso(started), CompletedDate: iso(ended), ModifiedDate: iso(ended) });
      names(derive(state, [capital('Completed', 5, 9)])).should.eql(['c:queued', 'c:started', 'c:completed']);
      state.jobs.c.should.eql({ step: 2, modified: T + 9, created: T + 1, started: T + 5, ended: T + 9 });
      // Rerun and ended between two polls: told apart by the new start, and by the new end.
      names(derive(state, [capital('Completed', 15, 19)])).should.eql(['c:queued', 'c:started', 'c:completed']);
      names(derive(state, [capital('Completed', 15, 29)])).should.eql(['c:queued', 'c:started', 'c:completed']);
    });

    it('a job id "__proto__" is remembered as any other', () => {
      const state = baselined();
      derive(state, [job('__proto__', 'Completed', 1)]).length.should.equal(3);
      Object.keys(state.jobs).should.eql(['__proto__']);
      derive(state, [job('__proto__', 'Completed', 1)]).should.eql([]);
      JSON.parse(JSON.stringify(state)).jobs.should.have.ownProperty('__proto__');
    });
  });

  describe('cursor, window and memory', () => {
    it('the cursor is the newest modifiedDate as the API wrote it, never going back', () => {
      const state = emptyState('s');
      advance(state, [{ modifiedDate: 'not a date' }, {}]);
      (state.cursor === undefined).should.be.true();
      advance(state, [{ modifiedDate: '2026-12-07T04:00:01.1234567Z' }, { modifiedDate: '2026-12-07T04:00:00.5Z' }]);
      state.cursor.should.equal('2026-12-07T04:00:01.1234567Z');
      advance(state, [{ modifiedDate: '2026-12-07T04:00:01.000Z' }]);
      state.cursor.should.equal('2026-12-07T04:00:01.1234567Z');
      advance(state, [{ ModifiedDate: '2026-12-07T04:00:02Z' }]);
      state.cursor.should.equal('2026-12-07T04:00:02Z');
    });

    it('asks from the overlap window before the cursor on, oldest first, ANDed with the filter', () => {
      pollQuery(emptyState('s')).should.eql({ filter: undefined, orderby: 'modifiedDate' });
      const state = { ...emptyState('s'), cursor: iso(OVERLAP_MS + 1) };
      pollQuery(state).should.eql({ filter: `(modifiedDate ge ${iso(1)})`, orderby: 'modifiedDate' });
      pollQuery(state, "categoryName eq 'Reports'").filter.should.equal(`(categoryName eq 'Reports') and (modifiedDate ge ${iso(1)})`);
      fallbackQuery(emptyState('s'), 'a eq 1').should.eql({ filter: '(a eq 1)', orderby: 'createdDate desc' });
      fallbackQuery(state).filter.should.equal(`(createdDate ge ${iso(OVERLAP_MS + 1 - FALLBACK_WINDOW_MS)})`);
    });

    it('forgets ended jobs before the window and jobs in flight too long; keeps the rest', () => {
      const cursor = IN_FLIGHT_MS + OVERLAP_MS;
      const state = { ...emptyState('s'), cursor: iso(cursor) };
      state.jobs = {
        oldEnd: { step: 2, modified: T + cursor - OVERLAP_MS - 1 },
        edgeEnd: { step: 2, modified: T + cursor - OVERLAP_MS },
        running: { step: 1, modified: T + cursor - IN_FLIGHT_MS },
        stuck: { step: 0, modified: T + cursor - IN_FLIGHT_MS - 1 },
      };
      prune(state, false);
      Object.keys(state.jobs).sort().should.eql(['edgeEnd', 'running']);
      prune(emptyState('s'), false);
    });

    it('forgets a job in flight after a week and an ended one of the fallback a day after it was created', () => {
      const HOUR = 60 * 60 * 1000;
      const state = { ...emptyState('s'), cursor: iso(0) };
      state.jobs = { sixDays: { step: 1, modified: T - 6 * 24 * HOUR }, eightDays: { step: 0, modified: T - 8 * 24 * HOUR } };
      prune(state, false);
      Object.keys(state.jobs).should.eql(['sixDays']);
      const fallback = { ...emptyState('s'), cursor: iso(0) };
      fallback.jobs = { made23h: { step: 2, modified: T, created: T - 23 * HOUR }, made25h: { step: 2, modified: T, created: T - 25 * HOUR } };
      prune(fallback, true);
      Object.keys(fallback.jobs).should.eql(['made23h']);
    });

    it('in the fallback, forgets ended jobs created before its window or before the oldest read', () => {
      const cursor = FALLBACK_WINDOW_MS + 10;
      const make = () => ({
        ...emptyState('s'),
        cursor: iso(cursor),
        jobs: {
          old: { step: 2, modified: T + cursor, created: T + 9 },
          edge: { step: 2, modified: T + cursor, created: T + 10 },
          noCreated: { step: 2, modified: T + 9 },
          later: { step: 2, modified: T + cursor, created: T + 500 },
          running: { step: 1, modified: T + cursor, created: T },
        },
      });
      const state = make();
      prune(state, true);
      Object.keys(state.jobs).sort().should.eql(['edge', 'later', 'running']);
      const truncated = make();
      prune(truncated, true, T + 500);
      Object.keys(truncated.jobs).sort().should.eql(['later', 'running']);
    });

    it('restores a saved state of its scope, and starts over for another scope or a broken one', () => {
      const saved = { ...baselined(), scope: 'server|filter' };
      restoreState(saved, 'server|filter').should.equal(saved);
      for (const bad of [undefined, null, 'x', { ...saved, jobs: 5 }, { ...saved, scope: 'other' }, { ...saved, version: 2 }, { ...saved, jobs: null }, { ...saved, baselined: 'yes' }]) {
        restoreState(bad, 'server|filter').should.eql({ version: 1, scope: 'server|filter', baselined: false, jobs: {} });
      }
    });
  });

  describe('JobWatcher', () => {
    it('first poll: the newest date, the jobs in flight and the window, all learnt and none sent', async () => {
      const client = scriptedClient(
        page(job('n', 'Completed', OVERLAP_MS + 100)),
        page(job('q', 'Queued', 5)),
        page(job('e', 'Failed', 200), job('n', 'Completed', OVERLAP_MS + 100)),
      );
      const watcher = new JobWatcher(emptyState('s'), { filter: "categoryName eq 'Reports'", events: ALL });
      (await watcher.poll(client)).should.eql({ events: [], fellBack: false });
      client.queries.should.eql([
        "$filter=categoryName eq 'Reports'&$orderby=modifiedDate desc&$top=1",
        "$filter=(categoryName eq 'Reports') and (jobStatus ne 'Completed' and jobStatus ne 'Failed')",
        `$filter=(categoryName eq 'Reports') and (modifiedDate ge ${iso(100)})&$orderby=modifiedDate`,
      ]);
      watcher.state.baselined.should.be.true();
      watcher.state.cursor.should.equal(iso(OVERLAP_MS + 100));
      Object.keys(watcher.state.jobs).sort().should.eql(['e', 'n', 'q']);
    });

    it('an empty account: the baseline has no date, the next poll reads everything', async () => {
      const client = scriptedClient(page(), page(), page(job('new', 'Failed', 1)));
      const watcher = new JobWatcher(emptyState('s'), { events: ['failed'] });
      (await watcher.poll(client)).events.should.eql([]);
      client.queries.length.should.equal(2);
      names((await watcher.poll(client)).events).should.eql(['new:failed']);
      client.queries[2].should.equal('$orderby=modifiedDate');
    });

    it('sends only the events subscribed, while following every step', async () => {
      const client = scriptedClient(page(job('j', 'Inprogress', 10)), page(job('j', 'Completed', 20, { started: 10 }), job('k', 'Failed', 21)));
      // j's start is sent; its end is not (not subscribed), k is new: started and failed.
      const watcher = new JobWatcher(baselined(), { events: ['started', 'failed'] });
      names((await watcher.poll(client)).events).should.eql(['j:started']);
      names((await watcher.poll(client)).events).should.eql(['k:started', 'k:failed']);
      watcher.state.cursor.should.equal(iso(21));
      client.queries[1].should.equal(`$filter=(modifiedDate ge ${iso(10 - OVERLAP_MS)})&$orderby=modifiedDate`);
    });

    it('falls back to the newest jobs by createdDate when the filter is refused, says so once', async () => {
      const client = scriptedClient(refused(), page(job('a', 'Completed', 50)), page(job('a', 'Completed', 50), job('b', 'Failed', 60)));
      const watcher = new JobWatcher(baselined(), { filter: 'x eq 1', events: ALL });
      (await watcher.poll(client)).fellBack.should.be.true();
      watcher.fallback.should.be.true();
      client.queries[1].should.equal(`$filter=(x eq 1) and (createdDate ge ${iso(-FALLBACK_WINDOW_MS)})&$orderby=createdDate desc`);
      const second = await watcher.poll(client);
      second.fellBack.should.be.false();
      names(second.events).should.eql(['b:queued', 'b:started', 'b:failed']);
      client.queries.length.should.equal(3);
      // Fallen back for good: the modifiedDate filter is not tried again; the cursor is still the newest modifiedDate.
      client.queries[2].should.match(/orderby=createdDate desc$/);
      watcher.state.cursor.should.equal(iso(60));
    });

    it('a first start on the fallback learns what it reads; no modifiedDate: the newest createdDate is the cursor', async () => {
      const bare = (id, status, created) => ({ jobId: id, jobStatus: status, createdDate: iso(created) });
      const client = scriptedClient(refused(), page(bare('a', 'Completed', 3), bare('b', 'Completed', 9)), page(bare('c', 'Completed', 10)));
      const watcher = new JobWatcher(emptyState('s'), { events: ALL });
      (await watcher.poll(client)).should.eql({ events: [], fellBack: true });
      client.queries[1].should.equal('$orderby=createdDate desc');
      watcher.state.cursor.should.equal(iso(9));
      names((await watcher.poll(client)).events).should.eql(['c:queued', 'c:started', 'c:completed']);
      // A createdDate that is no date is passed over, in either spelling.
      const odd = scriptedClient(refused(), page({ jobId: 'x', jobStatus: 'Queued', createdDate: 'soon' }, { jobId: 'y', jobStatus: 'Queued', CreatedDate: iso(4) }));
      const second = new JobWatcher(emptyState('s'), { events: ALL });
      await second.poll(odd);
      second.state.cursor.should.equal(iso(4));
    });

    it('on the fallback, a read cut at FALLBACK_PAGES forgets the ended jobs created before the oldest it read', async () => {
      const { FALLBACK_PAGES } = events;
      const known = () => ({ ...baselined(), cursor: iso(100), jobs: { early: { step: 2, modified: T + 5, created: T + 5 } } });
      const pages = (n, cut) => Array.from({ length: n }, (_, i) => ({
        value: [job(`p${i}`, 'Completed', 100 - i, { created: 90 - i })],
        ...(cut || i < n - 1 ? { '@odata.nextLink': `https://apiwest.aims360.rest/x?$skip=${i + 1}` } : {}),
      }));
      const cut = new JobWatcher(known(), { events: ALL });
      await cut.poll(scriptedClient(refused(), ...pages(FALLBACK_PAGES, true)));
      cut.state.jobs.should.not.have.property('early');
      Object.keys(cut.state.jobs).length.should.equal(FALLBACK_PAGES);
      // Read to its end: what it did not read is older than all of it, and still within the window.
      const whole = new JobWatcher(known(), { events: ALL });
      await whole.poll(scriptedClient(refused(), ...pages(3, false)));
      whole.state.jobs.should.have.property('early');
    });

    it('a 400 on the fallback too is the user filter: the error, and no fallback', async () => {
      const client = scriptedClient(refused(), refused());
      const watcher = new JobWatcher(baselined(), { events: ALL });
      const err = await watcher.poll(client).then(() => null, (e) => e);
      err.code.should.equal('API_ERROR');
      watcher.fallback.should.be.false();
    });

    it('reads at most MAX_PAGES pages a poll (FALLBACK_PAGES on the fallback); the next poll goes on from the cursor', async () => {
      const { MAX_PAGES, FALLBACK_PAGES } = events;
      const pages = (n, from) => Array.from({ length: n }, (_, i) => ({ value: [job(`p${from + i}`, 'Completed', from + i)], '@odata.nextLink': `https://apiwest.aims360.rest/x?$skip=${from + i + 1}` }));
      const client = scriptedClient(...pages(MAX_PAGES + 5, 1));
      const watcher = new JobWatcher(baselined(), { events: ['completed'] });
      (await watcher.poll(client)).events.length.should.equal(MAX_PAGES);
      client.queries.length.should.equal(MAX_PAGES);
      watcher.state.cursor.should.equal(iso(MAX_PAGES));
      const fallback = scriptedClient(refused(), ...pages(FALLBACK_PAGES + 5, 1));
      const onFallback = new JobWatcher(baselined(), { events: ['completed'] });
      (await onFallback.poll(fallback)).events.length.should.equal(FALLBACK_PAGES);
      fallback.queries.length.should.equal(FALLBACK_PAGES + 1);
    });

    it('forgets the ended jobs modified before the overlap window on every poll, the first one too', async () => {
      const old = () => ({ step: 2, modified: T - 10 * 60 * 1000, created: T - 10 * 60 * 1000 });
      const first = new JobWatcher({ ...emptyState('s'), jobs: { old: old() } }, { events: ALL });
      await first.poll(scriptedClient(page(job('n', 'Completed', 0)), page(), page()));
      first.state.jobs.should.not.have.property('old');
      const later = new JobWatcher({ ...baselined(), jobs: { old: old() } }, { events: ALL });
      await later.poll(scriptedClient(page(job('n', 'Completed', 0))));
      later.state.jobs.should.not.have.property('old');
    });

    it('other failures are failures: no fallback', async () => {
      for (const error of [AimsError.of('BAD_RESPONSE', 'aims360.errors.internal', { reason: 'x' }, 400), AimsError.of('NETWORK', 'aims360.errors.client.closed'), AimsError.of('API_ERROR', 'aims360.errors.client.answered', { who: 'x', answer: 'y' }, 500)]) {
        const client = scriptedClient(error);
        const watcher = new JobWatcher(baselined(), { events: ALL });
        (await watcher.poll(client).then(() => null, (e) => e)).should.equal(error);
        watcher.fallback.should.be.false();
        client.queries.length.should.equal(1);
      }
    });
  });

  describe('against the simulator', () => {
    const sim = useSim();
    let client;
    before(() => {
      client = new AimsClient({ baseUrl: sim().url, auth: { type: 'token', token: TOKEN }, timeout: 5000 });
    });
    after(() => client.close());
    beforeEach(() => sim().reset());

    it('a modifiedDate written late (after a poll saw a newer one) is still sent, once', async () => {
      const ago = (ms) => new Date(Date.now() - ms).toISOString();
      sim().addJob({ jobId: 'late', createdDate: ago(10000), queuedMs: 0, runMs: 9000, modifiedLagMs: 5000 });
      const watcher = new JobWatcher(emptyState('s'), { events: ALL });
      await watcher.poll(client);
      watcher.state.jobs.late.step.should.equal(1);
      sim().addJob({ jobId: 'other' });
      (await watcher.poll(client)).events.map((e) => `${e.jobId}:${e.event}`).should.eql(['other:queued', 'other:started', 'other:completed']);
      // Its end (1 s ago) shows now, older than the cursor the poll before moved to.
      sim().setJob('late', { modifiedLagMs: 0 });
      Date.parse(sim().getJob('late').modifiedDate).should.be.below(Date.parse(watcher.state.cursor));
      (await watcher.poll(client)).events.map((e) => `${e.jobId}:${e.event}`).should.eql(['late:completed']);
      (await watcher.poll(client)).events.should.eql([]);
    });

    it('follows nextLinks: every job of a burst once', async () => {
      sim().setConfig({ pageSize: 3 });
      const watcher = new JobWatcher(emptyState('s'), { events: ['completed'] });
      await watcher.poll(client);
      for (let i = 0; i < 8; i++) sim().addJob({ jobId: `b${i}` });
      (await watcher.poll(client)).events.map((e) => e.jobId).sort().should.eql(['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7']);
      (await watcher.poll(client)).events.should.eql([]);
    });
  });
});
