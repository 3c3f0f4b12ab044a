// One flow per working node of the pack, for the suites that run every node the
// same way (fault matrix, secrets, fuzzing). Each node under test has id "node"
// and its outputs wired to helper node "out".
const { helper, baseFlow, load } = require('./red');
const { TOKEN } = require('./sim');

const JOB = 'job-1';
const OAUTH = { clientId: 'sim-client', clientSecret: 'sim-secret', username: 'operator@example.com', password: 'sim-password' };

/** Credentials for the config node "server": static token or OAuth2 password grant. */
function credentials(auth = 'token') {
  return { server: auth === 'oauth2' ? { ...OAUTH } : { token: TOKEN } };
}

/** Config node settings for the auth type; OAuth2 posts to the simulator's token route. */
function serverConfig(sim, auth = 'token', extra = {}) {
  return auth === 'oauth2' ? { authType: 'oauth2', tokenUrl: `${sim.url}/connect/token`, ...extra } : { authType: 'token', ...extra };
}

/** The node types under test: node properties, number of outputs, and the job it needs. */
const NODES = {
  'job status (single)': { props: { type: 'aims360-job-status', mode: 'single' }, outputs: 1 },
  'job status (query)': { props: { type: 'aims360-job-status', mode: 'query', filter: "jobStatus eq 'Completed'", maxPages: 10 }, outputs: 1 },
  'wait for job': { props: { type: 'aims360-wait-for-job', interval: '0.05', maxInterval: '0.1', timeout: '20' }, outputs: 3 },
  'rerun job': { props: { type: 'aims360-rerun-job', checkFirst: true }, outputs: 1 },
  'fetch output': { props: { type: 'aims360-fetch-output', format: 'auto' }, outputs: 1, publishlink: true },
  'aims360 request': {
    props: {
      type: 'aims360-request', method: 'GET', path: 'jobsmanagement/odata/v1.0/backgroundjob',
      query: `{"$filter":"jobId eq '${JOB}'"}`, queryType: 'json',
    },
    outputs: 1,
  },
  // An export starts a job of its own; the message's job id plays no part.
  'export data': {
    props: { type: 'aims360-export', source: 'Orders', sourceType: 'str', viewName: 'All orders', viewNameType: 'str', interval: '0.05', maxInterval: '0.1', timeout: '20' },
    outputs: 1,
    export: true,
  },
  'export data (start)': {
    props: { type: 'aims360-export', source: 'Orders', sourceType: 'str', viewName: 'All orders', viewNameType: 'str', mode: 'start' },
    outputs: 1,
    export: true,
  },
};

/** The simulator job a node's happy path needs: completed, a private CSV for fetch output. */
function addJob(sim, name, jobId = JOB) {
  // Exports made by the export node complete at once here.
  if (NODES[name].export) sim.setConfig({ exportQueuedMs: 0, exportRunMs: 0 });
  const spec = NODES[name].publishlink ? { documents: [{ name: 'out.csv', rows: 3 }], scope: 'Private' } : {};
  return sim.addJob({ jobId, ...spec });
}

/** Base flow plus the node under test with every output wired to "out". */
function nodeFlow(sim, name, { auth = 'token', server = {}, props = {} } = {}) {
  const flow = baseFlow(sim, serverConfig(sim, auth, server));
  const wires = Array.from({ length: NODES[name].outputs }, () => ['out']);
  flow.push({ id: 'node', z: 'tab', server: 'server', wires, ...NODES[name].props, ...props });
  flow.push({ id: 'out', type: 'helper', z: 'tab' });
  return flow;
}

/** Loads the flow and makes the client's retries fast (5–20 ms instead of 0.5–15 s). */
async function loadFast(flow, creds) {
  await load(flow, creds);
  const policy = helper.getNode('server').client.retryPolicy;
  policy.baseDelayMs = 5;
  policy.maxDelayMs = 20;
}

/** Records unhandled rejections and uncaught exceptions while installed. */
function trackCrashes() {
  const seen = [];
  const onCrash = (reason) => seen.push(reason);
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);
  return {
    seen,
    stop: () => {
      process.removeListener('unhandledRejection', onCrash);
      process.removeListener('uncaughtException', onCrash);
    },
  };
}

module.exports = { NODES, JOB, OAUTH, credentials, serverConfig, addJob, nodeFlow, loadFast, trackCrashes };
