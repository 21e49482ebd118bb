import { isDowngrade, type PlanCatalog, type Result, type SubscriptionOutcome } from "@tollgate/core";
import type { Ledger, StripeSubscriptionRow, StripeSubscriptions, SubscriptionRead } from "@tollgate/store";

/** What bringing the ledger to a Stripe subscription's row did. */
export interface SubscriptionSyncOutcome {
  outcome: "processed" | "ignored" | "failed";
  /** What changed, in order, or why nothing did. */
  detail: string;
}

/**
 * Brings the account's ledger subscription to what its Stripe subscription's row says, step by
 * step, each step only when the ledger differs (so running it again changes nothing):
 *
 * 1. not subscribed yet: once the plan it started on is known, subscribe the account to it
 *    (key `stripe_subscribe_<sub>`), or move a subscription it has from elsewhere (a free
 *    default plan) to it; before that, the row waits, and nothing else happens;
 * 2. `cancel_at_period_end` taken back; the plan: a change to the row's plan (`changePlan`: an
 *    upgrade now, a downgrade as the plan says; back to the current plan takes back a pending
 *    downgrade); then `cancel_at_period_end` set (a plan cancelled `now` waits for Stripe's
 *    deletion instead);
 * 3. `active` / `past_due`: `setSubscriptionStatus` (paid again: the period is granted once);
 * 4. `canceled`: ended now, last (final: a canceled ledger subscription is left as it is).
 *
 * Each step's ledger key names the row's version and the ledger subscription's version it was
 * decided on: a retry of the same decision is a replay, and a decision made on another state is
 * a new write.
 */
export async function syncStripeSubscription(
  deps: { ledger: Ledger; catalog: PlanCatalog; subscriptions: StripeSubscriptions },
  row: StripeSubscriptionRow,
): Promise<SubscriptionSyncOutcome> {
  const { ledger, catalog } = deps;
  const account = { accountId: row.accountId };
  const done: string[] = [];
  let linked = row.ledgerSubscriptionId;
  if (linked === null) {
    if (row.initialPlanId === null) {
      return {
        outcome: "processed",
        detail:
          "recorded: applied when the subscription starts (customer.subscription.created or checkout.session.completed)",
      };
    }
    const started = await start(deps, row, row.initialPlanId);
    if (!started.ok) return { outcome: "failed", detail: started.detail };
    linked = started.subscriptionId;
    done.push(started.detail);
  }

  let current = await ledger.getSubscription(account);
  if (!current || current.subscriptionId !== linked) {
    return { outcome: "ignored", detail: "the account's subscription is no longer this Stripe subscription's" };
  }
  const keyOf = (step: string, read: SubscriptionRead) =>
    `stripe_${row.stripeSubscriptionId}_${step}_r${row.version}_l${read.version}`;
  const step = async (name: string, run: (key: string) => Promise<Result<SubscriptionOutcome>>) => {
    if (!current) return false;
    const result = await run(keyOf(name, current));
    if (!result.ok) {
      done.push(`${name} refused (${result.code})`);
      return false;
    }
    done.push(result.replayed ? `${name} (already)` : name);
    current = await ledger.getSubscription(account);
    return true;
  };

  if (current.status === "canceled") return finish(done, "the subscription is canceled (final)");
  // Taken back first, and set last: a plan change replaces a pending cancellation, and a
  // cancellation drops a pending change, so this order leaves both as the row says.
  if (row.snapshotEvent !== null && !row.cancelAtPeriodEnd && current.cancelAtPeriodEnd) {
    const plan = current.plan;
    await step("resume", (idempotencyKey) => ledger.changePlan({ account, plan, idempotencyKey }));
  }
  if (row.planId !== null && current) {
    const plan = catalog.plans.find((candidate) => candidate.id === row.planId);
    // A downgrade due at the period's end of a subscription that ends then is moot: skipping it
    // keeps the cancellation (which a plan change would replace) in any order of events.
    const moot =
      plan !== undefined &&
      row.cancelAtPeriodEnd &&
      current.plan.downgrade === "period_end" &&
      isDowngrade(current.plan, plan);
    const moving = row.planId !== current.planId && current.pendingChange?.planId !== row.planId && !moot;
    const takingBack = row.planId === current.planId && current.pendingChange !== null;
    if ((moving || takingBack) && !plan) {
      done.push(`plan ${row.planId} is not in the configuration: plan left as it is`);
    } else if (plan && (moving || takingBack)) {
      await step(`plan_${plan.id}`, (idempotencyKey) => ledger.changePlan({ account, plan, idempotencyKey }));
    }
  }
  if (row.snapshotEvent !== null && row.cancelAtPeriodEnd && current && !current.cancelAtPeriodEnd) {
    // A plan cancelled `now` would end a period the customer paid for: Stripe's deletion at the
    // period's end cancels it instead.
    if (current.plan.cancel === "period_end") {
      await step("cancel_at_period_end", (idempotencyKey) => ledger.cancelSubscription({ account, idempotencyKey }));
    }
  }
  if (current && (row.status === "active" || row.status === "past_due") && row.status !== current.status) {
    const status = row.status;
    await step(status, (idempotencyKey) => ledger.setSubscriptionStatus({ account, status, idempotencyKey }));
  }
  // Last, so what the subscription became before it ended (an upgrade) is applied whichever
  // event arrives first: the deletion's own snapshot carries the final plan.
  if (current && row.status === "canceled") {
    await step("cancel", (idempotencyKey) =>
      ledger.setSubscriptionStatus({ account, status: "canceled", idempotencyKey }),
    );
  }
  return finish(done, null);
}

