import type { SqlExecutor } from "./sql-client.ts";

/** What an organization's member may still draw in one unit, as the ledger's member check reads it. */
export interface MemberLimitView {
  /** Null: no cap in this unit. */
  capMinor: bigint | null;
  spentMinor: bigint;
  heldMinor: bigint;
}

/**
 * A member's limit in `unit` of an organization's balance; null when the user is not its
 * member. A member that has not spent in the unit yet has no row there: no cap, nothing
 * spent. By the members' and limits' primary keys, without a lock: an answer for a check
 * before a call, which the write itself decides again under the organization's lock.
 */
export async function readMemberLimit(
  sql: SqlExecutor,
  query: { accountId: string; memberAccountId: string; unit: string },
): Promise<MemberLimitView | null> {
  const [row] = await sql.query<{ cap_minor: bigint | null; spent_minor: bigint | null; held_minor: bigint | null }>(
    `select l.cap_minor, l.spent_minor, l.held_minor
     from members m
     left join member_limits l
       on l.account_id = m.account_id and l.member_account_id = m.member_account_id and l.unit = $3
     where m.account_id = $1 and m.member_account_id = $2`,
    [query.accountId, query.memberAccountId, query.unit],
  );
  if (!row) return null;
  return { capMinor: row.cap_minor, spentMinor: row.spent_minor ?? 0n, heldMinor: row.held_minor ?? 0n };
}
