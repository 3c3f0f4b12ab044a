// Every example flow on a tab of its own, as Import › Examples puts it, with its config
// node pointed at an AIMS360 API (the simulator) and given a bearer token: what
// `npm start` deploys and what the test of every example deploys.
const fs = require('node:fs');
const path = require('node:path');

const EXAMPLES = path.resolve(__dirname, '..', 'examples');

/** The example flows as they are: [{ file, flow }], by file name. */
function examples() {
  return fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort()
    .map((file) => ({ file, flow: JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) }));
}

/** Resolves { flows, credentials }, credentials by node id as flows_cred.json holds them. */
function exampleFlows(baseUrl, token) {
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
      flows.push(node);
    }
  }
  return { flows, credentials };
}

module.exports = { examples, exampleFlows };
