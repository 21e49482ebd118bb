import { divideRounding } from "../money.ts";
import { parseDecimal } from "../pricing/decimal.ts";
import type { PackDefinition } from "./plan.ts";

/**
 * What one purchase of a pack grants: its amount plus its bonus, the bonus rounded down (in
 * the operator's favour: a fraction of a minor unit is never given away). A bonus that is not a
 * decimal from 0 up is a programmer error here (the configuration refuses it first).
 *
 * @example
 * packLotAmountMinor({ amountMinor: 1000n, bonusPercent: "12.5" }) // 1125n
 * packLotAmountMinor({ amountMinor: 999n, bonusPercent: "10" }) // 1098n (99.9 rounded down)
 */
export function packLotAmountMinor(pack: Pick<PackDefinition, "amountMinor" | "bonusPercent">): bigint {
  const bonus = parseDecimal(pack.bonusPercent);
  if (bonus.numerator < 0n) throw new RangeError(`a pack's bonus must not be negative, got "${pack.bonusPercent}"`);
  return pack.amountMinor + divideRounding(pack.amountMinor * bonus.numerator, bonus.denominator * 100n, "down");
}
