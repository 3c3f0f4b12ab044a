// The request budget (maxRequestsPerSecond) under load, with the real client, poller and simulator
// over loopback: waits polling and one-off requests together stay within the cap in every second
// of the simulator's log, and a 429's Retry-After still holds the whole account back.
require('should');
const { AimsClient } = require('../../dist/src/lib/client.js');
const { JobPoller } = require('../../dist/src/lib/poller.js');
const { JOBS_PATH } = require('../../dist/src/lib/jobs-endpoint.js');
const { busiestSecond, useSim, TOKEN } = require('../support/sim');

describe('reliability: the request budget', function () {
  this.timeout(60000);
  const sim = useSim();
  let client;
  let poller;
  beforeEach(() => sim().clearLog());
  afterEach(() => {
    poller?.close();
    client?.close();
  });

  it('keeps 300 waits polling every 0.1 s and 30 one-off requests within 5 requests in any second, all answered', async () => {
    const ids = Array.from({ length: 300 }, (_, n) => `budget-${n}`);
    for (const id of ids) sim().addJob({ jobId: id, runMs: 600000 });
    client = new AimsClient({ baseUrl: sim().url, auth: { type: 'token', token: TOKEN }, maxRequestsPerSecond: 5, retry: { limit: 0 } });
    // Few ids per request, so that polls alone would need far more than the budget.
    poller = new JobPoller(client, { maxIdsPerRequest: 10 });
    let updates = 0;
    for (const id of ids) poller.wait(id, { intervalMs: 100, maxIntervalMs: 100, timeoutMs: 0 }, { update: () => updates++, end: () => {} });
    const answers = [];
    for (let n = 0; n < 30; n++) {
      answers.push(await client.requestJson(JOBS_PATH, { query: '$top=1' }));
    }
    answers.every((a) => a.statusCode === 200).should.be.true();
    updates.should.be.above(0);
    busiestSecond(sim().log).should.be.belowOrEqual(5);
  });

  it('lets a 429 with Retry-After hold every poll of the account back, the budget notwithstanding', async () => {
    const ids = ['ra-1', 'ra-2', 'ra-3'];
    for (const id of ids) sim().addJob({ jobId: id, runMs: 600000 });
    client = new AimsClient({ baseUrl: sim().url, auth: { type: 'token', token: TOKEN }, maxRequestsPerSecond: 10 });
    poller = new JobPoller(client, { maxIdsPerRequest: 1 });
    let updates = 0;
    for (const id of ids) poller.wait(id, { intervalMs: 50, maxIntervalMs: 50, timeoutMs: 0 }, { update: () => updates++, end: () => {} });
    while (updates < 6) await new Promise((resolve) => setTimeout(resolve, 5));
    sim().addFault({ type: 'status', status: 429, retryAfter: 2, times: 1 });
    const limited = () => sim().log.find((e) => e.status === 429);
    while (!limited()) await new Promise((resolve) => setTimeout(resolve, 5));
    const at = Date.parse(limited().time);
    const after = updates;
    while (updates < after + 6) await new Promise((resolve) => setTimeout(resolve, 20));
    // Within the 2 s only the polls of the other jobs already sent in the 429's round may land
    // (one each); without the hold they would go on every 50 ms.
    const during = sim().log.filter((e) => Date.parse(e.time) > at && Date.parse(e.time) < at + 2000);
    during.length.should.be.belowOrEqual(ids.length - 1);
  });
});
