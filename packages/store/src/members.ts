import type { AccountDirectory } from "./account-directory.ts";
import type { SqlClient } from "./sql-client.ts";

export interface AddMemberInput {
  /** The organization's external id. */
  organization: string;
  /** The user's external id; the user account is created on first use like any other. */
  member: string;
  /** Optional cap per unit on what the member may spend from the organization (null: none). */
  capsMinor?: Record<string, bigint | null>;
}

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
  for (const [unit, cap] of Object.entries(input.capsMinor ?? {})) {
    if (!units.has(unit)) throw new RangeError(`unknown unit "${unit}"`);
    if (cap !== null && (typeof cap !== "bigint" || cap < 0n)) throw new RangeError("a cap is a non-negative bigint");
  }
  const organizationAccountId = await accounts.ensureId({ type: "organization", externalId: input.organization });
  const memberAccountId = await accounts.ensureId({ type: "user", externalId: input.member });
  await sql.transaction(async (tx) => {
    await tx.query("select 1 from accounts where account_id = $1 for no key update", [organizationAccountId]);
    await tx.query("insert into members (account_id, member_account_id) values ($1, $2) on conflict do nothing", [
      organizationAccountId,
      memberAccountId,
    ]);
    for (const [unit, cap] of Object.entries(input.capsMinor ?? {})) {
      await tx.query(
        `insert into member_limits (account_id, member_account_id, unit, cap_minor, spent_minor, held_minor)
         values ($1, $2, $3, $4, 0, 0)
         on conflict (account_id, member_account_id, unit) do update set cap_minor = excluded.cap_minor`,
        [organizationAccountId, memberAccountId, unit, cap === null ? null : cap.toString()],
      );
    }
  });
  return { organizationAccountId, memberAccountId };
}
