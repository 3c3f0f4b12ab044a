// Demo only (`npm start` loads it through settings.nodesDir): the examples no longer
// act on deploy, and a browser that connects after startup would miss what ran then.
// So when the first editor connects, every enabled inject of the demo's examples is
// clicked once for it. The demo knows its config node talks to the simulator.
module.exports = function (RED) {
  const ids = (process.env.AIMS360_DEMO_INJECTS || '').split(',').filter(Boolean);
  let fired = false;
  RED.events.on('comms:connection-added', () => {
    if (fired) return;
    fired = true;
    // The editor subscribes to the debug topic just after it connects.
    setTimeout(() => {
      RED.log.info(`[aims360 demo] an editor connected: running the ${ids.length} example injects`);
      for (const id of ids) {
        const inject = RED.nodes.getNode(id);
        if (inject) inject.receive();
      }
    }, 1500);
  });
};
