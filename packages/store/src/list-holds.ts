import type { SqlExecutor } from "./sql-client.ts";

/** Most active holds one page of `listActiveHolds` returns. */
export const HOLDS_PAGE_MAX = 200;

/** An active hold as a list shows it: what it reserves, for whom, and until when. */
export interface ActiveHoldView {
  holdId: string;
  accountId: string;
  unit: string;
  amountMinor: bigint;
  /** The member (a user's external id) that drew it from an organization; null otherwise. */
  member: string | null;
  expiresAt: Date;
  createdAt: Date;
}

export interface ActiveHoldsPage {
  holds: ActiveHoldView[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * An account's active holds, oldest first, a page at a time (cursor: the last hold id; ids are
 * time-ordered, so this is creation order). A hold past its expiry is left out although the
 * sweep may not have released it yet: the balances already count it as released (`viewBalances`),
 * and a list that showed it would disagree with the held figure beside it.
 *
 * @example
 * await listActiveHolds(sql, { accountId, now: new Date(), limit: 50 })
 */
export async function listActiveHolds(
  sql: SqlExecutor,
  options: { accountId: string; now: Date; limit?: number; after?: string | null },
): Promise<ActiveHoldsPage> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > HOLDS_PAGE_MAX) {
    throw new RangeError(`limit must be an integer from 1 to ${HOLDS_PAGE_MAX}`);
  }
  const rows = await sql.query<{
    hold_id: string;
    unit: string;
    amount_minor: bigint;
    member: string | null;
    expires_at: Date;
    created_at: Date;
  }>(
    `select h.hold_id, h.unit, h.amount_minor, m.external_id as member, h.expires_at, h.created_at
     from holds h left join accounts m on m.account_id = h.member_account_id
     where h.account_id = $1 and h.status = 'active' and h.expires_at > $2 and h.hold_id > $3
     order by h.hold_id limit $4`,
    [options.accountId, options.now.toISOString(), options.after ?? "", limit + 1],
  );
  const holds = rows.slice(0, limit).map((row) => ({
    holdId: row.hold_id,
    accountId: options.accountId,
    unit: row.unit,
    amountMinor: BigInt(row.amount_minor),
    member: row.member,
    expiresAt: new Date(row.expires_at),
    createdAt: new Date(row.created_at),
  }));
  return { holds, nextCursor: rows.length > limit ? (holds.at(-1)?.holdId ?? null) : null };
}
