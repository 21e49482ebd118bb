import { type AccountState, type BatchContext, markSubscription } from "../account-state.ts";
import type { SubscribeOperation, SubscriptionOutcome } from "../operations.ts";
import { fail, type Result } from "../result-codes.ts";
import { checkBalanceLimit } from "../rules/checks.ts";
import { periodContaining } from "./periods.ts";
import { grantPeriod } from "./renew.ts";
import type { SubscriptionState } from "./subscription.ts";
import { allocationByUnit, checkPlan, subscriptionSuccess } from "./subscription-checks.ts";

/**
 * Subscribes the account: its current period is the one of the plan's rule containing now
 * (counted from `anchorAt`, now by default), and that period's allocation is granted at once,
 * under the period's grant keys, so the renewal that follows never grants it again.
 * A guest may be subscribed to a free plan (no price: a free tier) but not to one that is sold.
 */
export function applySubscribe(
  ctx: BatchContext,
  state: AccountState,
  op: SubscribeOperation,
): Result<SubscriptionOutcome> {
  const badPlan = checkPlan(ctx, op.plan, op.planVersion);
  if (badPlan) return badPlan;
  const anchorAt = op.anchorAt ?? ctx.now;
  if (!(anchorAt instanceof Date) || Number.isNaN(anchorAt.getTime()) || anchorAt.getTime() > ctx.now.getTime()) {
    return fail("invalid_anchor", { message: "a subscription's anchor is a date no later than now" });
  }
  if (state.account.type === "guest" && op.plan.price !== null) {
    return fail("guest_cannot_purchase", { message: "guests may be subscribed to free plans only" });
  }
  if (state.subscription && state.subscription.status !== "canceled") {
    return fail("already_subscribed", {
      message: `the account is subscribed to "${state.subscription.planId}"; change its plan instead`,
    });
  }
  for (const [unit, amountMinor] of allocationByUnit(op.plan)) {
    const overLimit = checkBalanceLimit(state, unit, amountMinor);
    if (overLimit) return overLimit;
  }

  const period = periodContaining(op.plan.period, anchorAt, ctx.now);
  const subscription: SubscriptionState = {
    subscriptionId: ctx.newId("subscription"),
    planId: op.plan.id,
    planVersion: op.planVersion,
    plan: op.plan,
    status: "active",
    anchorAt,
    periodStart: period.start,
    periodEnd: period.end,
    pendingChange: null,
    cancelAtPeriodEnd: false,
    canceledAt: null,
    createdAt: ctx.now,
    version: 0,
  };
  state.subscription = subscription;
  markSubscription(ctx, state);
  return subscriptionSuccess(
    ctx,
    state,
    grantPeriod(ctx, state, subscription, period, { dateLotsAtPeriodStart: false }),
  );
}
