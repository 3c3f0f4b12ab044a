// The flows `npm start` deploys (the examples, in the order a new user wants them, the
// first tab saying what to click) and how they join the flows a user already has in the
// demo folder: the user's work is kept across restarts (CONTRACT.md, "npm start").
const fs = require('node:fs');
const path = require('node:path');

/** Example tabs first to last: export data, then where its rows go, then the building blocks. */
const TAB_ORDER = [
  'export-open-orders',
  'export-csv-to-file',
  'export-rows-to-mqtt',
  'export-to-webhook',
  'export-changes-to-database',
  'job-status',
  'wait-for-job',
  'progress-display',
  'rerun-job',
  'rerun-failed-jobs',
  'job-events-alert-on-failed-jobs',
  'job-events-fetch-completed-exports',
  'fetch-output',
  'aims360-request',
];
const FIRST_TAB = `tab-${TAB_ORDER[0]}`;
const FIRST_TAB_LABEL = 'Start here: export data';
/** The first example moves down by this much, under the start-here comments. */
const GUIDE_HEIGHT = 140;

/** Where the demo remembers what it last wrote into flows.json for each example node. */
const RECORD_FILE = '.aims360-demo-examples.json';

/** The demo's guidance on the first tab: one comment per line, the whole story in the first one's info. */
function startHere(tabId) {
  const lines = [
    ['Start here: click the button left of "export open orders" below', [
      'This demo runs against the AIMS360 simulator that `npm start` started: nothing here needs an AIMS360 account.',
      '',
      '1. Click the square button at the left of *export open orders*. The *export data* node starts an export of',
      '   the view *Orders / Open Orders*, waits for the job (its status shows it) and hands on the rows.',
      '2. The rows appear in the **debug** tab of the sidebar on the right, in about 15 seconds.',
      '3. The next tabs send the same rows to a CSV file, to MQTT, to a webhook and to a database; after them come the building',
      '   blocks (job status, wait for job, rerun job, fetch output, aims360 request).',
      '',
      'The **AIMS360** tab beside the debug tab lists the account\'s jobs: rerun a failed one, download an output.',
      '',
      'What you build here is kept when you stop and start `npm start` again. The examples are added back where',
      'missing and never overwrite a copy you changed; `npm start -- --reset-examples` (or',
      '`AIMS360_DEMO_EXAMPLES=reset npm start`) puts this version\'s examples back, keeping your previous flows',
      'in a backup file in the demo folder (`.demo/`).',
    ].join('\n')],
    ['Its rows show in the debug tab on the right (in about 15 s)', ''],
    ['Next tabs: the rows to a file, MQTT, a webhook; then the building blocks', ''],
    ['The AIMS360 tab, beside debug, lists the jobs: rerun, download output', ''],
  ];
  return lines.map(([name, info], i) => ({
    id: `aims360-demo-start-here-${i + 1}`,
    type: 'comment',
    z: tabId,
    name,
    info,
    // Left-aligned: Node-RED places a node by its centre, and a comment is about 6.2 px a character wide, plus its icon.
    x: Math.round(40 + (name.length * 6.2 + 50) / 2),
    y: 40 + i * 30,
    wires: [],
  }));
}

/**
 * The demo's flows from the examples' ({ flows, credentials } of example-flows.cjs): tabs in
 * TAB_ORDER (others after them), the first one labelled "Start here" with the guidance above its
 * example, config nodes last.
 */
function demoFlows({ flows, credentials }) {
  const tabs = flows.filter((n) => n.type === 'tab');
  const rank = (tab) => {
    const i = TAB_ORDER.indexOf(tab.id.replace(/^tab-/, ''));
    return i === -1 ? TAB_ORDER.length : i;
  };
  const ordered = [...tabs].sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
  const out = [];
  for (const tab of ordered) {
    const first = tab.id === FIRST_TAB;
    out.push(first ? { ...tab, label: FIRST_TAB_LABEL } : tab);
    if (first) out.push(...startHere(tab.id));
    for (const node of flows.filter((n) => n.z === tab.id)) out.push(first ? { ...node, y: node.y + GUIDE_HEIGHT } : node);
  }
  out.push(...flows.filter((n) => n.type !== 'tab' && !n.z));
  return { flows: out, credentials };
}

/** Properties the demo sets for this machine (the simulator's URL, the webhook's port, the broker's port). */
const LOCAL = {
  'aims360-config': ['baseUrl'],
  'http request': ['url'],
  'mqtt-broker': ['broker', 'port', 'autoConnect'],
  // Disabled when npm start has no database.
  mysql: ['d'],
};

const isEmpty = (v) => v === undefined || v === null || v === '' || v === false
  || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);

const canonical = (v) => JSON.stringify(v, (_, x) => (x && typeof x === 'object' && !Array.isArray(x)
  ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));

/**
 * Is `node` the same as `shipped`, but for the keys in `skip`? The editor writes every
 * property of a node on Deploy, in its own order, adding empty ones an example leaves out
 * (a tab's `info: ""`, `env: []`): those do not count as a change.
 */
function sameNode(node, shipped, skip = []) {
  if (!node || !shipped) return false;
  const keys = new Set([...Object.keys(node), ...Object.keys(shipped)]);
  for (const key of keys) {
    if (skip.includes(key)) continue;
    if (!(key in shipped)) {
      if (!isEmpty(node[key])) return false;
    } else if (canonical(node[key]) !== canonical(shipped[key])) {
      return false;
    }
  }
  return true;
}

