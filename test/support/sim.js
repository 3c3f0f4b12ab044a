const { start } = require('../../dist/simulator/index.js');

const TOKEN = 'simulator-token';

/** Starts a simulator on a free loopback port for one test file. */
function startSim(options = {}) {
  return start({ port: 0, host: '127.0.0.1', token: TOKEN, ...options });
}

/** Every log entry that is an API call (not a token or control request). */
function apiCalls(sim, pathPart = '/jobsmanagement/') {
  return sim.log.filter((entry) => entry.path.includes(pathPart));
}

module.exports = { startSim, apiCalls, TOKEN };
