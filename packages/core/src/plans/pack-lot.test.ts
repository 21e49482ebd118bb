import assert from "node:assert/strict";
import { test } from "node:test";
import { packLotAmountMinor } from "./pack-lot.ts";

test("a pack's lot is its amount plus its bonus, rounded down", () => {
  const rows: Array<[amountMinor: bigint, bonusPercent: string, lotMinor: bigint]> = [
    [1000n, "0", 1000n],
    [1000n, "10", 1100n],
    [1000n, "12.5", 1125n],
    [999n, "10", 1098n],
    [1n, "99.99", 1n],
    [3n, "33.34", 4n],
    [500n, "1000", 5500n],
  ];
  for (const [amountMinor, bonusPercent, lotMinor] of rows) {
    assert.equal(packLotAmountMinor({ amountMinor, bonusPercent }), lotMinor, `${amountMinor} + ${bonusPercent}%`);
  }
});

test("a negative or unreadable bonus is refused", () => {
  assert.throws(() => packLotAmountMinor({ amountMinor: 10n, bonusPercent: "-1" }), /must not be negative/);
  assert.throws(() => packLotAmountMinor({ amountMinor: 10n, bonusPercent: "ten" }), /not a decimal/);
});
