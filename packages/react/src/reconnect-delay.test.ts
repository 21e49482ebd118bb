import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_BACKOFF, reconnectDelayMs } from "./reconnect-delay.ts";

test("doubles from the base to the cap, jittered between a tenth and all of it", () => {
  const options = { baseMs: 500, maxMs: 30_000 };
  assert.deepEqual(
    [0, 1, 2, 3, 6, 7, 50].map((attempt) => reconnectDelayMs(attempt, options, () => 1)),
    [500, 1_000, 2_000, 4_000, 30_000, 30_000, 30_000],
  );
  assert.equal(
    reconnectDelayMs(2, options, () => 0),
    200,
  );
  assert.equal(
    reconnectDelayMs(0, DEFAULT_BACKOFF, () => 0.5),
    275,
  );
});
