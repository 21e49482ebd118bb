// Stripe events about subscriptions as Stripe sends them (the fields Tollgate reads, in the
// shapes of the SDK's types), signed with the SDK's own test header, for the webhook tests.
import type { PlanDefinition } from "@tollgate/core";
import Stripe from "stripe";

/** A test plan: monthly, `amountMinor` credits that reset, sold for `priceMinor` euro cents. */
export function soldPlan(id: string, amountMinor: bigint, priceMinor: bigint): PlanDefinition {
  return {
    id,
    name: id,
    period: { every: "month", anchor: "calendar", timeZone: "UTC" },
    allocations: [{ unit: "credits", amountMinor, renewal: "reset", rolloverCapMinor: null }],
    models: { allow: null, deny: [] },
    features: { allow: null, deny: [] },
    overage: { policy: "block" },
    markup: null,
    price: { amountMinor: priceMinor, currency: "eur" },
    stripePriceId: null,
    downgrade: "period_end",
    cancel: "period_end",
  };
}

export interface SubscriptionFacts {
  subscriptionId: string;
  accountId: string;
  customerId: string;
  planId: string;
  status: Stripe.Subscription.Status;
  cancelAtPeriodEnd: boolean;
}

/** A Subscription object: its Price carries the plan's lookup key, its metadata the account (as checkout sets them). */
export function subscriptionObject(facts: SubscriptionFacts) {
  return {
    id: facts.subscriptionId,
    object: "subscription",
    customer: facts.customerId,
    status: facts.status,
    cancel_at_period_end: facts.cancelAtPeriodEnd,
    metadata: { tollgate_account_id: facts.accountId, tollgate_plan: facts.planId },
    items: {
      object: "list",
      data: [
        {
          id: `si_${facts.subscriptionId.slice(4)}`,
          object: "subscription_item",
          price: {
            id: `price_${facts.planId}`,
            object: "price",
            lookup_key: `tollgate_plan_${facts.planId}`,
            metadata: {},
          },
        },
      ],
    },
  };
}

/** A subscription checkout completed, naming the account and the plan as Tollgate's checkout does. */
export function checkoutObject(facts: SubscriptionFacts, sessionId: string) {
  return {
    id: sessionId,
    object: "checkout.session",
    mode: "subscription",
    status: "complete",
    payment_status: "paid",
    customer: facts.customerId,
    subscription: facts.subscriptionId,
    client_reference_id: facts.accountId,
    metadata: { tollgate_account_id: facts.accountId, tollgate_plan: facts.planId },
  };
}

/** An invoice of the subscription (API versions from 2025: its subscription under `parent`). */
export function invoiceObject(facts: SubscriptionFacts, invoiceId: string) {
  return {
    id: invoiceId,
    object: "invoice",
    customer: facts.customerId,
    parent: {
      type: "subscription_details",
      subscription_details: {
        subscription: facts.subscriptionId,
        metadata: { tollgate_account_id: facts.accountId, tollgate_plan: facts.planId },
      },
    },
  };
}

/** An event's JSON body. */
export function eventPayload(input: { id: string; type: string; createdSeconds: number; object: unknown }): string {
  return JSON.stringify({
    id: input.id,
    object: "event",
    api_version: "2025-10-29.clover",
    type: input.type,
    created: input.createdSeconds,
    livemode: false,
    data: { object: input.object },
  });
}

/** The `Stripe-Signature` header for a payload, as Stripe would sign it now. */
export function signPayload(payload: string, secret: string, timestampSeconds: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: timestampSeconds });
}
