// src/lib/job-event-log.ts: the job events the sidebar lists ("Recent job events").
const { JobEventLog, LIMIT } = require('../../dist/src/lib/job-event-log.js');
require('should');

function entry(n, fields = {}) {
  return {
    at: 1000 + n, event: 'completed', jobId: `job-${n}`, jobStatus: 'Completed',
    modifiedDate: `2026-12-07T10:00:0${n % 10}Z`, server: 'srv', node: 'n1', nodeName: 'events', ...fields,
  };
}

describe('lib: job event log (sidebar)', () => {
  it('lists events newest first, at most the last 50', () => {
    const log = new JobEventLog();
    for (let n = 0; n < LIMIT + 5; n++) log.add(entry(n));
    const list = log.list();
    list.should.have.length(50);
    list[0].jobId.should.equal(`job-${LIMIT + 4}`);
    list[49].jobId.should.equal('job-5');
  });

  it('lists an event sent by two nodes once, and a later event of the same job again', () => {
    const log = new JobEventLog();
    log.add(entry(1));
    log.add(entry(1, { node: 'n2', nodeName: 'other' }));
    log.list().should.have.length(1);
    // A rerun that completes again has a new modifiedDate.
    log.add(entry(1, { modifiedDate: '2026-12-07T11:00:00Z' }));
    log.add(entry(1, { event: 'failed', jobStatus: 'Failed' }));
    log.add(entry(1, { server: 'other-account' }));
    log.list().should.have.length(4);
  });

  it('tells listeners of each change, and not after they unsubscribe', () => {
    const log = new JobEventLog();
    let calls = 0;
    const stop = log.onChange(() => calls++);
    log.add(entry(1));
    log.add(entry(1));
    calls.should.equal(1);
    stop();
    log.add(entry(2));
    calls.should.equal(1);
    // A copy: a caller cannot change the log.
    log.list().pop();
    log.list().should.have.length(2);
  });
});
