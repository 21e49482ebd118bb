import { divideRounding } from "../money.ts";

/**
 * How many of a pack's credits a refund takes back: the lot's share of the refunded part of the
 * charge, for the step of the charge's refunded total from `refundedBeforeMinor` to
 * `refundedAfterMinor` (the refund). Each total's share is rounded up, in the house's favour: a
 * customer refunded part of the price keeps the credits for the part still paid, rounded down.
 * Shares of successive refunds are differences of rounded totals, so however a charge is
 * refunded in parts, what they take back adds up to the share of the total refunded, and a full
 * refund takes back exactly the lot.
 *
 * @example
 * refundClawBackMinor({ grantedMinor: 1000n, chargeAmountMinor: 300n, refundedBeforeMinor: 0n, refundedAfterMinor: 100n }) // 334n
 * refundClawBackMinor({ grantedMinor: 1000n, chargeAmountMinor: 300n, refundedBeforeMinor: 100n, refundedAfterMinor: 300n }) // 666n
 */
export function refundClawBackMinor(input: {
  grantedMinor: bigint;
  chargeAmountMinor: bigint;
  refundedBeforeMinor: bigint;
  refundedAfterMinor: bigint;
}): bigint {
  const { grantedMinor, chargeAmountMinor, refundedBeforeMinor, refundedAfterMinor } = input;
  if (chargeAmountMinor <= 0n) throw new RangeError(`the charge's amount must be positive, got ${chargeAmountMinor}`);
  if (refundedBeforeMinor < 0n || refundedBeforeMinor > refundedAfterMinor || refundedAfterMinor > chargeAmountMinor) {
    throw new RangeError(
      `refunded totals must satisfy 0 <= ${refundedBeforeMinor} <= ${refundedAfterMinor} <= ${chargeAmountMinor}`,
    );
  }
  const shareOf = (refundedMinor: bigint) => divideRounding(grantedMinor * refundedMinor, chargeAmountMinor, "up");
  return shareOf(refundedAfterMinor) - shareOf(refundedBeforeMinor);
}
