// src/lib/wait-registry.ts: the runtime's list of waits in flight, as the AIMS360 sidebar shows
// and cancels them.
const should = require('should');
const { WaitRegistry } = require('../../dist/src/lib/wait-registry.js');

function owner(id, cancelled = []) {
  return { id, name: `name-${id}`, type: 'aims360-wait-for-job', server: 'srv', cancel: (jobId) => (cancelled.push(jobId), 1) };
}

describe('lib: wait registry (sidebar)', () => {
  it('lists waits longest waiting first, ties by job id, at most limit, with what the sidebar shows', () => {
    const registry = new WaitRegistry();
    const a = owner('n1');
    registry.add(a, 'job-b', 2000);
    registry.add(a, 'job-c', 1000, { nextPollAt: () => 5000 });
    registry.add(a, 'job-a', 2000);
    const list = registry.list(Infinity, 3500);
    list.map((w) => w.jobId).should.eql(['job-c', 'job-a', 'job-b']);
    list[0].should.eql({
      node: 'n1', nodeName: 'name-n1', nodeType: 'aims360-wait-for-job', server: 'srv',
      jobId: 'job-c', status: null, percent: null, startedAt: 1000, waitedMs: 2500, nextPollAt: 5000,
    });
    // No poll handle (or the wait ended): no next poll time.
    should(list[1].nextPollAt).be.null();
    registry.list(2, 3500).should.have.length(2);
    // A clock behind the start never shows a negative wait.
    registry.list(Infinity, 0)[0].waitedMs.should.equal(0);
    registry.size.should.equal(3);
  });

  it('tells listeners of every change, and no more after they unsubscribe', () => {
    const registry = new WaitRegistry();
    let changes = 0;
    const off = registry.onChange(() => changes++);
    const record = registry.add(owner('n1'), 'job-a', 1);
    changes.should.equal(1);
    // An answer with the same status still moves the next poll time: a change.
    registry.update(record, 'Queued', null);
    registry.update(record, 'Queued', null);
    changes.should.equal(3);
    registry.list()[0].status.should.equal('Queued');
    registry.update(record, 'Inprogress', 40);
    registry.list()[0].percent.should.equal(40);
    registry.remove(record);
    changes.should.equal(5);
    registry.size.should.equal(0);
    // A late answer for an ended wait, or a second remove, changes nothing.
    registry.update(record, 'Completed', 100);
    registry.remove(record);
    registry.remove(undefined);
    changes.should.equal(5);
    off();
    registry.add(owner('n1'), 'job-b', 1);
    changes.should.equal(5);
  });

  it('cancels through the node that holds the wait; undefined for an unknown node', () => {
    const registry = new WaitRegistry();
    const cancelled = [];
    const first = registry.addOwner(owner('n1', cancelled));
    registry.cancel('n1', 'job-a').should.equal(1);
    cancelled.should.eql(['job-a']);
    should(registry.cancel('n2', 'job-a')).be.undefined();
    // A redeployed node replaced the first: removing the old one keeps the new one.
    const replaced = registry.addOwner(owner('n1', cancelled));
    registry.removeOwner(first);
    registry.cancel('n1', 'job-b').should.equal(1);
    registry.removeOwner(replaced);
    should(registry.cancel('n1', 'job-c')).be.undefined();
    cancelled.should.eql(['job-a', 'job-b']);
  });
});


describe('lib: wait registry, waits started together', () => {
  it('lists waits started together by job id, whatever order they came in', () => {
    const registry = new WaitRegistry();
    const owner = { id: 'n', name: '', type: 't', server: 's', cancel: () => 1 };
    for (const id of ['job-c', 'job-a', 'job-d', 'job-b', 'job-e']) registry.add(owner, id, 1000);
    registry.list(Infinity, 2000).map((w) => w.jobId).should.eql(['job-a', 'job-b', 'job-c', 'job-d', 'job-e']);
  });

  it('keeps two nodes\' waits on the same job, started together, in the order they began', () => {
    const registry = new WaitRegistry();
    for (const id of ['first', 'second', 'third']) registry.add(owner(id), 'job-a', 1000);
    registry.list(Infinity, 2000).map((w) => w.node).should.eql(['first', 'second', 'third']);
  });
});
