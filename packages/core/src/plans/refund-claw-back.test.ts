import assert from "node:assert/strict";
import { test } from "node:test";
import { refundClawBackMinor } from "./refund-claw-back.ts";

test("a refund takes back the lot's share of it, rounded up (in the house's favour)", () => {
  const rows: Array<[granted: bigint, charge: bigint, before: bigint, after: bigint, taken: bigint]> = [
    [1000n, 1000n, 0n, 1000n, 1000n],
    [1000n, 300n, 0n, 100n, 334n],
    [1000n, 300n, 100n, 300n, 666n],
    [1100n, 999n, 0n, 1n, 2n],
    [5n, 1000n, 0n, 1n, 1n],
    [7n, 3n, 2n, 2n, 0n],
  ];
  for (const [grantedMinor, chargeAmountMinor, refundedBeforeMinor, refundedAfterMinor, taken] of rows) {
    assert.equal(
      refundClawBackMinor({ grantedMinor, chargeAmountMinor, refundedBeforeMinor, refundedAfterMinor }),
      taken,
      `${grantedMinor} granted, ${refundedBeforeMinor}→${refundedAfterMinor} of ${chargeAmountMinor}`,
    );
  }
});

test("refunds in any number of parts add up to the share of the total, and a full refund to the lot", () => {
  const grantedMinor = 1234n;
  const chargeAmountMinor = 997n;
  const steps = [0n, 1n, 2n, 333n, 500n, 996n, 997n];
  let total = 0n;
  for (let index = 1; index < steps.length; index++) {
    total += refundClawBackMinor({
      grantedMinor,
      chargeAmountMinor,
      refundedBeforeMinor: steps[index - 1] as bigint,
      refundedAfterMinor: steps[index] as bigint,
    });
  }
  assert.equal(total, grantedMinor);
});

test("totals out of order or beyond the charge are programmer errors", () => {
  const base = { grantedMinor: 10n, chargeAmountMinor: 10n };
  assert.throws(() => refundClawBackMinor({ ...base, refundedBeforeMinor: 5n, refundedAfterMinor: 4n }), RangeError);
  assert.throws(() => refundClawBackMinor({ ...base, refundedBeforeMinor: 0n, refundedAfterMinor: 11n }), RangeError);
  assert.throws(
    () =>
      refundClawBackMinor({
        grantedMinor: 10n,
        chargeAmountMinor: 0n,
        refundedBeforeMinor: 0n,
        refundedAfterMinor: 0n,
      }),
    RangeError,
  );
});