const localKeys = (node) => LOCAL[node.type] || [];

/**
 * Joins the shipped flows into the user's. Per example node (by id):
 * - missing: added (a tab before the next example tab the user has, so the order holds);
 * - as shipped: left alone;
 * - as the demo last wrote it (`record`), shipped since in another version: replaced, "refreshed",
 *   unless only this machine's properties moved (the simulator's or broker's port): updated quietly;
 * - changed by the user: kept, and listed in `kept` when this version ships something else;
 * - with `reset`: replaced by the shipped version whatever the user did ("refreshed").
 * Nodes the user added are kept as they are, and so are their credentials; an example's
 * credentials are the shipped ones unless the user changed them.
 * Returns { flows, credentials, record, added, refreshed, kept } (ids).
 */
function mergeFlows({ shipped, user = [], userCredentials = {}, record, reset = false }) {
  const last = (record && record.nodes) || {};
  const lastCredentials = (record && record.credentials) || {};
  const flows = user.map((n) => ({ ...n }));
  const index = () => new Map(flows.map((n, i) => [n.id, i]));
  const added = [];
  const refreshed = [];
  const kept = [];
  const shippedTabs = shipped.flows.filter((n) => n.type === 'tab').map((n) => n.id);
  for (const node of shipped.flows) {
    const at = index().get(node.id);
    if (at === undefined) {
      added.push(node.id);
      const later = node.type === 'tab' ? shippedTabs.slice(shippedTabs.indexOf(node.id) + 1).map((id) => index().get(id)).find((i) => i !== undefined) : undefined;
      if (later === undefined) flows.push(node);
      else flows.splice(later, 0, node);
      continue;
    }
    const mine = flows[at];
    if (sameNode(mine, node)) continue;
    if (reset) {
      flows[at] = node;
      refreshed.push(node.id);
    } else if (sameNode(mine, last[node.id])) {
      flows[at] = node;
      if (!sameNode(mine, node, localKeys(node))) refreshed.push(node.id);
    } else if (sameNode(mine, last[node.id], localKeys(node)) && sameNode(mine, node, localKeys(node))) {
      // The user changed only what the demo sets for this machine (say, their broker's port).
      continue;
    } else if (!sameNode(node, last[node.id])) {
      kept.push(node.id);
    }
  }
  const credentials = { ...userCredentials };
  for (const [id, shippedCredentials] of Object.entries(shipped.credentials)) {
    const mine = userCredentials[id];
    if (!mine || reset || canonical(mine) === canonical(lastCredentials[id])) credentials[id] = shippedCredentials;
  }
  const newRecord = { nodes: Object.fromEntries(shipped.flows.map((n) => [n.id, n])), credentials: shipped.credentials };
  return { flows, credentials, record: newRecord, added, refreshed, kept };
}

const readJson = (file, fallback) => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : fallback);

/**
 * Writes the demo's flows into `userDir`, joined with what is there (see mergeFlows), and
 * keeps a copy of the previous flows and credentials when an example was refreshed.
 * `previous`: what an earlier demo wrote, for a folder it left without a record.
 * Returns what mergeFlows did, and `backup`: the backup file, if one was written.
 */
function writeDemoFlows(userDir, shipped, { reset = false, previous, now = new Date() } = {}) {
  const flowsFile = path.join(userDir, 'flows.json');
  const credentialsFile = path.join(userDir, 'flows_cred.json');
  const recordFile = path.join(userDir, RECORD_FILE);
  const user = readJson(flowsFile, []);
  const userCredentials = readJson(credentialsFile, {});
  const result = mergeFlows({ shipped, user, userCredentials, record: readJson(recordFile, previous), reset });
  let backup;
  if (result.refreshed.length > 0) {
    const stamp = now.toISOString().replace(/[:.]/g, '-');
    backup = path.join(userDir, `flows-backup-${stamp}.json`);
    fs.copyFileSync(flowsFile, backup);
    if (fs.existsSync(credentialsFile)) fs.copyFileSync(credentialsFile, path.join(userDir, `flows_cred-backup-${stamp}.json`));
  }
  fs.writeFileSync(flowsFile, JSON.stringify(result.flows, null, 2));
  fs.writeFileSync(credentialsFile, JSON.stringify(result.credentials, null, 2));
  fs.writeFileSync(recordFile, JSON.stringify(result.record, null, 2));
  return { ...result, backup };
}

/** "tab-job-status (3 nodes)"-style list: the tabs that hold these node ids. */
function describeNodes(ids, flows) {
  const byId = new Map(flows.map((n) => [n.id, n]));
  const tabs = new Map();
  for (const id of ids) {
    const node = byId.get(id);
    const tab = node && (node.type === 'tab' ? node : byId.get(node.z));
    const label = tab ? tab.label : 'config nodes';
    tabs.set(label, (tabs.get(label) || 0) + 1);
  }
  return [...tabs].map(([label, n]) => `${label} (${n} node${n === 1 ? '' : 's'})`).join(', ');
}

module.exports = { TAB_ORDER, FIRST_TAB, FIRST_TAB_LABEL, RECORD_FILE, demoFlows, mergeFlows, writeDemoFlows, describeNodes, sameNode };
