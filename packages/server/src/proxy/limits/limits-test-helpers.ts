import assert from "node:assert/strict";

/** The error a call rejects with, or a failure if it succeeds. */
export async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => assert.fail("expected the call to be refused"),
    (error: unknown) => error,
  );
}
