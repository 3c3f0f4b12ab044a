// src/lib/per-runtime.ts: one object per name and runtime, whichever copy of the module asks
// (the palette manager's reinstall loads a second copy beside the first).
require('should');

/** A second copy of a dist module, as a reinstall loads it (not the one require caches). */
function freshCopy(file) {
  const resolved = require.resolve(file);
  const loaded = require.cache[resolved];
  delete require.cache[resolved];
  try {
    return require(resolved);
  } finally {
    require.cache[resolved] = loaded;
  }
}

describe('lib: one object per runtime (perRuntime)', () => {
  it('makes the object once per name, for every copy of the module, and keeps names apart', () => {
    const { perRuntime } = require('../../dist/src/lib/per-runtime.js');
    const copy = freshCopy('../../dist/src/lib/per-runtime.js');
    copy.perRuntime.should.not.equal(perRuntime);
    let made = 0;
    const make = () => ({ n: ++made });
    const first = perRuntime('per-runtime-test', make);
    copy.perRuntime('per-runtime-test', make).should.equal(first);
    perRuntime('per-runtime-test', make).should.equal(first);
    made.should.equal(1);
    perRuntime('per-runtime-test-other', make).should.not.equal(first);
    made.should.equal(2);
  });

  it("shares the job event log between copies of its module: a node's events reach the sidebar of the other copy", () => {
    const { jobEventLog } = require('../../dist/src/lib/job-event-log.js');
    const copy = freshCopy('../../dist/src/lib/job-event-log.js');
    copy.JobEventLog.should.not.equal(require('../../dist/src/lib/job-event-log.js').JobEventLog);
    copy.jobEventLog.should.equal(jobEventLog);
    // The name is what another version of the package finds it by.
    globalThis[Symbol.for('@flowjobs/node-red-aims360/job-event-log')].should.equal(jobEventLog);
  });

  it("shares the wait registry between copies of its module: a node's waits show in the sidebar of the other copy", () => {
    const { waitRegistry, WaitRegistry } = require('../../dist/src/lib/wait-registry.js');
    const copy = freshCopy('../../dist/src/lib/wait-registry.js');
    copy.WaitRegistry.should.not.equal(WaitRegistry);
    waitRegistry.should.be.instanceOf(WaitRegistry);
    copy.waitRegistry.should.equal(waitRegistry);
    globalThis[Symbol.for('@flowjobs/node-red-aims360/wait-registry')].should.equal(waitRegistry);
  });
});
