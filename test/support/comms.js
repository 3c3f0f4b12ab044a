// Listens to a running Node-RED's editor comms (debug sidebar and node status),
// as the editor does.
const path = require('node:path');
const { nodeRedRoot } = require('./node-red-process');

const WebSocket = require(require.resolve('ws', { paths: [nodeRedRoot(), path.join(nodeRedRoot(), 'node_modules', '@node-red', 'editor-api')] }));

/** Connects and subscribes; resolves { events, waitFor(predicate, ms), close() }. */
function listen(editorUrl) {
  const events = [];
  const waiters = [];
  const ws = new WebSocket(`${editorUrl.replace(/^http/, 'ws')}/comms`);
  ws.on('message', (data) => {
    const parsed = JSON.parse(String(data));
    for (const event of Array.isArray(parsed) ? parsed : [parsed]) {
      events.push(event);
      for (const w of [...waiters]) {
        if (w.predicate(event)) {
          waiters.splice(waiters.indexOf(w), 1);
          clearTimeout(w.timer);
          w.resolve(event);
        }
      }
    }
  });
  const waitFor = (predicate, ms = 20000) => {
    const seen = events.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { predicate, resolve };
      w.timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`no such comms event within ${ms} ms; saw ${JSON.stringify(events).slice(0, 2000)}`));
      }, ms);
      waiters.push(w);
    });
  };
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ subscribe: 'debug' }));
      ws.send(JSON.stringify({ subscribe: 'status/#' }));
      resolve({ events, waitFor, close: () => ws.terminate() });
    });
  });
}

/** A debug-sidebar event from the debug node with this name. */
const debugFrom = (name) => (event) => event.topic === 'debug' && event.data && event.data.name === name;

module.exports = { listen, debugFrom };
