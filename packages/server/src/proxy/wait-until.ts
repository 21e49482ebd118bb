import assert from "node:assert/strict";

/**
 * Waits for a condition, checking it every 20 ms: the proxy settles a stream after its
 * response, off the client's path. The bound (two minutes) is generous for a loaded machine
 * and not a claim on speed; `describe` says what was awaited, and what was seen, when it fails.
 */
export async function until(
  describe: () => string,
  check: () => Promise<boolean> | boolean,
  attemptsMax = 6_000,
): Promise<void> {
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`timed out waiting for ${describe()}`);
}
