// Settings written as environment variables, `${NAME}` or the older `$(NAME)`, at run time:
// Node-RED puts the variable's value in (of the node's group, its flow, or the process) before
// a node starts, so the deploy check and the node see the value; a variable that is not set
// is a BAD_INPUT that names the setting and the variable. Test connection (the config dialog's
// admin route) reads the dialog's variables as a deploy would.
require('should');
const { helper, baseFlow, collect, expectRefusedSetting, load, next, until, useSimAndNodeRed } = require('../support/red');
const { apiCalls, busiestSecond, startSim, TOKEN } = require('../support/sim');

/** Variables of the process for these tests; UNSET is never set. */
const PROCESS_ENV = {
  AIMS360_TEST_TIMEOUT: '4321',
  AIMS360_TEST_RPS: '1',
  AIMS360_TEST_HOSTS: 'files.example.com',
};
const UNSET = 'AIMS360_TEST_UNSET';

/** The English reason of an unset variable in a setting labelled `label`. */
const unsetReason = (label, value, name = UNSET) =>
  `${label} is ${value}, but no environment variable ${name} is set (for the node's group, its flow, globally or in Node-RED's process).`;

describe('settings written as environment variables (run time)', function () {
  let sim;
  const currentSim = useSimAndNodeRed(startSim);
  before(() => {
    Object.assign(process.env, PROCESS_ENV);
    delete process.env[UNSET];
  });
  after(() => {
    for (const name of [...Object.keys(PROCESS_ENV), 'AIMS360_TEST_URL']) delete process.env[name];
  });
  beforeEach(() => {
    sim = currentSim();
    process.env.AIMS360_TEST_URL = sim.url;
  });

  it('the config node runs with the process\'s values: base URL, timeout, trusted hosts, and a budget of ${RPS} = 1 that limits the requests', async () => {
    const server = { baseUrl: '${AIMS360_TEST_URL}', timeout: '$(AIMS360_TEST_TIMEOUT)', trustedHosts: '${AIMS360_TEST_HOSTS}', maxRequestsPerSecond: '${AIMS360_TEST_RPS}' };
    await load([
      ...baseFlow(sim, server),
      { id: 'node', type: 'aims360-job-status', z: 'tab', server: 'server', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab' },
    ], { server: { token: TOKEN } });
    const { client, clientError } = helper.getNode('server');
    (clientError === undefined).should.be.true(clientError?.message);
    client.baseUrl.href.should.equal(`${sim.url}/`);
    client.timeout.should.equal(4321);
    client.isTrustedHost('https://files.example.com/a').should.be.true();
    client.budget.perSecond.should.equal(1);

    const ids = ['env-1', 'env-2', 'env-3'];
    for (const id of ids) sim.addJob({ jobId: id });
    const outs = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    for (const id of ids) helper.getNode('node').receive({ jobId: id });
    await until(() => outs.length + caught.length === ids.length, 'three answers');
    caught.should.eql([]);
    outs.map((m) => m.jobId).sort().should.eql(ids);
    // One request a second, as the variable says (the default budget, 10, sends all three at once).
    busiestSecond(apiCalls(sim)).should.equal(1);
  });

  it('a node reads its group\'s variable before its flow\'s; a config node on a flow reads the flow\'s', async () => {
    for (let i = 0; i < 7; i++) sim.addJob({ jobId: `q-failed-${i}`, outcome: 'Failed' });
    sim.setConfig({ pageSize: 2 });
    const query = { type: 'aims360-job-status', z: 'tab', server: 'server', mode: 'query', filter: "jobStatus eq 'Failed'", filterType: 'str', maxPages: '${AIMS360_PAGES}', wires: [['out']] };
    const [tab, ...rest] = baseFlow(sim, { z: 'tab', maxRequestsPerSecond: '${AIMS360_FLOW_RPS}' });
    await load([
      { ...tab, env: [{ name: 'AIMS360_PAGES', value: '3', type: 'str' }, { name: 'AIMS360_FLOW_RPS', value: '100', type: 'str' }] },
      ...rest,
      { id: 'group', type: 'group', z: 'tab', nodes: ['node'], env: [{ name: 'AIMS360_PAGES', value: '1', type: 'num' }] },
      { id: 'node', g: 'group', ...query },
      { id: 'in-flow', ...query },
      { id: 'out', type: 'helper', z: 'tab' },
    ], { server: { token: TOKEN } });
    helper.getNode('server').client.budget.perSecond.should.equal(100);
    const caught = collect(helper.getNode('caught'));

    let out = next(helper.getNode('out'), helper.getNode('caught'));
    helper.getNode('node').receive({});
    // One page (the group's 1): 2 jobs, and a next link left unread.
    (await out).should.match({ count: 2, nextLink: /skip/ });
    out = next(helper.getNode('out'), helper.getNode('caught'));
    helper.getNode('in-flow').receive({});
    // Three pages (the flow's 3).
    (await out).count.should.equal(6);
    caught.should.eql([]);
  });

  it('a config node whose variable is not set stops its client with BAD_INPUT naming the setting and the variable', async () => {
    await load([
      ...baseFlow(sim, { maxRequestsPerSecond: `\${${UNSET}}` }),
      { id: 'node', type: 'aims360-job-status', z: 'tab', server: 'server', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab' },
    ], { server: { token: TOKEN } });
    const message = `AIMS360 server: ${unsetReason('Requests per second', `\${${UNSET}}`)}`;
    helper.getNode('server').clientError.should.match({ code: 'BAD_INPUT', message });
    const answer = next(helper.getNode('out'), helper.getNode('caught'));
    helper.getNode('node').receive({ jobId: 'job-1' });
    (await answer).error.should.match({ code: 'BAD_INPUT', message });
    sim.log.length.should.equal(0);
  });

  it('a working node whose variable is not set refuses every message with BAD_INPUT naming it, without a request', async () => {
    await load([
      ...baseFlow(sim),
      { id: 'node', type: 'aims360-wait-for-job', z: 'tab', server: 'server', interval: `$(${UNSET})`, wires: [[], [], []] },
    ], { server: { token: TOKEN } });
    const reason = unsetReason('Interval (s)', `$(${UNSET})`);
    await expectRefusedSetting(sim, reason, /^BAD_INPUT: interval \(s\) is \$\(AIMS360_TEST_UNSET\)/);
  });

  it('a text setting whose variable is not set is refused at deploy, not sent to AIMS360 as written', async () => {
    await load([
      ...baseFlow(sim),
      { id: 'node', type: 'aims360-job-events', z: 'tab', server: 'server', filter: `\${${UNSET}}`, interval: '1', wires: [[]] },
    ], { server: { token: TOKEN } });
    const caught = collect(helper.getNode('caught'));
    await until(() => caught.length > 0, 'the job events node\'s error');
    caught[0].error.should.match({ code: 'BAD_INPUT', message: unsetReason('The filter', `\${${UNSET}}`) });
    sim.log.length.should.equal(0);
  });

  describe('Test connection (the config dialog\'s admin route)', () => {
    const post = (body, status) => helper.request().post('/aims360-config/test').send(body).expect(status).then((res) => res.body);

    it('connects with the variables of a config node not deployed yet (the process\'s)', async () => {
      await load(baseFlow(sim), { server: { token: TOKEN } });
      const body = { baseUrl: '${AIMS360_TEST_URL}', authType: 'token', timeout: '${AIMS360_TEST_TIMEOUT}', trustedHosts: '$(AIMS360_TEST_HOSTS)', credentials: { token: TOKEN } };
      (await post(body, 200)).should.eql({ host: new URL(sim.url).host });
    });

    it('uses the saved token with a deployed node\'s variables, which name its deployed URL', async () => {
      await load(baseFlow(sim, { baseUrl: '${AIMS360_TEST_URL}' }), { server: { token: TOKEN } });
      (await post({ id: 'server', baseUrl: '${AIMS360_TEST_URL}', authType: 'token', credentials: { token: '__PWRD__' } }, 200)).should.eql({ host: new URL(sim.url).host });
    });

    it('does not read a variable that settings.envVarExcludes hides from flows, deployed or not', async () => {
      helper.settings({ envVarExcludes: ['AIMS360_TEST_RPS'] });
      try {
        await load(baseFlow(sim, { maxRequestsPerSecond: '${AIMS360_TEST_RPS}' }), { server: { token: TOKEN } });
        const message = `AIMS360 server: ${unsetReason('Requests per second', '${AIMS360_TEST_RPS}', 'AIMS360_TEST_RPS')}`;
        helper.getNode('server').clientError.message.should.equal(message);
        const body = { baseUrl: sim.url, authType: 'token', maxRequestsPerSecond: '${AIMS360_TEST_RPS}', credentials: { token: TOKEN } };
        (await post(body, 400)).should.eql({ code: 'BAD_INPUT', message });
      } finally {
        helper.settings({ envVarExcludes: [] });
      }
    });

    it('answers 400 BAD_INPUT naming a variable that is not set, without a request', async () => {
      await load(baseFlow(sim), { server: { token: TOKEN } });
      const answer = await post({ baseUrl: `\${${UNSET}}`, authType: 'token', credentials: { token: TOKEN } }, 400);
      answer.should.eql({ code: 'BAD_INPUT', message: `AIMS360 server: ${unsetReason('The base URL', `\${${UNSET}}`)}` });
      sim.log.length.should.equal(0);
    });
  });
});
