import { refundClawBackMinor } from "@tollgate/core";
import { StripePackPurchases } from "@tollgate/store";
import type Stripe from "stripe";
import type { StripeEventContext, StripeEventEffect } from "./stripe-event-handlers.ts";

/**
 * `charge.refunded`: a refunded pack purchase takes back the unspent part of its lot, in
 * proportion to what was refunded (rounded up, in the house's favour: core's
 * `refundClawBackMinor`). What the lot had spent, held or expired cannot be taken and is said in
 * the event's detail.
 *
 * Each event carries the charge's refunded total. The step from the total counted so far to this
 * one is claimed in one statement (`StripePackPurchases.claimRefundStep`), and its claw-back runs
 * under the ledger key `stripe_refund_<charge>_<total>`: one refund is one step, taken once,
 * whatever the number, order or concurrency of the deliveries; a crash part-way is finished by the
 * redelivery. An event whose total a later event already counted does nothing. (The charge's own
 * list of refunds is not in the event on current API versions; its total always is.)
 *
 * @example
 * await clawBackRefundedPack(event, { ledger, catalog }); // { outcome: "processed", detail: "clawed back 334 of 334 …" }
 */
export async function clawBackRefundedPack(
  event: Stripe.Event,
  context: StripeEventContext,
): Promise<StripeEventEffect> {
  const charge = event.data.object as Stripe.Charge;
  const paymentIntentId = typeof charge.payment_intent === "string" ? charge.payment_intent : charge.payment_intent?.id;
  if (!paymentIntentId) return { outcome: "ignored", detail: "the charge has no payment intent", accountId: null };
  const purchases = new StripePackPurchases(context.ledger.sql);
  const purchase = await purchases.find(paymentIntentId);
  if (!purchase) {
    return {
      outcome: "ignored",
      detail: `no pack purchase is recorded for ${paymentIntentId}: not a Tollgate pack checkout`,
      accountId: null,
    };
  }
  const { accountId } = purchase;
  const chargeAmountMinor = BigInt(charge.amount);
  const refundedTotalMinor = BigInt(charge.amount_refunded);
  if (refundedTotalMinor <= 0n || refundedTotalMinor > chargeAmountMinor || chargeAmountMinor <= 0n) {
    return {
      outcome: "ignored",
      detail: `charge ${charge.id}: ${refundedTotalMinor} of ${chargeAmountMinor} refunded, nothing to claw back`,
      accountId,
    };
  }
  const step = await purchases.claimRefundStep({
    chargeId: charge.id,
    paymentIntentId,
    chargeAmountMinor,
    refundedTotalMinor,
    now: context.ledger.now(),
  });
  const money = `${charge.currency.toUpperCase()} minor units`;
  if (!step) {
    return {
      outcome: "processed",
      detail: `charge ${charge.id}: the refund up to ${refundedTotalMinor} ${money} was counted already, by a later total`,
      accountId,
    };
  }
  const requestedMinor = refundClawBackMinor({
    grantedMinor: purchase.grantedMinor,
    chargeAmountMinor: step.chargeAmountMinor,
    refundedBeforeMinor: step.refundedBeforeMinor,
    refundedAfterMinor: step.refundedAfterMinor,
  });
  const refunded = `charge ${charge.id} refunded from ${step.refundedBeforeMinor} to ${step.refundedAfterMinor} of ${step.chargeAmountMinor} ${money}`;
  let clawedBackMinor = 0n;
  let transactionId: string | null = null;
  if (requestedMinor > 0n) {
    const result = await context.ledger.clawBack({
      transactionId: purchase.grantTransactionId,
      amountMinor: requestedMinor,
      // Fixed by the step, so a rerun sends the same payload under the same key.
      reason: `Stripe refund: ${refunded}`,
      idempotencyKey: `stripe_refund_${charge.id}_${step.refundedAfterMinor}`,
    });
    if (!result.ok) {
      return {
        outcome: "failed",
        detail: `${refunded}: the ledger refused the claw-back of ${requestedMinor} ${purchase.unit} (${result.code})`,
        accountId,
      };
    }
    clawedBackMinor = result.value.clawedBackMinor;
    transactionId = result.value.transactionId;
  }
  const shortfallMinor = requestedMinor - clawedBackMinor;
  await purchases.finishRefundStep({
    chargeId: charge.id,
    refundedAfterMinor: step.refundedAfterMinor,
    requestedMinor,
    clawedBackMinor,
    shortfallMinor,
    transactionId,
    now: context.ledger.now(),
  });
  const where = transactionId ? ` in ${transactionId}` : "";
  return {
    outcome: "processed",
    detail: `${refunded}: clawed back ${clawedBackMinor} of ${requestedMinor} ${purchase.unit} (minor units) of pack ${purchase.packId}${where}; ${shortfallMinor} could not be (already spent, held or expired)`,
    accountId,
  };
}
