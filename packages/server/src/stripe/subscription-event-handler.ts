import { StripeSubscriptions } from "@tollgate/store";
import type Stripe from "stripe";
import { grantPurchasedPack } from "./pack-purchase-handler.ts";
import type { StripeEventContext, StripeEventEffect } from "./stripe-event-handlers.ts";
import { readSubscriptionEvent } from "./subscription-event-reading.ts";
import { syncStripeSubscription } from "./subscription-sync.ts";

/**
 * How many times one delivery brings the ledger to its subscription's row when newer events keep
 * changing the row meanwhile (another instance): each round reads the newest row, so the last
 * round to finish applies the newest state. A limit on everything.
 */
const SYNC_ROUNDS_MAX = 5;

/**
 * A subscription-bearing event (checkout.session.completed in subscription mode,
 * customer.subscription.created|updated|deleted, invoice.paid, invoice.payment_failed): what it
 * says is recorded in `stripe_subscriptions` where it is newer than what the row has (the
 * ordering rule: docs/operating/stripe.md), then the account's ledger subscription is brought
 * to the row's state (`syncStripeSubscription`). So an older event never overwrites a newer one,
 * a redelivery changes nothing, and events that arrive before the subscription's first are kept
 * and applied when it starts. Events of one Stripe subscription are applied one at a time in
 * this process; another instance's are caught up with by re-reading the row.
 *
 * @example
 * await applySubscriptionEvent(event, { ledger, catalog, locks }); // { outcome: "processed", … }
 */
export async function applySubscriptionEvent(
  event: Stripe.Event,
  context: StripeEventContext,
): Promise<StripeEventEffect> {
  const reading = readSubscriptionEvent(event, context.catalog);
  if ("notSubscription" in reading) {
    return { outcome: "ignored", detail: `${reading.notSubscription}: not a subscription's`, accountId: null };
  }
  const subscriptions = new StripeSubscriptions(context.ledger.sql);
  const named = reading.accountId;
  const accountId =
    named ?? (reading.customerId === null ? null : await subscriptions.accountOfCustomer(reading.customerId));
  if (accountId === null || !accountId.startsWith("acct_")) {
    return {
      outcome: "ignored",
      detail: `subscription ${reading.stripeSubscriptionId} names no Tollgate account (metadata.tollgate_account_id, or a known customer)`,
      accountId: null,
    };
  }
  return context.locks.run(reading.stripeSubscriptionId, async () => {
    const observed = await subscriptions.observe({
      stripeSubscriptionId: reading.stripeSubscriptionId,
      accountId,
      eventId: event.id,
      eventCreated: new Date(event.created * 1000),
      initialPlanId: reading.initialPlanId,
      snapshot: reading.snapshot,
      status: reading.status,
      now: context.ledger.now(),
    });
    let row = observed.row;
    const older = observed.changed ? "" : "older than what is recorded, or already recorded: ";
    for (let round = 1; ; round++) {
      const synced = await syncStripeSubscription({ ...context, subscriptions }, row);
      const latest = await subscriptions.get(row.stripeSubscriptionId);
      if (!latest || latest.version === row.version || round === SYNC_ROUNDS_MAX) {
        return { outcome: synced.outcome, detail: `${older}${synced.detail}`, accountId: row.accountId };
      }
      row = latest;
    }
  });
}

/**
 * `checkout.session.completed`: a subscription checkout starts its subscription
 * (`applySubscriptionEvent`), a pack checkout grants its pack (`grantPurchasedPack`).
 */
export async function completeCheckout(event: Stripe.Event, context: StripeEventContext): Promise<StripeEventEffect> {
  const session = event.data.object as Stripe.Checkout.Session;
  return session.mode === "subscription" ? applySubscriptionEvent(event, context) : grantPurchasedPack(event, context);
}
