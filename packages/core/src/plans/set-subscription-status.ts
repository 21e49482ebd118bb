import { type AccountState, type BatchContext, markSubscription } from "../account-state.ts";
import type { SetSubscriptionStatusOperation, SubscriptionOutcome } from "../operations.ts";
import { fail, type Result } from "../result-codes.ts";
import { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from "./subscription.ts";
import { subscriptionSuccess } from "./subscription-checks.ts";

/**
 * Whether billing may move a subscription from `from` to `to`: `active` and `past_due` move
 * both ways and to `canceled`; `canceled` is terminal (a canceled subscription is replaced by
 * a new one, never revived). Staying where it is is allowed, and changes nothing.
 *
 * @example
 * statusTransitionAllowed("past_due", "active"); // true
 * statusTransitionAllowed("canceled", "active"); // false
 */
export function statusTransitionAllowed(from: SubscriptionStatus, to: SubscriptionStatus): boolean {
  return from === to || from !== "canceled";
}

/**
 * Sets the subscription's status as billing reports it. `past_due` keeps every credit granted
 * and stops renewal (the sweep renews `active` subscriptions only), so a period that ends while
 * the payment is outstanding is not granted. Back to `active`, the sweep that follows this rule
 * in the same batch crosses the boundaries missed meanwhile and grants the current period, once:
 * its grant carries the period's key (`periodGrantKey`), which a period granted before cannot
 * take again. `canceled` ends it now (as a cancellation `now` does: nothing is taken back, a
 * pending change is dropped). From `canceled` nothing else is allowed:
 * `invalid_status_transition`. The same status again changes nothing and succeeds.
 *
 * @example
 * run(batch, { kind: "set_subscription_status", account, status: "past_due", idempotencyKey: "evt_1" });
 */
export function applySetSubscriptionStatus(
  ctx: BatchContext,
  state: AccountState,
  op: SetSubscriptionStatusOperation,
): Result<SubscriptionOutcome> {
  if (!(SUBSCRIPTION_STATUSES as readonly string[]).includes(op.status)) {
    return fail("invalid_status_transition", {
      message: `a subscription's status is one of ${SUBSCRIPTION_STATUSES.join(", ")}`,
    });
  }
  const subscription = state.subscription;
  if (!subscription) return fail("subscription_not_found", { message: "the account has no subscription" });
  if (!statusTransitionAllowed(subscription.status, op.status)) {
    return fail("invalid_status_transition", {
      message: `the subscription is ${subscription.status}, which is final; subscribe the account again instead`,
    });
  }
  if (subscription.status === op.status) return subscriptionSuccess(ctx, state, []);
  subscription.status = op.status;
  if (op.status === "canceled") {
    subscription.canceledAt = ctx.now;
    subscription.cancelAtPeriodEnd = false;
    subscription.pendingChange = null;
  }
  markSubscription(ctx, state);
  return subscriptionSuccess(ctx, state, []);
}
