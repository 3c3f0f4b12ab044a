// Waiting in tests without a fixed sleep: the condition, not a guess at the machine's speed.
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `check()` (sync or async) is truthy and resolves it; fails saying `what` after
 * `ms`. A check that asks a browser may ask less often (`everyMs`), not to load what it watches.
 */
async function until(check, what, ms = 20000, everyMs = 10) {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(everyMs);
  }
}

module.exports = { wait, until };
