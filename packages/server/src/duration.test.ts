import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDuration } from "./duration.ts";

test("durations carry their unit", () => {
  for (const [text, ms] of [
    ["500ms", 500],
    ["45s", 45_000],
    ["15m", 900_000],
    ["12h", 43_200_000],
    ["30d", 2_592_000_000],
    ["2w", 1_209_600_000],
  ] as const) {
    assert.equal(parseDuration(text), ms, text);
  }
});

test("bare numbers, zero, negatives, fractions and the absurd are refused", () => {
  for (const text of ["30", "0d", "-1d", "1.5h", "3651d", "d", "30 days"]) {
    assert.throws(() => parseDuration(text), RangeError, text);
  }
});
