import type { Account, AccountType } from "@tollgate/core";
import type { SqlExecutor } from "@tollgate/store";

export const ACCOUNTS_PAGE_MAX = 500;

export interface AccountsPage {
  accounts: Account[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Customer accounts in id order, a page at a time. Ids are time-ordered (UUIDv7), so this is
 * creation order, and the last id of a page is a cursor that never skips or repeats a row.
 */
export async function listAccounts(
  sql: SqlExecutor,
  options: { limit: number; after: string | null; type: AccountType | null },
): Promise<AccountsPage> {
  const rows = await sql.query<{
    account_id: string;
    type: AccountType;
    external_id: string;
    overdraft_limit_minor: bigint;
    created_at: Date;
  }>(
    `select account_id, type, external_id, overdraft_limit_minor, created_at from accounts
     where type <> 'system' and ($1::text is null or type = $1) and ($2::text is null or account_id > $2)
     order by account_id limit $3`,
    [options.type, options.after, options.limit + 1],
  );
  const accounts = rows.slice(0, options.limit).map(
    (row): Account => ({
      accountId: row.account_id,
      type: row.type,
      externalId: row.external_id,
      overdraftLimitMinor: row.overdraft_limit_minor,
      createdAt: row.created_at,
    }),
  );
  return { accounts, nextCursor: rows.length > options.limit ? (accounts.at(-1)?.accountId ?? null) : null };
}
