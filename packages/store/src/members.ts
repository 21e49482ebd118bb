import type { MemberLimit } from "@tollgate/core";
import type { AccountDirectory } from "./account-directory.ts";
import type { SqlClient, SqlExecutor } from "./sql-client.ts";

export interface AddMemberInput {
  /** The organization's external id. */
  organization: string;
  /** The user's external id; the user account is created on first use like any other. */
  member: string;
  /** Optional cap per unit on what the member may spend from the organization (null: none). */
  capsMinor?: Record<string, bigint | null>;
}

/** One member of an organization, with what it may draw and has drawn per unit. */
export interface MemberView {
  organizationAccountId: string;
  memberAccountId: string;
  /** The user's external id: what a charge names as its `member`. */
  member: string;
  addedAt: Date;
  /**
   * A limit per unit that has a cap or has been drawn in, by unit: its cap (null: none) and
   * what the member has spent and holds against it. Caps count lifetime spending.
   */
  limits: MemberLimit[];
}

export interface MembersPage {
  members: MemberView[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

export const MEMBERS_PAGE_MAX = 500;

/** What removing a member did: removed, nothing (it was not one), or refused while it holds credits. */
export type RemoveMemberOutcome =
  | { removed: true }
  | { removed: false; reason: "not_a_member" }
  | { removed: false; reason: "member_has_active_holds"; activeHolds: number };

/**
 * Lets a user draw from an organization's balance. Runs under the organization's row
 * lock, so it never interleaves with a batch that is charging the organization.
 */
export async function addMember(
  sql: SqlClient,
  accounts: AccountDirectory,
  units: ReadonlyMap<string, unknown>,
  input: AddMemberInput,
): Promise<{ organizationAccountId: string; memberAccountId: string }> {
  assertCaps(units, input.capsMinor ?? {});
  const organizationAccountId = await accounts.ensureId({ type: "organization", externalId: input.organization });
  const memberAccountId = await accounts.ensureId({ type: "user", externalId: input.member });
  await sql.transaction(async (tx) => {
    await lockAccount(tx, organizationAccountId);
    await tx.query("insert into members (account_id, member_account_id) values ($1, $2) on conflict do nothing", [
      organizationAccountId,
      memberAccountId,
    ]);
    await writeCaps(tx, { organizationAccountId, memberAccountId }, input.capsMinor ?? {});
  });
  return { organizationAccountId, memberAccountId };
}

/**
 * Changes a member's caps, one unit at a time (null: no cap; units not named keep theirs);
 * what it has spent and holds stays. Under the organization's row lock, which every batch
 * that charges the organization takes before it loads the caps: the next charge sees the new
 * cap, and no charge is ever checked against a cap that changed under it. Null when the user
 * is not the organization's member.
 */
export async function updateMemberCaps(
  sql: SqlClient,
  units: ReadonlyMap<string, unknown>,
  input: { organizationAccountId: string; memberAccountId: string; capsMinor: Record<string, bigint | null> },
): Promise<MemberView | null> {
  assertCaps(units, input.capsMinor);
  return sql.transaction(async (tx) => {
    await lockAccount(tx, input.organizationAccountId);
    const [member] = await tx.query("select 1 from members where account_id = $1 and member_account_id = $2", [
      input.organizationAccountId,
      input.memberAccountId,
    ]);
    if (!member) return null;
    await writeCaps(tx, input, input.capsMinor);
    return readMember(tx, input.organizationAccountId, input.memberAccountId);
  });
}

/**
 * Takes a user out of an organization: its later draws are refused `member_not_found`, and its
 * caps and what it spent against them are gone (added again, it starts from nothing spent).
 * Refused while the member has an active hold, whose settlement must still count against the
 * member's cap (and `reconcile` checks that a member's held matches its holds): settle or
 * release it first, or let it expire. Under the organization's row lock, as every charge is.
 */
export async function removeMember(
  sql: SqlClient,
  input: { organizationAccountId: string; memberAccountId: string },
): Promise<RemoveMemberOutcome> {
  return sql.transaction(async (tx) => {
    await lockAccount(tx, input.organizationAccountId);
    const [holds] = await tx.query<{ count: bigint }>(
      `select count(*) as count from holds
       where account_id = $1 and member_account_id = $2 and status = 'active'`,
      [input.organizationAccountId, input.memberAccountId],
    );
    const activeHolds = Number(holds?.count ?? 0);
    if (activeHolds > 0) return { removed: false, reason: "member_has_active_holds", activeHolds };
    const params = [input.organizationAccountId, input.memberAccountId];
    await tx.query("delete from member_limits where account_id = $1 and member_account_id = $2", params);
    const deleted = await tx.query(
      "delete from members where account_id = $1 and member_account_id = $2 returning 1",
      params,
    );
    return deleted.length > 0 ? { removed: true } : { removed: false, reason: "not_a_member" };
  });
}

/**
 * An organization's members in member account id order, a page at a time. Ids are
 * time-ordered, so the last id of a page is a cursor that never skips or repeats a member.
 */
export async function listMembers(
  sql: SqlExecutor,
  options: { organizationAccountId: string; limit?: number; after?: string | null },
): Promise<MembersPage> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MEMBERS_PAGE_MAX) {
    throw new RangeError(`limit must be an integer from 1 to ${MEMBERS_PAGE_MAX}`);
  }
  const rows = await selectMembers(sql, {
    organizationAccountId: options.organizationAccountId,
    after: options.after ?? null,
    memberAccountId: null,
    limit: limit + 1,
  });
  const members = rows.slice(0, limit).map(toMemberView);
  return { members, nextCursor: rows.length > limit ? (members.at(-1)?.memberAccountId ?? null) : null };
}

