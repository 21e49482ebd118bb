import { packLotAmountMinor } from "@tollgate/core";
import { StripePackPurchases } from "@tollgate/store";
import type Stripe from "stripe";
import { PACK_METADATA_KEY } from "./stripe-checkout.ts";
import { ACCOUNT_METADATA_KEY } from "./stripe-customer.ts";
import type { StripeEventContext, StripeEventEffect } from "./stripe-event-handlers.ts";

/**
 * A paid pack checkout grants the pack's lot (source `pack`: its amount plus the bonus rounded
 * down, its expiry counted from the checkout's creation) under the ledger key
 * `stripe_checkout_<session id>`: a redelivery, a crash between the grant and the log row, or
 * both `completed` and `async_payment_succeeded` arriving can never grant twice. The purchase is
 * kept by its payment intent, for a refund to claw back from (refund-claw-back-handler.ts). Subscription
 * checkouts and sessions not yet paid are `ignored` here.
 *
 * @example
 * await grantPurchasedPack(event, { ledger, catalog }); // { outcome: "processed", … }
 */
export async function grantPurchasedPack(event: Stripe.Event, context: StripeEventContext): Promise<StripeEventEffect> {
  const session = event.data.object as Stripe.Checkout.Session;
  const accountId = session.metadata?.[ACCOUNT_METADATA_KEY] ?? session.client_reference_id ?? null;
  if (session.mode !== "payment") {
    return { outcome: "ignored", detail: `a ${session.mode} checkout: its subscription's events apply it`, accountId };
  }
  if (session.payment_status === "unpaid") {
    return { outcome: "ignored", detail: "not paid yet: granted when the payment succeeds", accountId };
  }
  const packId = session.metadata?.[PACK_METADATA_KEY];
  if (!packId)
    return { outcome: "ignored", detail: "not a Tollgate pack checkout (no metadata.tollgate_pack)", accountId };
  if (accountId === null || !accountId.startsWith("acct_")) {
    return { outcome: "failed", detail: `pack ${packId}: the session names no Tollgate account`, accountId: null };
  }
  const pack = context.catalog.packs.find((candidate) => candidate.id === packId);
  if (!pack) {
    return { outcome: "failed", detail: `pack ${packId} is not in the configuration: nothing granted`, accountId };
  }
  const amountMinor = packLotAmountMinor(pack);
  const idempotencyKey = `stripe_checkout_${session.id}`;
  const result = await context.ledger.grant({
    account: { accountId },
    unit: pack.unit,
    amountMinor,
    source: "pack",
    expiresAt: pack.expiresInMs === null ? null : new Date(session.created * 1000 + pack.expiresInMs),
    idempotencyKey,
  });
  if (!result.ok) {
    return { outcome: "failed", detail: `pack ${packId}: the ledger refused the grant (${result.code})`, accountId };
  }
  // What a refund of this payment needs to find the lot (a charge names its payment intent only);
  // kept on every run, so a crash between the grant and this row is mended by the redelivery.
  const paymentIntentId =
    typeof session.payment_intent === "string" ? session.payment_intent : session.payment_intent?.id;
  if (paymentIntentId) {
    await new StripePackPurchases(context.ledger.sql).record({
      paymentIntentId,
      checkoutSessionId: session.id,
      accountId,
      packId,
      unit: result.value.unit,
      grantTransactionId: result.value.transactionId,
      grantedMinor: amountMinor,
      now: context.ledger.now(),
    });
  }
  return {
    outcome: "processed",
    detail: `${result.replayed ? "already granted" : "granted"} pack ${packId}: ${amountMinor} ${pack.unit} (minor units) in ${result.value.transactionId} under ${idempotencyKey}`,
    accountId,
  };
}
