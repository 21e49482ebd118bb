import assert from "node:assert/strict";
import { test } from "node:test";
import { balanceLevel, compareDecimals } from "./balance-level.ts";
import { formatAmount } from "./format-amount.ts";

test("levels: depleted at zero or below, low under the threshold, exactly", () => {
  assert.equal(balanceLevel("0", "10"), "depleted");
  assert.equal(balanceLevel("-0.01", null), "depleted");
  assert.equal(balanceLevel("9.99", "10"), "low");
  assert.equal(balanceLevel("10", "10"), "ok");
  assert.equal(balanceLevel("0.000001", null), "ok");
  // Beyond 2^53: a float would call these equal.
  assert.equal(compareDecimals("9007199254740993", "9007199254740992"), 1);
  assert.throws(() => compareDecimals("1e3", "0"), /not a decimal amount/);
});

test("amounts are grouped without passing through a float", () => {
  assert.equal(formatAmount("12345678901234567890.25", "en-US"), "12,345,678,901,234,567,890.25");
  assert.equal(formatAmount("-5", "en-US"), "-5");
});
