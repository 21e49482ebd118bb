import type { SqlClient } from "../sql-client.ts";

/** An account's automatic top-up in one unit: below `thresholdMinor` available, buy `packId`. */
export interface AutoTopUp {
  accountId: string;
  unit: string;
  thresholdMinor: bigint;
  packId: string;
}

export type AutoTopUpStatus = "due" | "requested" | "succeeded" | "failed";

/** One crossing below the threshold, and where its payment stands. */
export interface AutoTopUpCrossing {
  crossingId: string;
  accountId: string;
  unit: string;
  packId: string;
  thresholdMinor: bigint;
  /** The available balance right after the batch that crossed. */
  availableMinor: bigint;
  status: AutoTopUpStatus;
  attempts: number;
  paymentIntentId: string | null;
  detail: string | null;
  crossedAt: Date;
}

/** Requests one crossing may make before it is failed: a limit on everything. */
export const AUTO_TOP_UP_ATTEMPTS_MAX = 3;

/** Longest `detail` kept. */
const DETAIL_LENGTH_MAX = 1000;

interface CrossingRow {
  crossing_id: bigint | string | number;
  account_id: string;
  unit: string;
  pack_id: string;
  threshold_minor: bigint | string;
  available_minor: bigint | string;
  status: AutoTopUpStatus;
  attempts: number;
  payment_intent_id: string | null;
  detail: string | null;
  crossed_at: Date;
}

/**
 * Automatic top-ups (tables `auto_top_ups` and `auto_top_up_crossings`). Crossings are written by
 * a trigger in the transaction of the batch that takes an account's available balance below its
 * threshold, once per crossing; the background job claims them and the payment's webhook ends them.
 *
 * @example
 * const topUps = new AutoTopUps(ledger.sql);
 * await topUps.set({ accountId, unit: "credits", thresholdMinor: 100n, packId: "starter", now });
 * const due = await topUps.claimDue({ now, limit: 10, leaseMs: 60_000 });
 */
export class AutoTopUps {
  constructor(private readonly sql: SqlClient) {}

  /** Sets (or replaces) the account's automatic top-up in the unit. */
  async set(input: AutoTopUp & { now: Date }): Promise<AutoTopUp> {
    await this.sql.query(
      `insert into auto_top_ups (account_id, unit, threshold_minor, pack_id, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $5)
       on conflict (account_id, unit) do update set threshold_minor = excluded.threshold_minor,
         pack_id = excluded.pack_id, updated_at = excluded.updated_at`,
      [input.accountId, input.unit, input.thresholdMinor.toString(), input.packId, input.now],
    );
    return { accountId: input.accountId, unit: input.unit, thresholdMinor: input.thresholdMinor, packId: input.packId };
  }

  /** The account's automatic top-ups, by unit. */
  async list(accountId: string): Promise<AutoTopUp[]> {
    const rows = await this.sql.query<{ unit: string; threshold_minor: bigint | string; pack_id: string }>(
      "select unit, threshold_minor, pack_id from auto_top_ups where account_id = $1 order by unit",
      [accountId],
    );
    return rows.map((row) => ({
      accountId,
      unit: row.unit,
      thresholdMinor: BigInt(row.threshold_minor),
      packId: row.pack_id,
    }));
  }

  /** Turns the account's automatic top-ups off (in one unit, or all); true when there was one. */
  async remove(input: { accountId: string; unit?: string }): Promise<boolean> {
    const rows = await this.sql.query<{ unit: string }>(
      "delete from auto_top_ups where account_id = $1 and ($2::text is null or unit = $2) returning unit",
      [input.accountId, input.unit ?? null],
    );
    return rows.length > 0;
  }

  /** The account's latest crossings, newest first. */
  async crossings(accountId: string, limit = 20): Promise<AutoTopUpCrossing[]> {
    const rows = await this.sql.query<CrossingRow>(
      "select * from auto_top_up_crossings where account_id = $1 order by crossing_id desc limit $2",
      [accountId, Math.min(Math.max(limit, 1), 100)],
    );
    return rows.map(toCrossing);
  }

  /**
   * Claims up to `limit` crossings to request payment for: `due` ones, and `requested` ones
   * without a payment intent whose claim is older than `leaseMs` (a job cut off after claiming;
   * its retry uses the same Stripe idempotency key). Each claim counts an attempt; a crossing out
   * of attempts is failed instead. Another instance skips what this one holds.
   */
  async claimDue(input: { now: Date; limit: number; leaseMs: number }): Promise<AutoTopUpCrossing[]> {
    const leaseEnded = new Date(input.now.getTime() - input.leaseMs);
    await this.sql.query(
      `update auto_top_up_crossings set status = 'failed', updated_at = $1,
         detail = 'no answer from Stripe after ${AUTO_TOP_UP_ATTEMPTS_MAX} requests: not retried'
       where status = 'requested' and payment_intent_id is null and updated_at < $2 and attempts >= $3`,
      [input.now, leaseEnded, AUTO_TOP_UP_ATTEMPTS_MAX],
    );
    const rows = await this.sql.query<CrossingRow>(
      `update auto_top_up_crossings set status = 'requested', attempts = attempts + 1, updated_at = $1
       where crossing_id in (
         select crossing_id from auto_top_up_crossings
         where status = 'due' or (status = 'requested' and payment_intent_id is null and updated_at < $2 and attempts < $3)
         order by crossing_id limit $4 for update skip locked)
       returning *`,
      [input.now, leaseEnded, AUTO_TOP_UP_ATTEMPTS_MAX, Math.min(Math.max(input.limit, 1), 100)],
    );
    return rows.map(toCrossing).sort((a, b) => Number(BigInt(a.crossingId) - BigInt(b.crossingId)));
  }

  /** Records the payment intent Stripe made for the crossing. */
  async requested(input: { crossingId: string; paymentIntentId: string; now: Date }): Promise<void> {
    await this.sql.query(
      `update auto_top_up_crossings set payment_intent_id = $2, updated_at = $3
       where crossing_id = $1 and status = 'requested'`,
      [input.crossingId, input.paymentIntentId, input.now],
    );
  }

  /**
   * Ends a crossing: `succeeded` (the pack granted) or `failed` (with why). Found by its id or its
   * payment intent; a crossing already ended keeps its first end.
   */
  async end(input: {
    crossingId?: string;
    paymentIntentId?: string;
    status: "succeeded" | "failed";
    detail: string | null;
    now: Date;
  }): Promise<AutoTopUpCrossing | null> {
    const rows = await this.sql.query<CrossingRow>(
      `update auto_top_up_crossings
       set status = $3, detail = $4, updated_at = $5, payment_intent_id = coalesce(payment_intent_id, $2)
       where (crossing_id = $1::bigint or payment_intent_id = $2) and status in ('due', 'requested')
       returning *`,
      [
        input.crossingId ?? null,
        input.paymentIntentId ?? null,
        input.status,
        input.detail?.slice(0, DETAIL_LENGTH_MAX) ?? null,
        input.now,
      ],
    );
    return rows[0] ? toCrossing(rows[0]) : null;
  }
}

function toCrossing(row: CrossingRow): AutoTopUpCrossing {
  return {
    crossingId: String(row.crossing_id),
    accountId: row.account_id,
    unit: row.unit,
    packId: row.pack_id,
    thresholdMinor: BigInt(row.threshold_minor),
    availableMinor: BigInt(row.available_minor),
    status: row.status,
    attempts: Number(row.attempts),
    paymentIntentId: row.payment_intent_id,
    detail: row.detail,
    crossedAt: row.crossed_at,
  };
}
