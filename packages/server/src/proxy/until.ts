import assert from "node:assert/strict";

/**
 * Waits for a condition the test cannot be told of directly, polling: the bound is generous,
 * for a loaded machine, and is no claim about speed.
 *
 * @example
 * await until("the hold settled", async () => (await ledger.findHold(holdId))?.status === "settled");
 */
export async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let attempt = 0; attempt < 3_000; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** A gate: a promise and the function that opens it. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
