// What an example flow should show in the debug sidebar when it runs against the
// demo simulator, read from the flow itself so that new examples are covered:
// - "result": a debug node on a normal path must show a message that is no error;
// - "refusal": a debug node fed by a Catch node, in an example that has a node with
//   every output left unwired (one of our calls that fails on purpose), must show an error
//   code, and not one that means the example is misconfigured;
// - "silent": any other Catch-fed debug node, and wait for job's "timed out" output.
const MISCONFIGURED = /AUTH_FAILED|NETWORK|TIMEOUT|BAD_INPUT|BAD_RESPONSE|UNTRUSTED_HOST/;
const ERROR_CODE = /[A-Z]+_[A-Z_]+/;

function expectations(flow) {
  const feeders = (id) => flow.flatMap((n) => (n.wires || []).flatMap((port, i) => (port.includes(id) ? [{ node: n, port: i }] : [])));
  const failsOnPurpose = flow.some((n) => n.type.startsWith('aims360-') && n.wires && n.wires.length > 0 && n.wires.every((port) => port.length === 0));
  return flow.filter((n) => n.type === 'debug').map((debug) => {
    const from = feeders(debug.id);
    let kind = 'result';
    if (from.some((f) => f.node.type === 'catch')) kind = failsOnPurpose ? 'refusal' : 'silent';
    else if (from.length > 0 && from.every((f) => f.node.type === 'aims360-wait-for-job' && f.port === 2)) kind = 'silent';
    return { id: debug.id, name: debug.name || debug.id, kind };
  });
}

/** Asserts a debug sidebar event (its `data`) is plausible for the expectation. */
function checkShown(expectation, data) {
  const text = typeof data.msg === 'string' ? data.msg : JSON.stringify(data.msg);
  if (expectation.kind === 'result') {
    if (data.format === 'error' || text === undefined || text === '' || text === 'undefined' || /"code":"[A-Z_]+"/.test(text)) {
      throw new Error(`${expectation.name} showed no result: ${text}`);
    }
  } else if (expectation.kind === 'refusal') {
    if (!ERROR_CODE.test(text) || MISCONFIGURED.test(text)) throw new Error(`${expectation.name} showed no deliberate refusal: ${text}`);
  } else {
    throw new Error(`${expectation.name} should stay silent, showed: ${text}`);
  }
}

/** Does this inject fire without a click: on deploy, on a repeat or on a schedule? */
const firesByItself = (node) => node.type === 'inject' && !node.d && (node.once === true || node.once === 'true' || !!node.repeat || !!node.crontab);

/** The injects a user clicks to run an example: enabled, and not fired on deploy. */
const clickedInjects = (flow) => flow.filter((n) => n.type === 'inject' && !n.d && !firesByItself(n));

/** Clicks an inject's button, as the editor does (its admin route). */
async function clickInject(editorUrl, id) {
  const res = await fetch(`${editorUrl}/inject/${id}`, { method: 'POST' });
  if (res.status !== 200) throw new Error(`inject ${id} answered ${res.status}`);
}

module.exports = { expectations, checkShown, firesByItself, clickedInjects, clickInject };
