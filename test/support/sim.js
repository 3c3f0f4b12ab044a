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

/** Resolves with the error a promise rejects with; fails when it resolves. */
async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

module.exports = { startSim, apiCalls, rejection, TOKEN };
