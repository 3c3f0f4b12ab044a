// How `npm start` joins the shipped examples into the flows a user has (scripts/demo-flows.cjs),
// the cases the end-to-end test in test/e2e/demo.test.js does not reach.
require('should');
const { mergeFlows } = require('../../scripts/demo-flows.cjs');

const tab = (id) => ({ id, type: 'tab', label: id });
const inject = (id, z, name) => ({ id, type: 'inject', z, name, x: 100, y: 100, wires: [[]] });
const server = (baseUrl) => ({ id: 'server', type: 'aims360-config', name: 'AIMS360 simulator', baseUrl, authType: 'token' });

/** What a version ships: two example tabs and a config node, the simulator at `url`. */
const shippedAt = (url, name = 'start') => ({
  flows: [tab('tab-a'), inject('a1', 'tab-a', name), tab('tab-b'), inject('b1', 'tab-b', 'run'), server(url)],
  credentials: { server: { token: 'simulator-token' } },
});

describe('demo flows: joining the examples into the user\'s flows', () => {
  const first = shippedAt('http://127.0.0.1:8360');
  const lastRun = mergeFlows({ shipped: first });

  it('a first start writes the examples as shipped', () => {
    lastRun.flows.should.eql(first.flows);
    lastRun.credentials.should.eql(first.credentials);
    lastRun.added.should.have.length(5);
  });

  it('what the editor adds on Deploy (empty defaults, another key order) is no change: a new version refreshes it', () => {
    const deployed = lastRun.flows.map((n) => (n.type === 'tab' ? { disabled: false, info: '', env: [], ...n } : { ...n, g: '' }));
    const next = mergeFlows({ shipped: shippedAt('http://127.0.0.1:8360', 'start now'), user: deployed, record: lastRun.record });
    next.refreshed.should.eql(['a1']);
    next.flows.find((n) => n.id === 'a1').name.should.equal('start now');
    next.kept.should.eql([]);
  });

  it('the simulator on another port: the config node follows it quietly, unless the user pointed it elsewhere', () => {
    const moved = mergeFlows({ shipped: shippedAt('http://127.0.0.1:9999'), user: lastRun.flows, record: lastRun.record });
    moved.flows.find((n) => n.id === 'server').baseUrl.should.equal('http://127.0.0.1:9999');
    moved.refreshed.should.eql([]);
    const mine = lastRun.flows.map((n) => (n.id === 'server' ? { ...n, baseUrl: 'https://api.example.com' } : n));
    const kept = mergeFlows({ shipped: shippedAt('http://127.0.0.1:9999'), user: mine, record: lastRun.record });
    kept.flows.find((n) => n.id === 'server').baseUrl.should.equal('https://api.example.com');
    // Nothing to tell the user: they changed only what the demo sets per machine.
    [kept.refreshed, kept.kept].should.eql([[], []]);
  });

  it('the database node disabled when npm start has no database, enabled when it has one: followed quietly', () => {
    const withDb = (disabled) => ({
      flows: [...first.flows, { id: 'db1', type: 'mysql', z: 'tab-b', mydb: 'db', name: 'write', x: 300, y: 100, wires: [[]], ...(disabled ? { d: true } : {}) }],
      credentials: first.credentials,
    });
    const without = mergeFlows({ shipped: withDb(true), user: lastRun.flows, record: lastRun.record });
    const enabled = mergeFlows({ shipped: withDb(false), user: without.flows, record: without.record });
    (enabled.flows.find((n) => n.id === 'db1').d === undefined).should.be.true();
    [enabled.refreshed, enabled.kept].should.eql([[], []]);
    const disabledAgain = mergeFlows({ shipped: withDb(true), user: enabled.flows, record: enabled.record });
    disabledAgain.flows.find((n) => n.id === 'db1').d.should.be.true();
    [disabledAgain.refreshed, disabledAgain.kept].should.eql([[], []]);
  });

  it('a changed copy is kept, and listed when the version ships another; reset puts the shipped one back', () => {
    const changed = lastRun.flows.map((n) => (n.id === 'a1' ? { ...n, name: 'mine' } : n));
    const credentials = { server: { token: 'my-token' }, other: { password: 'secret' } };
    const kept = mergeFlows({ shipped: shippedAt('http://127.0.0.1:8360', 'start now'), user: changed, userCredentials: credentials, record: lastRun.record });
    kept.flows.find((n) => n.id === 'a1').name.should.equal('mine');
    kept.kept.should.eql(['a1']);
    kept.credentials.should.eql(credentials);
    const reset = mergeFlows({ shipped: shippedAt('http://127.0.0.1:8360', 'start now'), user: changed, userCredentials: credentials, record: lastRun.record, reset: true });
    reset.flows.find((n) => n.id === 'a1').name.should.equal('start now');
    reset.refreshed.should.eql(['a1']);
    reset.credentials.should.eql({ server: { token: 'simulator-token' }, other: { password: 'secret' } });
  });

  it('a deleted example tab comes back in its place, before the next example tab; the user\'s own tabs stay where they are', () => {
    const user = [tab('mine'), tab('tab-b'), inject('b1', 'tab-b', 'run'), server('http://127.0.0.1:8360'), inject('m1', 'mine', 'my inject')];
    const next = mergeFlows({ shipped: first, user, record: lastRun.record });
    next.flows.filter((n) => n.type === 'tab').map((n) => n.id).should.eql(['mine', 'tab-a', 'tab-b']);
    next.added.should.eql(['tab-a', 'a1']);
    next.flows.find((n) => n.id === 'm1').should.eql(user[4]);
  });
});
