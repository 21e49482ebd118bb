import type { PlanDefinition } from "./plan.ts";

export const SUBSCRIPTION_STATUSES = ["active", "past_due", "canceled"] as const;
/** `active` renews; `past_due` (a payment failed) keeps its period but is not renewed; `canceled` never again. */
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/**
 * One stored version of a plan: what a subscriber was sold. A changed definition in the
 * configuration is a new version; subscribers keep theirs (grandfathering) until moved.
 *
 * @example
 * const pro: PlanVersion = { planId: "pro", planVersion: 2, plan: proDefinition };
 */
export interface PlanVersion {
  planId: string;
  /** 1, 2, …: a new one for each distinct definition of the plan. */
  planVersion: number;
  plan: PlanDefinition;
}

/**
 * An account's subscription as a batch sees it, loaded under the account's row lock with the
 * rest of its state: the renewal step reads and advances it in the same transaction as the
 * grants it makes, so a period is granted once however many instances renew.
 *
 * @example
 * if (state.subscription?.status === "active" && state.subscription.periodEnd <= ctx.now) renewSubscription(ctx, state);
 */
export interface SubscriptionState extends PlanVersion {
  subscriptionId: string;
  status: SubscriptionStatus;
  /** Where anniversary periods are counted from (the subscription's start, or its last change of period rule). */
  anchorAt: Date;
  /** The current period, [periodStart, periodEnd). */
  periodStart: Date;
  periodEnd: Date;
  /** A downgrade that takes effect when the current period ends. */
  pendingChange: PlanVersion | null;
  /** Canceled when the current period ends: no renewal then. */
  cancelAtPeriodEnd: boolean;
  canceledAt: Date | null;
  createdAt: Date;
  /** Counts the subscription's changes, for readers that compare before they act. */
  version: number;
}

/**
 * A subscription as operations report it: the plan by id and version, without its definition.
 *
 * @example
 * const view = subscriptionView(state.subscription); // { planId: "pro", planVersion: 2, status: "active", … }
 */
export interface SubscriptionView {
  subscriptionId: string;
  planId: string;
  planVersion: number;
  status: SubscriptionStatus;
  anchorAt: Date;
  periodStart: Date;
  periodEnd: Date;
  pendingChange: { planId: string; planVersion: number } | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: Date | null;
  version: number;
}

/**
 * The plan whose rules (access, overage) bind the account now: its subscription's version while
 * active or past due (a failed payment does not lift the plan's limits); none once canceled or
 * without a subscription, and then no plan restricts it.
 *
 * @example
 * const plan = planInForce(state.subscription); // null: no plan restriction
 */
export function planInForce(
  subscription: Pick<SubscriptionState, "status" | "plan"> | null | undefined,
): PlanDefinition | null {
  if (!subscription || subscription.status === "canceled") return null;
  return subscription.plan;
}

/** The outside view of a subscription (see `SubscriptionView`). */
export function subscriptionView(subscription: SubscriptionState): SubscriptionView {
  const { pendingChange } = subscription;
  return {
    subscriptionId: subscription.subscriptionId,
    planId: subscription.planId,
    planVersion: subscription.planVersion,
    status: subscription.status,
    anchorAt: subscription.anchorAt,
    periodStart: subscription.periodStart,
    periodEnd: subscription.periodEnd,
    pendingChange: pendingChange && { planId: pendingChange.planId, planVersion: pendingChange.planVersion },
    cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    canceledAt: subscription.canceledAt,
    version: subscription.version,
  };
}
