// Tests only (loaded through settings.nodesDir): stands in for the job events node, adding
// msg.payload (an entry, or an array of them) to the runtime's job event log. It requires
// the repository's dist/, another module copy than the installed package's, as a second
// copy after a palette reinstall would: both must reach the one log of the runtime.
const { jobEventLog } = require('../../../dist/src/lib/job-event-log.js');

module.exports = function (RED) {
  function TestJobEvent(config) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg, send, done) => {
      for (const entry of [].concat(msg.payload)) jobEventLog.add({ at: Date.now(), jobStatus: '', server: 'server', node: this.id, nodeName: '', ...entry });
      send(msg);
      done();
    });
  }
  RED.nodes.registerType('aims360-test-job-event', TestJobEvent);
};
