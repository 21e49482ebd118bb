import { type AccountState, type BatchContext, peekBalanceRow } from "../account-state.ts";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import type { Lot } from "../model.ts";
import { BALANCE_MINOR_MAX, minBigint } from "../money.ts";
import { newLot, repayDebt } from "../rules/grant.ts";
import { openTransaction, postCustomerEntry, postSystemEntry } from "../rules/posting.ts";
import type { PlanAllocation } from "./plan.ts";
import type { SubscriptionState } from "./subscription.ts";

/**
 * The key of a period's allocation grant: Tollgate's own namespace (an app's keys may not start
 * with `tollgate:`), one per subscription, period and allocation. The store keeps these keys
 * unique per account, so a period granted twice by a bug fails its batch instead of paying twice.
 *
 * @example
 * periodGrantKey(subscription, period.start, 0); // "tollgate:plan:sub_0192…:2027-02-28T00:00:00.000Z:0"
 */
export function periodGrantKey(subscription: SubscriptionState, periodStart: Date, allocationIndex: number): string {
  return `${PLAN_KEY_PREFIX}${subscription.subscriptionId}:${periodStart.toISOString()}:${allocationIndex}`;
}

/**
 * The key of an upgrade's grant in one unit: the subscription's version tells one change from
 * another, so two upgrades in a period each grant their own difference, and each only once.
 *
 * @example
 * upgradeGrantKey(subscription, "credits"); // "tollgate:plan:sub_0192…:upgrade:3:credits"
 */
export function upgradeGrantKey(subscription: SubscriptionState, unit: string): string {
  return `${PLAN_KEY_PREFIX}${subscription.subscriptionId}:upgrade:${subscription.version}:${unit}`;
}

/** Where a plan's grant keys start: inside Tollgate's reserved `tollgate:` namespace. */
export const PLAN_KEY_PREFIX = "tollgate:plan:";

/**
 * Grants `amountMinor` as a lot of source `plan`: a reset allocation's lot expires when its
 * period ends (the sweep then expires what is unspent); a rollover's never does. Repays any
 * recorded debt first, as every grant does. Returns the new lot (its `transactionId` is the
 * grant's), or null when nothing was granted (a zero amount, or one that would take the balance
 * past BALANCE_MINOR_MAX, which no real plan reaches: a renewal cannot be refused, so it grants
 * nothing rather than overflow).
 */
export function grantPlanLot(
  ctx: BatchContext,
  state: AccountState,
  grant: {
    subscription: SubscriptionState;
    allocation: PlanAllocation;
    amountMinor: bigint;
    periodEnd: Date;
    idempotencyKey: string;
    /**
     * When the lot counts as granted, for the "oldest first" of spend order and of the rollover
     * cap: a renewal's lot is dated at its period's start, so lots granted while catching up
     * after downtime are ordered (and spent, and capped) as they would have been on time.
     * Now by default.
     */
    grantedAt?: Date;
  },
): Lot | null {
  const { allocation, amountMinor, subscription } = grant;
  if (amountMinor <= 0n) return null;
  if (peekBalanceRow(state, allocation.unit).balanceMinor + amountMinor > BALANCE_MINOR_MAX) return null;
  const transaction = openTransaction(ctx, {
    accountId: state.account.accountId,
    kind: "grant",
    unit: allocation.unit,
    amountMinor,
    idempotencyKey: grant.idempotencyKey,
    reason: `plan ${subscription.planId} v${subscription.planVersion}`,
  });
  const lot = newLot(ctx, state, {
    unit: allocation.unit,
    source: "plan",
    priority: ctx.config.sourcePriorities.plan,
    expiresAt: allocation.renewal === "reset" ? grant.periodEnd : null,
    transactionId: transaction.transactionId,
  });
  lot.grantedMinor = amountMinor;
  if (grant.grantedAt) lot.createdAt = grant.grantedAt;
  postCustomerEntry(ctx, state, transaction, amountMinor, lot);
  postSystemEntry(ctx, transaction, SYSTEM_ACCOUNTS.issuance, -amountMinor);
  repayDebt(ctx, state, transaction, lot);
  return lot;
}

/**
 * Caps what a rollover allocation carries into the next period: the unheld remainder of the
 * unit's plan lots that never expire (rollover lots; a reset lot has an expiry) above
 * `rolloverCapMinor` expires now, oldest lots first, in one expiry transaction. Held credits
 * are neither counted nor expired: a call in flight keeps what it reserved.
 */
export function capRollover(ctx: BatchContext, state: AccountState, allocation: PlanAllocation): void {
  if (allocation.renewal !== "rollover" || allocation.rolloverCapMinor === null) return;
  const carried = [...state.lots.values()]
    .filter((lot) => lot.unit === allocation.unit && lot.source === "plan" && lot.expiresAt === null)
    .filter((lot) => lot.remainingMinor - lot.heldMinor > 0n)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.lotId < b.lotId ? -1 : 1));
  const total = carried.reduce((sum, lot) => sum + lot.remainingMinor - lot.heldMinor, 0n);
  const overMinor = total - allocation.rolloverCapMinor;
  if (overMinor <= 0n) return;
  const transaction = openTransaction(ctx, {
    accountId: state.account.accountId,
    kind: "expiry",
    unit: allocation.unit,
    amountMinor: overMinor,
    idempotencyKey: null,
    reason: "rollover cap",
  });
  let left = overMinor;
  for (const lot of carried) {
    if (left === 0n) break;
    const take = minBigint(lot.remainingMinor - lot.heldMinor, left);
    postCustomerEntry(ctx, state, transaction, -take, lot);
    left -= take;
  }
  postSystemEntry(ctx, transaction, SYSTEM_ACCOUNTS.expiry, overMinor);
}
