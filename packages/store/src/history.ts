import type { GrantSource, TransactionKind } from "@tollgate/core";
import type { SqlExecutor } from "./sql-client.ts";

/** One line of an account's history: an entry, the transaction that made it, and what it was for. */
export interface HistoryLine {
  entryId: string;
  transactionId: string;
  kind: TransactionKind;
  unit: string;
  amountMinor: bigint;
  balanceBeforeMinor: bigint;
  balanceAfterMinor: bigint;
  /** The lot the entry moved (a grant's: the lot it made); null for a debt entry. */
  lotId: string | null;
  /** That lot's source and expiry: where the credits came from, and until when. */
  lotSource: GrantSource | null;
  lotExpiresAt: Date | null;
  holdId: string | null;
  reversesTransactionId: string | null;
  /** Why: an admin grant's, a deduction's, a reversal's or refund's, a charge's when given. */
  reason: string | null;
  /** The organization member who drew (a user's external id), for a member's charge or settlement. */
  member: string | null;
  /** The usage event a charge or settlement paid for, and what it used: a feature, or a provider's model. */
  usageEventId: string | null;
  feature: string | null;
  provider: string | null;
  model: string | null;
  idempotencyKey: string | null;
  createdAt: Date;
}

export interface HistoryPage {
  lines: HistoryLine[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export const HISTORY_LIMIT_MAX = 500;

/** A `before` cursor: an entry id, as `nextCursor` gives it. */
export const HISTORY_CURSOR = /^\d{1,19}$/;

/**
 * An account's entries, newest first, a page at a time, each with what it was for. One
 * statement: the entries by the account's primary key, each joined by index to its
 * transaction (`transactions_transaction_id`), its lot (the lots' primary key), the member's
 * account (theirs) and, for a charge or settlement, its usage event
 * (`usage_events_transaction`).
 */
export async function readHistory(
  sql: SqlExecutor,
  accountId: string,
  options: { unit?: string; limit?: number; before?: string | null },
): Promise<HistoryPage> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_LIMIT_MAX) {
    throw new RangeError(`limit must be an integer from 1 to ${HISTORY_LIMIT_MAX}`);
  }
  if (options.before != null && !HISTORY_CURSOR.test(options.before)) throw new RangeError("invalid history cursor");
  const rows = await sql.query<{
    entry_id: bigint;
    transaction_id: string;
    kind: TransactionKind;
    unit: string;
    amount_minor: bigint;
    balance_before_minor: bigint;
    balance_after_minor: bigint;
    lot_id: string | null;
    lot_source: GrantSource | null;
    lot_expires_at: Date | null;
    hold_id: string | null;
    reverses_transaction_id: string | null;
    reason: string | null;
    member: string | null;
    usage_event_id: string | null;
    feature: string | null;
    provider: string | null;
    model: string | null;
    idempotency_key: string | null;
    created_at: Date;
  }>(
    `select e.entry_id, e.transaction_id, t.kind, e.unit, e.amount_minor, e.balance_before_minor,
       e.balance_after_minor, e.lot_id, l.source as lot_source, l.expires_at as lot_expires_at, t.hold_id,
       t.reverses_transaction_id, t.reason, m.external_id as member, u.usage_event_id, u.feature, u.provider,
       u.model, t.idempotency_key, e.created_at
     from entries e
     join transactions t on t.transaction_id = e.transaction_id
     left join lots l on l.account_id = e.account_id and l.lot_id = e.lot_id
     left join accounts m on m.account_id = t.member_account_id
     left join usage_events u on t.kind in ('charge', 'settle')
       and u.account_id = e.account_id and u.transaction_id = e.transaction_id
     where e.account_id = $1 and ($2::text is null or e.unit = $2) and ($3::bigint is null or e.entry_id < $3)
     order by e.entry_id desc limit $4`,
    [accountId, options.unit ?? null, options.before ?? null, limit + 1],
  );
  const lines = rows.slice(0, limit).map(
    (row): HistoryLine => ({
      entryId: row.entry_id.toString(),
      transactionId: row.transaction_id,
      kind: row.kind,
      unit: row.unit,
      amountMinor: row.amount_minor,
      balanceBeforeMinor: row.balance_before_minor,
      balanceAfterMinor: row.balance_after_minor,
      lotId: row.lot_id,
      lotSource: row.lot_source,
      lotExpiresAt: row.lot_expires_at,
      holdId: row.hold_id,
      reversesTransactionId: row.reverses_transaction_id,
      reason: row.reason,
      member: row.member,
      usageEventId: row.usage_event_id,
      feature: row.feature,
      provider: row.provider,
      model: row.model,
      idempotencyKey: row.idempotency_key,
      createdAt: row.created_at,
    }),
  );
  return { lines, nextCursor: rows.length > limit ? (lines.at(-1)?.entryId ?? null) : null };
}
