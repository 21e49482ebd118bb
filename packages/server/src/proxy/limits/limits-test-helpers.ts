import assert from "node:assert/strict";

/** Waits for a condition, polling; the bound is generous, for a loaded machine, and not a timing claim. */
export async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let attempt = 0; attempt < 3_000; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** A gate the fake upstream's streams wait at after their first piece, until `open`. */
export function closedGate(): { gate: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  return { gate, open };
}

/** The error a call rejects with, or a failure if it succeeds. */
export async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => assert.fail("expected the call to be refused"),
    (error: unknown) => error,
  );
}
