import assert from "node:assert/strict";

/**
 * Waits for a condition the test cannot be told of directly (the proxy settles a stream after
 * its response, off the client's path), checking it every 20 ms. The bound (two minutes) is
 * generous for a loaded machine and no claim about speed; `what` says what was awaited (a
 * function, to say what was seen too) when it fails.
 *
 * @example
 * await until("the hold settled", async () => (await ledger.findHold(holdId))?.status === "settled");
 */
export async function until(
  what: string | (() => string),
  check: () => Promise<boolean> | boolean,
  attemptsMax = 6_000,
): Promise<void> {
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`timed out waiting for ${typeof what === "string" ? what : what()}`);
}

/** A gate: a promise and the function that opens it. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