function finish(done: string[], note: string | null): SubscriptionSyncOutcome {
  const refused = done.some((entry) => entry.includes("refused") || entry.includes("not in the configuration"));
  const parts = note === null ? done : [...done, note];
  return {
    outcome: refused ? "failed" : "processed",
    detail: parts.length === 0 ? "already as Stripe says" : parts.join("; "),
  };
}

/** Step 1: the account subscribed to the plan the Stripe subscription started on, and the two linked. */
async function start(
  deps: { ledger: Ledger; catalog: PlanCatalog; subscriptions: StripeSubscriptions },
  row: StripeSubscriptionRow,
  planId: string,
): Promise<{ ok: true; subscriptionId: string; detail: string } | { ok: false; detail: string }> {
  const plan = deps.catalog.plans.find((candidate) => candidate.id === planId);
  if (!plan) return { ok: false, detail: `plan ${planId} is not in the configuration: not subscribed` };
  const account = { accountId: row.accountId };
  const idempotencyKey = `stripe_subscribe_${row.stripeSubscriptionId}`;
  let result = await deps.ledger.subscribe({ account, plan, idempotencyKey });
  if (!result.ok && result.code === "already_subscribed") {
    // A subscription from elsewhere (a free default plan) is taken over by the paid one.
    result = await deps.ledger.changePlan({ account, plan, idempotencyKey: `${idempotencyKey}_change` });
    if (!result.ok && result.code === "plan_unchanged") {
      const existing = await deps.ledger.getSubscription(account);
      if (existing) return link(deps, row, existing.subscriptionId, `took over the ${planId} subscription`);
    }
  }
  if (!result.ok) return { ok: false, detail: `subscribing to ${planId} was refused (${result.code})` };
  return link(deps, row, result.value.subscription.subscriptionId, `subscribed to ${planId}`);
}

async function link(
  deps: { ledger: Ledger; subscriptions: StripeSubscriptions },
  row: StripeSubscriptionRow,
  ledgerSubscriptionId: string,
  detail: string,
): Promise<{ ok: true; subscriptionId: string; detail: string }> {
  await deps.subscriptions.recordLedgerSubscription({
    stripeSubscriptionId: row.stripeSubscriptionId,
    ledgerSubscriptionId,
    now: deps.ledger.now(),
  });
  const kept = (await deps.subscriptions.get(row.stripeSubscriptionId))?.ledgerSubscriptionId ?? ledgerSubscriptionId;
  return { ok: true, subscriptionId: kept, detail };
}
