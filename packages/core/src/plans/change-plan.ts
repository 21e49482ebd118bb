import { type AccountState, type BatchContext, markSubscription } from "../account-state.ts";
import type { ChangePlanOperation, SubscriptionOutcome } from "../operations.ts";
import { fail, type Result } from "../result-codes.ts";
import { checkBalanceLimit } from "../rules/checks.ts";
import type { PlanDefinition } from "./plan.ts";
import { grantPlanLot, upgradeGrantKey } from "./plan-grants.ts";
import { samePeriodRule } from "./renew.ts";
import type { PlanVersion, SubscriptionState } from "./subscription.ts";
import {
  allocationByUnit,
  checkPlan,
  isDowngrade,
  noSubscription,
  subscriptionSuccess,
} from "./subscription-checks.ts";

/**
 * Moves the subscription to another plan (or another version of its plan).
 *
 * - To the plan and version it is on: takes back a pending change or cancellation, or, with
 *   none, `plan_unchanged`.
 * - A downgrade (`isDowngrade`: some unit's allocation falls) follows the *current* plan's
 *   `downgrade` timing, since it is what the customer paid for that says how long it lasts:
 *   `period_end` leaves the period as it is and switches when it ends; `now` switches at once
 *   and takes nothing back.
 * - Anything else is an upgrade, applied now: per unit, the new allocation minus the old, when
 *   positive, is granted for the current period (a reset unit's lot expires with the period).
 *   The operation's idempotency key makes a replay return this result instead of granting
 *   again; each grant carries a reserved key of its own (`upgradeGrantKey`), unique per account.
 *
 * Either way a pending change or cancellation is replaced. A new period rule takes effect when
 * the current period ends, with anniversary periods counted from then.
 */
export function applyChangePlan(
  ctx: BatchContext,
  state: AccountState,
  op: ChangePlanOperation,
): Result<SubscriptionOutcome> {
  const badPlan = checkPlan(ctx, op.plan, op.planVersion);
  if (badPlan) return badPlan;
  if (state.account.type === "guest" && op.plan.price !== null) {
    return fail("guest_cannot_purchase", { message: "guests may be subscribed to free plans only" });
  }
  const subscription = state.subscription;
  if (!subscription || subscription.status === "canceled") return noSubscription();
  const same = subscription.planId === op.plan.id && subscription.planVersion === op.planVersion;
  if (same && !subscription.pendingChange && !subscription.cancelAtPeriodEnd) {
    return fail("plan_unchanged", { message: `the subscription is already on "${op.plan.id}" v${op.planVersion}` });
  }
  const downgrade = isDowngrade(subscription.plan, op.plan);
  const differences = same || downgrade ? new Map<string, bigint>() : upgradeDifferences(subscription.plan, op.plan);
  for (const [unit, amountMinor] of differences) {
    const overLimit = checkBalanceLimit(state, unit, amountMinor);
    if (overLimit) return overLimit;
  }

  subscription.pendingChange = null;
  subscription.cancelAtPeriodEnd = false;
  const target = { planId: op.plan.id, planVersion: op.planVersion, plan: op.plan };
  if (!same && downgrade && subscription.plan.downgrade === "period_end") {
    subscription.pendingChange = target;
  } else if (!same) {
    switchNow(subscription, target);
  }
  markSubscription(ctx, state);
  const transactionIds: string[] = [];
  for (const [unit, amountMinor] of differences) {
    const allocation = op.plan.allocations.find((candidate) => candidate.unit === unit);
    if (!allocation) continue;
    const lot = grantPlanLot(ctx, state, {
      subscription,
      allocation,
      amountMinor,
      periodEnd: subscription.periodEnd,
      idempotencyKey: upgradeGrantKey(subscription, unit),
    });
    if (lot) transactionIds.push(lot.transactionId);
  }
  return subscriptionSuccess(ctx, state, transactionIds);
}

/** Per unit, what the new plan allocates beyond the old one, when it does. */
function upgradeDifferences(from: PlanDefinition, to: PlanDefinition): Map<string, bigint> {
  const before = allocationByUnit(from);
  const differences = new Map<string, bigint>();
  for (const [unit, amountMinor] of allocationByUnit(to)) {
    const more = amountMinor - (before.get(unit) ?? 0n);
    if (more > 0n) differences.set(unit, more);
  }
  return differences;
}

/** Puts the subscription on `target` now; a new period rule starts counting at the current period's end. */
function switchNow(subscription: SubscriptionState, target: PlanVersion): void {
  if (!samePeriodRule(subscription.plan, target.plan)) subscription.anchorAt = subscription.periodEnd;
  subscription.planId = target.planId;
  subscription.planVersion = target.planVersion;
  subscription.plan = target.plan;
}
