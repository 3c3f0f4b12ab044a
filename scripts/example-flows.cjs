// Every example flow on a tab of its own, as Import › Examples puts it, with its config
// node pointed at an AIMS360 API (the simulator) and given a bearer token: what
// `npm start` deploys and what the test of every example deploys.
const fs = require('node:fs');
const path = require('node:path');

const EXAMPLES = path.resolve(__dirname, '..', 'examples');

/** Where the webhook example posts as it is shipped: the http in node of a Node-RED on its default port. */
const WEBHOOK_BASE = 'http://localhost:1880';

/** The example flows as they are: [{ file, flow }], by file name. */
function examples() {
  return fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort()
    .map((file) => ({ file, flow: JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) }));
}

/**
 * Resolves { flows, credentials }, credentials by node id as flows_cred.json holds them.
 * Options: `nodeRedUrl`, the Node-RED the flows run in (an http request node posting to
 * http://localhost:1880/… posts there instead, to the example's own http in node);
 * `mqtt`: { host, port } of the MQTT broker every mqtt-broker config node is pointed at.
 */
function exampleFlows(baseUrl, token, { nodeRedUrl, mqtt } = {}) {
  const flows = [];
  const credentials = {};
  const seen = new Set();
  for (const { file, flow } of examples()) {
    const name = path.basename(file, '.json');
    const tab = { id: `tab-${name}`, type: 'tab', label: name };
    flows.push(tab);
    for (const node of flow) {
      // The examples share one config node: it is deployed once.
      if (seen.has(node.id)) continue;
      seen.add(node.id);
      if (node.z) node.z = tab.id;
      if (node.type === 'aims360-config') {
        node.baseUrl = baseUrl;
        node.authType = 'token';
        credentials[node.id] = { token };
      }
      if (nodeRedUrl && node.type === 'http request' && typeof node.url === 'string' && node.url.startsWith(`${WEBHOOK_BASE}/`)) {
        node.url = nodeRedUrl.replace(/\/$/, '') + node.url.slice(WEBHOOK_BASE.length);
      }
      if (mqtt && node.type === 'mqtt-broker') {
        node.broker = mqtt.host;
        node.port = mqtt.port;
      }
      flows.push(node);
    }
  }
  return { flows, credentials };
}

module.exports = { examples, exampleFlows, WEBHOOK_BASE };
