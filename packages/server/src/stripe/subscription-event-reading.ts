import type { PlanCatalog } from "@tollgate/core";
import type { StripeSubscriptionStatus } from "@tollgate/store";
import type Stripe from "stripe";
import { PLAN_METADATA_KEY } from "./stripe-checkout.ts";
import { ACCOUNT_METADATA_KEY } from "./stripe-customer.ts";
import { ITEM_METADATA_KEY, lookupKeyOf } from "./stripe-lookup-keys.ts";

/**
 * What one event says of a Stripe subscription, in Tollgate's terms: the subscription, its
 * account when the event names it (metadata that checkout sets) and its customer otherwise,
 * and the parts it speaks of (see `StripeSubscriptionObservation`).
 */
export interface SubscriptionEventReading {
  stripeSubscriptionId: string;
  accountId: string | null;
  customerId: string | null;
  initialPlanId: string | null;
  snapshot: { planId: string | null; cancelAtPeriodEnd: boolean } | null;
  status: StripeSubscriptionStatus | null;
}

/**
 * Stripe's subscription statuses as the ledger's: a payment outstanding (`past_due`, `unpaid`) is
 * `past_due`; `trialing` is `active`; an ended one (`canceled`, `incomplete_expired`) is
 * `canceled`. `incomplete` (the first payment not yet made) and `paused` say nothing: the
 * status stays as the other events leave it.
 */
export function ledgerStatusOf(status: Stripe.Subscription.Status): StripeSubscriptionStatus | null {
  switch (status) {
    case "active":
    case "trialing":
      return "active";
    case "past_due":
    case "unpaid":
      return "past_due";
    case "canceled":
    case "incomplete_expired":
      return "canceled";
    default:
      return null;
  }
}

/**
 * The plan a Stripe Price sells: the one whose lookup key it carries (`tollgate_plan_<id>`), or
 * whose Product or Price metadata names it (`tollgate_item: plan:<id>`), or whose
 * `stripePriceId` the configuration sets to it. Null for a Price Tollgate does not know.
 *
 * @example
 * planOfPrice(price, catalog); // "pro" for a price with lookup_key tollgate_plan_pro
 */
export function planOfPrice(price: Stripe.Price | null | undefined, catalog: PlanCatalog): string | null {
  if (!price) return null;
  const byKey = catalog.plans.find((plan) => price.lookup_key === lookupKeyOf("plan", plan.id));
  if (byKey) return byKey.id;
  const item = price.metadata?.[ITEM_METADATA_KEY];
  const byMetadata = catalog.plans.find((plan) => item === `plan:${plan.id}`);
  if (byMetadata) return byMetadata.id;
  return catalog.plans.find((plan) => plan.stripePriceId === price.id)?.id ?? null;
}

/**
 * Reads a subscription-bearing event, or returns why it is not one (a pack checkout, an invoice
 * of no subscription). A subscription event carries the subscription's whole state; an invoice
 * paid says `active`, a payment failed `past_due`; a subscription checkout names its plan.
 */
export function readSubscriptionEvent(
  event: Stripe.Event,
  catalog: PlanCatalog,
): SubscriptionEventReading | { notSubscription: string } {
  switch (event.type) {
    case "checkout.session.completed": {
      const session = event.data.object;
      const stripeSubscriptionId = idOf(session.subscription);
      if (session.mode !== "subscription" || stripeSubscriptionId === null) {
        return { notSubscription: `a ${session.mode} checkout` };
      }
      return {
        stripeSubscriptionId,
        accountId: session.metadata?.[ACCOUNT_METADATA_KEY] ?? session.client_reference_id ?? null,
        customerId: idOf(session.customer),
        initialPlanId: session.metadata?.[PLAN_METADATA_KEY] ?? null,
        snapshot: null,
        status: null,
      };
    }
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted": {
      const subscription = event.data.object;
      const planId =
        planOfPrice(subscription.items?.data?.[0]?.price, catalog) ??
        subscription.metadata?.[PLAN_METADATA_KEY] ??
        null;
      return {
        stripeSubscriptionId: subscription.id,
        accountId: subscription.metadata?.[ACCOUNT_METADATA_KEY] ?? null,
        customerId: idOf(subscription.customer),
        initialPlanId: event.type === "customer.subscription.created" ? planId : null,
        snapshot: { planId, cancelAtPeriodEnd: subscription.cancel_at_period_end === true },
        status: event.type === "customer.subscription.deleted" ? "canceled" : ledgerStatusOf(subscription.status),
      };
    }
    case "invoice.paid":
    case "invoice.payment_failed": {
      const invoice = event.data.object;
      const details = invoice.parent?.subscription_details ?? null;
      // Older API versions put the subscription on the invoice itself.
      const legacy = (invoice as unknown as { subscription?: string | { id: string } | null }).subscription;
      const stripeSubscriptionId = idOf(details?.subscription ?? legacy ?? null);
      if (stripeSubscriptionId === null) return { notSubscription: "an invoice of no subscription" };
      return {
        stripeSubscriptionId,
        accountId: details?.metadata?.[ACCOUNT_METADATA_KEY] ?? null,
        customerId: idOf(invoice.customer),
        initialPlanId: null,
        snapshot: null,
        status: event.type === "invoice.paid" ? "active" : "past_due",
      };
    }
    default:
      return { notSubscription: `a ${event.type} event` };
  }
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (typeof value === "string") return value;
  return value?.id ?? null;
}
