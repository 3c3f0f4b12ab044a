const { start } = require('../../dist/simulator/index.js');

const TOKEN = 'simulator-token';

/** Starts a simulator on a free loopback port for one test file. */
function startSim(options = {}) {
  return start({ port: 0, host: '127.0.0.1', token: TOKEN, ...options });
}

/**
 * A simulator for the enclosing describe: started before its tests (then `prepare(sim)`),
 * closed after them. Returns a getter, as the simulator exists only once started.
 */
function useSim(options = {}, prepare = () => {}) {
  let sim;
  before(async () => {
    sim = await startSim(options);
    await prepare(sim);
  });
  after(async () => {
    if (sim) await sim.close();
  });
  return () => sim;
}

/** A tab and a config node "server" for the simulator, then `nodes`: a flow file's entries. */
function simulatorFlow(sim, nodes = []) {
  return [
    { id: 'tab', type: 'tab', label: 'Flow 1' },
    { id: 'server', type: 'aims360-config', name: 'AIMS360 simulator', baseUrl: sim.url, authType: 'token', timeout: 5000 },
    ...nodes,
  ];
}

/** The demo's 14 s exports made shorter for a test, still long enough to show progress. */
function shorterExports(sim) {
  sim.setConfig({ exportQueuedMs: 1000, exportRunMs: 3000 });
}

/** Every log entry that is an API call (not a token or control request). */
function apiCalls(sim, pathPart = '/jobsmanagement/') {
  return sim.log.filter((entry) => entry.path.includes(pathPart));
}

/** Resolves with the error a promise rejects with; fails when it resolves. */
async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** The most simulator log entries that arrived within any one second (a sliding window from each arrival). */
function busiestSecond(entries) {
  const times = entries.map((e) => Date.parse(e.time)).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

module.exports = { busiestSecond, startSim, useSim, shorterExports, simulatorFlow, apiCalls, rejection, TOKEN };
