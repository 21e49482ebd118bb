import type { PlanCatalog } from "@tollgate/core";
import { type AutoTopUpCrossing, AutoTopUps, type Ledger, StripeCustomers } from "@tollgate/store";
import Stripe from "stripe";
import { type BackgroundLoop, startBackgroundLoop } from "../background-loop.ts";
import type { Logger } from "../logger.ts";
import { PACK_METADATA_KEY } from "./stripe-checkout.ts";
import { ACCOUNT_METADATA_KEY } from "./stripe-customer.ts";

/** Names the crossing a payment intent pays for: how its webhook finds the crossing to end. */
export const AUTO_TOP_UP_METADATA_KEY = "tollgate_auto_top_up";

/** The most crossings one pass asks Stripe about; a full pass runs the next one at once. */
const CROSSINGS_PER_PASS_MAX = 20;
/** How long a claimed crossing without an answer from Stripe waits before it is asked again (same key). */
const CLAIM_LEASE_MS = 5 * 60_000;

export interface AutoTopUpDeps {
  ledger: Ledger;
  stripe: Stripe;
  catalog: PlanCatalog;
  logger: Logger;
}

/**
 * Asks Stripe, in the background and never in a request, to pay for each automatic top-up whose
 * account crossed below its threshold: a PaymentIntent for the pack's price, off-session and
 * confirmed at once with the saved payment method of the account's Stripe customer, under the
 * idempotency key `tollgate_auto_top_up_<crossing id>`. The pack is granted by the
 * `payment_intent.succeeded` webhook (auto-top-up-handlers.ts). A refusal (no customer, no saved
 * payment method, a declined card) ends the crossing `failed` with why, and is not retried: the
 * next crossing tries again. Any number of instances may run it (`for update skip locked`).
 *
 * @example
 * const job = startAutoTopUpJob({ ledger, stripe, catalog, logger }, { intervalMs: 1000 });
 * await job.stop();
 */
export function startAutoTopUpJob(deps: AutoTopUpDeps, options: { intervalMs?: number } = {}): BackgroundLoop {
  return startBackgroundLoop({
    name: "automatic top-up",
    intervalMs: options.intervalMs ?? 1000,
    logger: deps.logger,
    pass: async () => (await runAutoTopUpPass(deps)) >= CROSSINGS_PER_PASS_MAX,
  });
}

/** One pass: claims due crossings and asks Stripe for each payment; returns how many it claimed. */
export async function runAutoTopUpPass(deps: AutoTopUpDeps): Promise<number> {
  const topUps = new AutoTopUps(deps.ledger.sql);
  const due = await topUps.claimDue({ now: deps.ledger.now(), limit: CROSSINGS_PER_PASS_MAX, leaseMs: CLAIM_LEASE_MS });
  for (const crossing of due) {
    const failure = await requestPayment(deps, topUps, crossing);
    if (failure !== null) {
      await topUps.end({ crossingId: crossing.crossingId, status: "failed", detail: failure, now: deps.ledger.now() });
      deps.logger.warn("automatic top-up failed", { accountId: crossing.accountId, detail: failure });
    }
  }
  return due.length;
}

/** Makes the crossing's payment intent; returns why it cannot be paid, or null (asked, or to ask again). */
async function requestPayment(
  deps: AutoTopUpDeps,
  topUps: AutoTopUps,
  crossing: AutoTopUpCrossing,
): Promise<string | null> {
  const pack = deps.catalog.packs.find((candidate) => candidate.id === crossing.packId);
  if (!pack) return `pack ${crossing.packId} is not in the configuration`;
  if (!pack.price) return `pack ${crossing.packId} has no price`;
  const customer = await new StripeCustomers(deps.ledger.sql).find(crossing.accountId);
  if (customer === null) return "the account has no Stripe customer: it has never checked out";
  try {
    const paymentMethod = await savedPaymentMethod(deps.stripe, customer);
    if (paymentMethod === null) return `Stripe customer ${customer} has no saved payment method`;
    const intent = await deps.stripe.paymentIntents.create(
      {
        amount: Number(pack.price.amountMinor),
        currency: pack.price.currency,
        customer,
        payment_method: paymentMethod,
        off_session: true,
        confirm: true,
        description: `Automatic top-up: ${pack.name}`,
        metadata: {
          [ACCOUNT_METADATA_KEY]: crossing.accountId,
          [PACK_METADATA_KEY]: pack.id,
          [AUTO_TOP_UP_METADATA_KEY]: crossing.crossingId,
        },
      },
      { idempotencyKey: `tollgate_auto_top_up_${crossing.crossingId}` },
    );
    await topUps.requested({ crossingId: crossing.crossingId, paymentIntentId: intent.id, now: deps.ledger.now() });
    if (intent.status === "requires_action" || intent.status === "requires_payment_method") {
      return `payment intent ${intent.id} is ${intent.status}: the customer must pay on-session`;
    }
    return null;
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    // Not reached, or Stripe failed: the claim's lease runs out and the next pass asks again.
    if (error.type === "StripeConnectionError" || error.type === "StripeAPIError") {
      deps.logger.warn("automatic top-up: Stripe did not answer; asked again later", { accountId: crossing.accountId });
      return null;
    }
    const intentId = (error.raw as { payment_intent?: { id?: string } } | undefined)?.payment_intent?.id;
    return `Stripe refused the payment${intentId ? ` ${intentId}` : ""}: ${error.message}${error.code ? ` (${error.code})` : ""}`;
  }
}

/** The customer's default payment method, else its first saved one, else null. */
async function savedPaymentMethod(stripe: Stripe, customerId: string): Promise<string | null> {
  const customer = await stripe.customers.retrieve(customerId);
  if (!customer.deleted) {
    const chosen = customer.invoice_settings?.default_payment_method;
    if (chosen) return typeof chosen === "string" ? chosen : chosen.id;
  }
  const saved = await stripe.customers.listPaymentMethods(customerId, { limit: 1 });
  return saved.data[0]?.id ?? null;
}