/** One member of an organization; null when the user is not its member. */
export async function readMember(
  sql: SqlExecutor,
  organizationAccountId: string,
  memberAccountId: string,
): Promise<MemberView | null> {
  const [row] = await selectMembers(sql, { organizationAccountId, after: null, memberAccountId, limit: 1 });
  return row ? toMemberView(row) : null;
}

interface MemberDbRow {
  account_id: string;
  member_account_id: string;
  external_id: string;
  created_at: Date;
  limits: Array<{ unit: string; cap_minor: string | null; spent_minor: string; held_minor: string }>;
}

/** The page of members first (by the primary key), then each one's limits: never every member's. */
function selectMembers(
  sql: SqlExecutor,
  query: { organizationAccountId: string; after: string | null; memberAccountId: string | null; limit: number },
): Promise<MemberDbRow[]> {
  return sql.query<MemberDbRow>(
    `select m.account_id, m.member_account_id, a.external_id, m.created_at, l.limits
     from (select account_id, member_account_id, created_at from members
           where account_id = $1 and ($2::text is null or member_account_id > $2)
             and ($3::text is null or member_account_id = $3)
           order by member_account_id limit $4) m
     join accounts a on a.account_id = m.member_account_id
     cross join lateral (
       select coalesce(json_agg(json_build_object('unit', unit, 'cap_minor', cap_minor::text,
         'spent_minor', spent_minor::text, 'held_minor', held_minor::text) order by unit), '[]') as limits
       from member_limits where account_id = m.account_id and member_account_id = m.member_account_id) l
     order by m.member_account_id`,
    [query.organizationAccountId, query.after, query.memberAccountId, query.limit],
  );
}

function toMemberView(row: MemberDbRow): MemberView {
  return {
    organizationAccountId: row.account_id,
    memberAccountId: row.member_account_id,
    member: row.external_id,
    addedAt: row.created_at,
    limits: row.limits.map((limit) => ({
      memberAccountId: row.member_account_id,
      unit: limit.unit,
      capMinor: limit.cap_minor === null ? null : BigInt(limit.cap_minor),
      spentMinor: BigInt(limit.spent_minor),
      heldMinor: BigInt(limit.held_minor),
    })),
  };
}

function assertCaps(units: ReadonlyMap<string, unknown>, capsMinor: Record<string, bigint | null>): void {
  for (const [unit, cap] of Object.entries(capsMinor)) {
    if (!units.has(unit)) throw new RangeError(`unknown unit "${unit}"`);
    if (cap !== null && (typeof cap !== "bigint" || cap < 0n)) throw new RangeError("a cap is a non-negative bigint");
  }
}

/** The lock every batch takes on the accounts it charges (process-batch.ts) before it loads their members. */
async function lockAccount(tx: SqlExecutor, accountId: string): Promise<void> {
  await tx.query("select 1 from accounts where account_id = $1 for no key update", [accountId]);
}

async function writeCaps(
  tx: SqlExecutor,
  member: { organizationAccountId: string; memberAccountId: string },
  capsMinor: Record<string, bigint | null>,
): Promise<void> {
  for (const [unit, cap] of Object.entries(capsMinor)) {
    await tx.query(
      `insert into member_limits (account_id, member_account_id, unit, cap_minor, spent_minor, held_minor)
       values ($1, $2, $3, $4, 0, 0)
       on conflict (account_id, member_account_id, unit) do update set cap_minor = excluded.cap_minor`,
      [member.organizationAccountId, member.memberAccountId, unit, cap === null ? null : cap.toString()],
    );
  }
}
