import type { SqlClient } from "../sql-client.ts";

/** A pack bought through Stripe checkout, as kept when it was granted. */
export interface StripePackPurchase {
  paymentIntentId: string;
  /** Null for a pack an automatic top-up bought (its own payment intent, no checkout). */
  checkoutSessionId: string | null;
  accountId: string;
  packId: string;
  unit: string;
  /** The grant transaction (its lot is what a refund claws back from). */
  grantTransactionId: string;
  grantedMinor: bigint;
  /** The most of the charge whose refund has been counted, in the currency's minor units. */
  refundedMinor: bigint;
}

/** One step of a charge's refunded total, and what its claw-back did once it ran. */
export interface StripeRefundStep {
  chargeId: string;
  paymentIntentId: string;
  refundedBeforeMinor: bigint;
  refundedAfterMinor: bigint;
  chargeAmountMinor: bigint;
  /** Null until the claw-back ran. */
  clawedBackMinor: bigint | null;
  shortfallMinor: bigint | null;
}

interface PurchaseRow {
  payment_intent_id: string;
  checkout_session_id: string | null;
  account_id: string;
  pack_id: string;
  unit: string;
  grant_transaction_id: string;
  granted_minor: bigint | string;
  refunded_minor: bigint | string;
}

interface StepRow {
  charge_id: string;
  payment_intent_id: string;
  refunded_before_minor: bigint | string;
  refunded_after_minor: bigint | string;
  charge_amount_minor: bigint | string;
  clawed_back_minor: bigint | string | null;
  shortfall_minor: bigint | string | null;
}

/**
 * Pack purchases paid through Stripe (table `stripe_pack_purchases`) and the refund steps taken
 * against them (`stripe_refund_claw_backs`): how a `charge.refunded` event finds the lot to claw
 * back from, and how each refund is counted once.
 *
 * @example
 * const purchases = new StripePackPurchases(ledger.sql);
 * await purchases.record({ paymentIntentId: "pi_1", checkoutSessionId: "cs_1", accountId, packId: "starter", unit: "credits", grantTransactionId, grantedMinor: 1000n, now });
 * const step = await purchases.claimRefundStep({ chargeId: "ch_1", paymentIntentId: "pi_1", chargeAmountMinor: 500n, refundedTotalMinor: 100n, now });
 */
export class StripePackPurchases {
  constructor(private readonly sql: SqlClient) {}

  /** Keeps a purchase once: a redelivered checkout event finds it there and changes nothing. */
  async record(input: Omit<StripePackPurchase, "refundedMinor"> & { now: Date }): Promise<void> {
    await this.sql.query(
      `insert into stripe_pack_purchases (payment_intent_id, checkout_session_id, account_id, pack_id, unit,
         grant_transaction_id, granted_minor, refunded_minor, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8)
       on conflict do nothing`,
      [
        input.paymentIntentId,
        input.checkoutSessionId,
        input.accountId,
        input.packId,
        input.unit,
        input.grantTransactionId,
        input.grantedMinor.toString(),
        input.now,
      ],
    );
  }

  /** The purchase a payment intent paid for, or null (not a pack bought through Tollgate's checkout). */
  async find(paymentIntentId: string): Promise<StripePackPurchase | null> {
    const [row] = await this.sql.query<PurchaseRow>(
      "select * from stripe_pack_purchases where payment_intent_id = $1",
      [paymentIntentId],
    );
    if (!row) return null;
    return {
      paymentIntentId: row.payment_intent_id,
      checkoutSessionId: row.checkout_session_id,
      accountId: row.account_id,
      packId: row.pack_id,
      unit: row.unit,
      grantTransactionId: row.grant_transaction_id,
      grantedMinor: BigInt(row.granted_minor),
      refundedMinor: BigInt(row.refunded_minor),
    };
  }

  /**
   * The step that takes the purchase's counted refund up to `refundedTotalMinor`: made now, in the
   * statement that raises the count (so two events at once cannot both make it), or found as an
   * earlier delivery of this event made it. Null when a later total was counted first: its step
   * covered this refund too.
   */
  async claimRefundStep(input: {
    chargeId: string;
    paymentIntentId: string;
    chargeAmountMinor: bigint;
    refundedTotalMinor: bigint;
    now: Date;
  }): Promise<StripeRefundStep | null> {
    if (input.refundedTotalMinor <= 0n || input.refundedTotalMinor > input.chargeAmountMinor) {
      throw new RangeError(`a refunded total of ${input.refundedTotalMinor} of a ${input.chargeAmountMinor} charge`);
    }
    // The row lock of `for update` makes a concurrent claim wait and then see the raised count.
    await this.sql.query(
      `with counted as (
         select payment_intent_id, refunded_minor from stripe_pack_purchases
         where payment_intent_id = $1 and refunded_minor < $2 for update
       ), raised as (
         update stripe_pack_purchases purchase set refunded_minor = $2, updated_at = $5
         from counted where purchase.payment_intent_id = counted.payment_intent_id
         returning counted.refunded_minor as before_minor
       )
       insert into stripe_refund_claw_backs (charge_id, refunded_after_minor, payment_intent_id, refunded_before_minor,
         charge_amount_minor, created_at, updated_at)
       select $3, $2, $1, before_minor, $4, $5, $5 from raised
       on conflict do nothing`,
      [
        input.paymentIntentId,
        input.refundedTotalMinor.toString(),
        input.chargeId,
        input.chargeAmountMinor.toString(),
        input.now,
      ],
    );
    const [row] = await this.sql.query<StepRow>(
      "select * from stripe_refund_claw_backs where charge_id = $1 and refunded_after_minor = $2",
      [input.chargeId, input.refundedTotalMinor.toString()],
    );
    return row ? toStep(row) : null;
  }

  /** Records what the step's claw-back did (the same on a rerun: the ledger replays it). */
  async finishRefundStep(input: {
    chargeId: string;
    refundedAfterMinor: bigint;
    requestedMinor: bigint;
    clawedBackMinor: bigint;
    shortfallMinor: bigint;
    transactionId: string | null;
    now: Date;
  }): Promise<void> {
    await this.sql.query(
      `update stripe_refund_claw_backs
       set requested_minor = $3, clawed_back_minor = $4, shortfall_minor = $5, transaction_id = $6, updated_at = $7
       where charge_id = $1 and refunded_after_minor = $2`,
      [
        input.chargeId,
        input.refundedAfterMinor.toString(),
        input.requestedMinor.toString(),
        input.clawedBackMinor.toString(),
        input.shortfallMinor.toString(),
        input.transactionId,
        input.now,
      ],
    );
  }
}

function toStep(row: StepRow): StripeRefundStep {
  const orNull = (value: bigint | string | null) => (value === null ? null : BigInt(value));
  return {
    chargeId: row.charge_id,
    paymentIntentId: row.payment_intent_id,
    refundedBeforeMinor: BigInt(row.refunded_before_minor),
    refundedAfterMinor: BigInt(row.refunded_after_minor),
    chargeAmountMinor: BigInt(row.charge_amount_minor),
    clawedBackMinor: orNull(row.clawed_back_minor),
    shortfallMinor: orNull(row.shortfall_minor),
  };
}
