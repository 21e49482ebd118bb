import type { PlanCatalog } from "@tollgate/core";
import type { Ledger } from "@tollgate/store";
import type Stripe from "stripe";
import { grantAutoTopUp, recordFailedAutoTopUp } from "./auto-top-up-handlers.ts";
import type { KeyedMutex } from "./keyed-mutex.ts";
import { grantPurchasedPack } from "./pack-purchase-handler.ts";
import { clawBackRefundedPack } from "./refund-claw-back-handler.ts";
import { applySubscriptionEvent, completeCheckout } from "./subscription-event-handler.ts";

/** What a handler has to work with. */
export interface StripeEventContext {
  ledger: Ledger;
  catalog: PlanCatalog;
  /** One at a time per key (a Stripe subscription's events), for the life of the webhook route. */
  locks: KeyedMutex;
}

/**
 * What an event did. `failed` is for a problem a retry cannot fix (a pack no longer in the
 * configuration): recorded and answered 200. A handler that throws is recorded `failed` and
 * answered 500, so Stripe delivers the event again.
 */
export interface StripeEventEffect {
  outcome: "processed" | "ignored" | "failed";
  detail: string | null;
  accountId: string | null;
}

/**
 * One event type's effect. It must be idempotent by itself (each ledger write under a key
 * derived from the Stripe object), since a delivery that crashed part-way runs it again.
 */
export type StripeEventHandler = (event: Stripe.Event, context: StripeEventContext) => Promise<StripeEventEffect>;

/** Event type → handler; a type without one is recorded `ignored`. */
export type StripeEventHandlers = Readonly<Partial<Record<Stripe.Event.Type, StripeEventHandler>>>;

/**
 * The handlers this deployment runs: a pack's checkout paid grants the pack (at once, or when a
 * delayed payment succeeds); a refund of it claws back the unspent part; an automatic top-up's
 * payment grants its pack, or ends it failed; a subscription's checkout, its own events and its
 * invoices keep the account's subscription as Stripe says (subscription-event-handler.ts).
 *
 * @example
 * const handler = DEFAULT_STRIPE_EVENT_HANDLERS[event.type];
 */
export const DEFAULT_STRIPE_EVENT_HANDLERS: StripeEventHandlers = Object.freeze({
  "checkout.session.completed": completeCheckout,
  "checkout.session.async_payment_succeeded": grantPurchasedPack,
  "charge.refunded": clawBackRefundedPack,
  "payment_intent.succeeded": grantAutoTopUp,
  "payment_intent.payment_failed": recordFailedAutoTopUp,
  "customer.subscription.created": applySubscriptionEvent,
  "customer.subscription.updated": applySubscriptionEvent,
  "customer.subscription.deleted": applySubscriptionEvent,
  "invoice.paid": applySubscriptionEvent,
  "invoice.payment_failed": applySubscriptionEvent,
});
