import { type AccountState, type BatchContext, markSubscription } from "../account-state.ts";
import { expireLot } from "../rules/expire-lots.ts";
import { type Period, periodContaining } from "./periods.ts";
import { capRollover, grantPlanLot, periodGrantKey } from "./plan-grants.ts";
import type { SubscriptionState } from "./subscription.ts";

/**
 * The most period boundaries one sweep crosses (a limit on everything): a daily plan after 90
 * days down is 90; ten thousand is 27 years of days. A subscription further behind is left
 * part-way, consistent, and the next sweep carries on from where this one stopped.
 */
export const RENEWAL_PERIODS_MAX = 10_000;

/**
 * Brings the account's subscription up to `ctx.now`, one period boundary at a time, as part
 * of `sweepAccount`: it runs under the account's row lock, in the transaction that persists
 * the advanced period, so each period is granted once on any number of instances, and a lazy
 * renewal (any operation) and the renewal job agree.
 *
 * At each boundary: a cancellation at period end takes effect (no more renewals); otherwise a
 * pending change takes effect, rollover credits above their cap expire, the next period starts
 * and its allocations are granted. Catching up after downtime writes what continuous running
 * would have: a reset allocation for a period that has already ended by now is granted under
 * its period's key and its unspent remainder expired at once (nobody could spend it), and
 * rollover allocations are granted and capped at every boundary crossed. So issuance, expiry,
 * balances and every lot equal those of renewing at each boundary.
 *
 * @example
 * ctx.now = new Date("2027-03-01T00:00:00Z");
 * renewSubscription(ctx, state); // a monthly subscription from 31 January is now in its March period
 */
export function renewSubscription(ctx: BatchContext, state: AccountState): void {
  const subscription = state.subscription;
  if (!subscription) return;
  for (let crossed = 0; crossed < RENEWAL_PERIODS_MAX; crossed++) {
    if (subscription.status !== "active" || subscription.periodEnd.getTime() > ctx.now.getTime()) return;
    crossBoundary(ctx, state, subscription);
  }
}

function crossBoundary(ctx: BatchContext, state: AccountState, subscription: SubscriptionState): void {
  const boundary = subscription.periodEnd;
  if (subscription.cancelAtPeriodEnd) {
    // Credits already granted stay: reset lots expire at their period's end as always, and
    // rollover credits (which never expire) remain the account's to spend.
    subscription.status = "canceled";
    subscription.canceledAt = boundary;
    subscription.cancelAtPeriodEnd = false;
    markSubscription(ctx, state);
    return;
  }
  // What the ending period carries over is capped by the plan it was granted under.
  for (const allocation of subscription.plan.allocations) capRollover(ctx, state, allocation);
  const pending = subscription.pendingChange;
  if (pending) {
    if (!samePeriodRule(subscription.plan, pending.plan)) subscription.anchorAt = boundary;
    subscription.planId = pending.planId;
    subscription.planVersion = pending.planVersion;
    subscription.plan = pending.plan;
    subscription.pendingChange = null;
  }
  const next = periodStartingAt(subscription, boundary);
  subscription.periodStart = next.start;
  subscription.periodEnd = next.end;
  markSubscription(ctx, state);
  grantPeriod(ctx, state, subscription, next, { dateLotsAtPeriodStart: true });
}

/**
 * The period that starts at `boundary`. When the plan's period rule changed (a calendar month
 * to a calendar week), the period containing the boundary may have started before it: the
 * first one under the new rule then starts at the boundary, so periods never overlap.
 */
export function periodStartingAt(subscription: SubscriptionState, boundary: Date): Period {
  const period = periodContaining(subscription.plan.period, subscription.anchorAt, boundary);
  if (!(period.end.getTime() > boundary.getTime())) {
    throw new Error(
      `periodContaining returned a period ending ${period.end.toISOString()} for ${boundary.toISOString()}`,
    );
  }
  return period.start.getTime() < boundary.getTime() ? { start: boundary, end: period.end } : period;
}

/**
 * Grants each allocation of the subscription's plan for `period`, keyed by period. A reset lot
 * for a period already over (catching up, see `renewSubscription`) is expired as soon as it is
 * granted, as the sweep at that period's end would have: granting it still repays debt, as it
 * would have on time. A renewal dates its lots at the period's start (see `grantPlanLot`); a
 * new subscription's first lot is dated now. Returns the grant transactions.
 */
export function grantPeriod(
  ctx: BatchContext,
  state: AccountState,
  subscription: SubscriptionState,
  period: Period,
  options: { dateLotsAtPeriodStart: boolean },
): string[] {
  const ended = period.end.getTime() <= ctx.now.getTime();
  const transactionIds: string[] = [];
  subscription.plan.allocations.forEach((allocation, index) => {
    const lot = grantPlanLot(ctx, state, {
      subscription,
      allocation,
      amountMinor: allocation.amountMinor,
      periodEnd: period.end,
      idempotencyKey: periodGrantKey(subscription, period.start, index),
      ...(options.dateLotsAtPeriodStart ? { grantedAt: period.start } : {}),
    });
    if (!lot) return;
    transactionIds.push(lot.transactionId);
    // Only a reset lot has an expiry; one for a period already over is due now.
    if (ended && lot.expiresAt !== null) expireLot(ctx, state, lot);
  });
  return transactionIds;
}

/** Whether two plans' periods fall alike, so the anchor can stay where it is. */
export function samePeriodRule(a: { period: SubscriptionState["plan"]["period"] }, b: typeof a): boolean {
  return (
    a.period.every === b.period.every && a.period.anchor === b.period.anchor && a.period.timeZone === b.period.timeZone
  );
}
