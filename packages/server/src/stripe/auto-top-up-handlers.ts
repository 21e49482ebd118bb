import { packLotAmountMinor } from "@tollgate/core";
import { AutoTopUps, StripePackPurchases } from "@tollgate/store";
import type Stripe from "stripe";
import { AUTO_TOP_UP_METADATA_KEY } from "./auto-top-up-job.ts";
import { PACK_METADATA_KEY } from "./stripe-checkout.ts";
import { ACCOUNT_METADATA_KEY } from "./stripe-customer.ts";
import type { StripeEventContext, StripeEventEffect } from "./stripe-event-handlers.ts";

/**
 * `payment_intent.succeeded` for an automatic top-up grants its pack, like a checkout does (source
 * `pack`, the bonus rounded down, the expiry counted from the payment's creation), under the ledger
 * key `stripe_payment_intent_<id>`: once, whatever the deliveries. The purchase is kept for refunds
 * and the crossing ends `succeeded`. Payment intents Tollgate's top-up did not make (a checkout's,
 * granted by `checkout.session.completed`) are `ignored`.
 *
 * @example
 * await grantAutoTopUp(event, { ledger, catalog }); // { outcome: "processed", detail: "granted pack starter …" }
 */
export async function grantAutoTopUp(event: Stripe.Event, context: StripeEventContext): Promise<StripeEventEffect> {
  const intent = event.data.object as Stripe.PaymentIntent;
  const crossingId = intent.metadata?.[AUTO_TOP_UP_METADATA_KEY];
  const accountId = intent.metadata?.[ACCOUNT_METADATA_KEY] ?? null;
  const packId = intent.metadata?.[PACK_METADATA_KEY];
  if (!crossingId) return { outcome: "ignored", detail: "not an automatic top-up's payment", accountId };
  if (accountId === null || !accountId.startsWith("acct_") || !packId) {
    return { outcome: "failed", detail: "the top-up's payment names no Tollgate account or pack", accountId: null };
  }
  const pack = context.catalog.packs.find((candidate) => candidate.id === packId);
  if (!pack) {
    return { outcome: "failed", detail: `pack ${packId} is not in the configuration: nothing granted`, accountId };
  }
  const amountMinor = packLotAmountMinor(pack);
  const idempotencyKey = `stripe_payment_intent_${intent.id}`;
  const result = await context.ledger.grant({
    account: { accountId },
    unit: pack.unit,
    amountMinor,
    source: "pack",
    expiresAt: pack.expiresInMs === null ? null : new Date(intent.created * 1000 + pack.expiresInMs),
    idempotencyKey,
  });
  if (!result.ok) {
    return { outcome: "failed", detail: `pack ${packId}: the ledger refused the grant (${result.code})`, accountId };
  }
  const now = context.ledger.now();
  await new StripePackPurchases(context.ledger.sql).record({
    paymentIntentId: intent.id,
    checkoutSessionId: null,
    accountId,
    packId,
    unit: result.value.unit,
    grantTransactionId: result.value.transactionId,
    grantedMinor: amountMinor,
    now,
  });
  const detail = `${result.replayed ? "already granted" : "granted"} pack ${packId}: ${amountMinor} ${pack.unit} (minor units) in ${result.value.transactionId} under ${idempotencyKey}`;
  await new AutoTopUps(context.ledger.sql).end({
    crossingId,
    paymentIntentId: intent.id,
    status: "succeeded",
    detail,
    now,
  });
  return { outcome: "processed", detail: `automatic top-up: ${detail}`, accountId };
}

/**
 * `payment_intent.payment_failed` for an automatic top-up ends its crossing `failed`, with
 * Stripe's reason, and asks for nothing again: the next crossing below the threshold tries anew.
 *
 * @example
 * await recordFailedAutoTopUp(event, { ledger, catalog }); // { outcome: "processed", detail: "automatic top-up failed: …" }
 */
export async function recordFailedAutoTopUp(
  event: Stripe.Event,
  context: StripeEventContext,
): Promise<StripeEventEffect> {
  const intent = event.data.object as Stripe.PaymentIntent;
  const crossingId = intent.metadata?.[AUTO_TOP_UP_METADATA_KEY];
  const accountId = intent.metadata?.[ACCOUNT_METADATA_KEY] ?? null;
  if (!crossingId) return { outcome: "ignored", detail: "not an automatic top-up's payment", accountId };
  const reason = intent.last_payment_error?.message ?? "the payment failed";
  const ended = await new AutoTopUps(context.ledger.sql).end({
    crossingId,
    paymentIntentId: intent.id,
    status: "failed",
    detail: `payment intent ${intent.id} failed: ${reason}`,
    now: context.ledger.now(),
  });
  return {
    outcome: "processed",
    detail: `automatic top-up ${ended ? "failed" : "had ended already"}: ${intent.id}: ${reason}`,
    accountId,
  };
}
