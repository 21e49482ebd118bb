import type { AccountState } from "../account-state.ts";
import { maxBigint } from "../money.ts";
import { planInForce } from "./subscription.ts";

/**
 * How far below zero the plan in force lets the account's `available` go in `unit` on a charge or
 * a settlement: its `overage` limit in that unit, 0 when the plan blocks, is in another unit, or
 * there is no plan in force. What goes below zero is recorded debt, repaid by the next grants.
 *
 * @example
 * planOverageMinor(state, "credits"); // 200n on a plan with { policy: "allow", unit: "credits", limitMinor: 200n }
 */
export function planOverageMinor(state: AccountState, unit: string): bigint {
  const overage = planInForce(state.subscription)?.overage;
  return overage?.policy === "allow" && overage.unit === unit ? overage.limitMinor : 0n;
}

/**
 * What a settlement may overrun its hold into: the larger of the account's own overdraft limit
 * and its plan's overage in the unit. The larger, not the sum: both say how far below zero the
 * account may go, and a deployment that sets both means the more generous one.
 *
 * @example
 * settlementAllowanceMinor(state, "credits"); // max(account overdraft, plan overage)
 */
export function settlementAllowanceMinor(state: AccountState, unit: string): bigint {
  return maxBigint(state.account.overdraftLimitMinor, planOverageMinor(state, unit));
}
