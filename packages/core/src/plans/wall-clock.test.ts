import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { instantAtLocal, localMsAt } from "./wall-clock.ts";

const HOUR_MS = 3_600_000;

describe("wall-clock readings", () => {
  test("a reading is remembered per zone: the same second reads differently in Paris and Tokyo, every time", () => {
    const instant = Date.UTC(2027, 0, 15, 12, 0, 0, 250);
    for (let round = 0; round < 3; round++) {
      assert.equal(localMsAt("Europe/Paris", instant), instant + HOUR_MS);
      assert.equal(localMsAt("Asia/Tokyo", instant), instant + 9 * HOUR_MS);
      assert.equal(localMsAt("UTC", instant), instant);
    }
  });

  test("the milliseconds of an instant carry over, whether its second was read before or not", () => {
    const second = Date.UTC(2027, 6, 1, 10, 0, 0);
    assert.equal(localMsAt("Europe/Paris", second + 1), second + 2 * HOUR_MS + 1);
    assert.equal(localMsAt("Europe/Paris", second + 999), second + 2 * HOUR_MS + 999);
    assert.equal(instantAtLocal("Europe/Paris", second + 2 * HOUR_MS + 999), second + 999);
  });

  test("past the bound on remembered readings, readings stay right", () => {
    // 51,000 distinct seconds, more than the 50,000 remembered: the memo empties and fills again.
    const start = Date.UTC(2026, 2, 29, 0, 0, 0);
    for (let index = 0; index < 51_000; index++) {
      const instant = start + index * 1000;
      // Paris is +01:00 until 01:00 UTC on 29 March 2026, +02:00 from then on.
      const offset = instant < Date.UTC(2026, 2, 29, 1) ? HOUR_MS : 2 * HOUR_MS;
      if (localMsAt("Europe/Paris", instant) !== instant + offset) assert.fail(`wrong reading at ${index}`);
    }
    assert.equal(localMsAt("Europe/Paris", start), start + HOUR_MS, "the first reading, read again");
  });
});
