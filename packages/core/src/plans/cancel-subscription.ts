import { type AccountState, type BatchContext, markSubscription } from "../account-state.ts";
import type { CancelSubscriptionOperation, RenewOperation, SubscriptionOutcome } from "../operations.ts";
import type { Result } from "../result-codes.ts";
import { fail } from "../result-codes.ts";
import { noSubscription, subscriptionSuccess } from "./subscription-checks.ts";

/**
 * Cancels the subscription as its plan's `cancel` timing says: `now` ends it at once,
 * `period_end` when the current period ends (asked again, it changes nothing). Nothing
 * granted is taken back: the period's reset lots expire at its end as always, and carried
 * rollover credits, which never expire, stay the account's to spend. A pending change is dropped.
 */
export function applyCancelSubscription(
  ctx: BatchContext,
  state: AccountState,
  _op: CancelSubscriptionOperation,
): Result<SubscriptionOutcome> {
  const subscription = state.subscription;
  if (!subscription || subscription.status === "canceled") return noSubscription();
  subscription.pendingChange = null;
  if (subscription.plan.cancel === "now") {
    subscription.status = "canceled";
    subscription.canceledAt = ctx.now;
    subscription.cancelAtPeriodEnd = false;
  } else {
    subscription.cancelAtPeriodEnd = true;
  }
  markSubscription(ctx, state);
  return subscriptionSuccess(ctx, state, []);
}

/**
 * Does nothing but what the sweep before it did (renew the subscription up to now): the
 * operation the renewal job or an app submits for an account whose period ended. An account
 * that never had a subscription is `subscription_not_found`; a canceled one reports itself.
 */
export function applyRenew(ctx: BatchContext, state: AccountState, _op: RenewOperation): Result<SubscriptionOutcome> {
  if (!state.subscription) return fail("subscription_not_found", { message: "the account has no subscription" });
  return subscriptionSuccess(ctx, state, []);
}
