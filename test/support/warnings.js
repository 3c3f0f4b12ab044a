// Node's MaxListenersExceededWarning, collected while a test runs: the abort-listener tests
// of the client (test/lib/client.test.js) and of handleInput (test/runtime/red.test.js).

/** Collects the MaxListenersExceededWarnings emitted while it is on. */
function leakWarnings() {
  const seen = [];
  const onWarning = (w) => w.name === 'MaxListenersExceededWarning' && seen.push(w);
  process.on('warning', onWarning);
  return { seen, stop: () => process.off('warning', onWarning) };
}

/** process.emitWarning emits on the next tick: let it come. */
const warningsEmitted = () => new Promise((resolve) => setImmediate(resolve));

module.exports = { leakWarnings, warningsEmitted };
