import type { Account, AccountType } from "@tollgate/core";
import { type AccountDbRow, toAccount } from "./rows.ts";
import type { SqlExecutor } from "./sql-client.ts";

export const ACCOUNTS_PAGE_MAX = 500;

export interface ListAccountsOptions {
  /** Only accounts of this type. */
  type?: AccountType | null;
  /** Only accounts whose external id starts with this text (exact case). */
  search?: string | null;
  /** `oldest` (id order, the default) or `newest` first. */
  order?: "oldest" | "newest";
  /** At most ACCOUNTS_PAGE_MAX; default 50. */
  limit?: number;
  /** The previous page's `nextCursor`. */
  after?: string | null;
}

export interface AccountsPage {
  accounts: Account[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Customer accounts a page at a time, in id order or its reverse. Ids are time-ordered
 * (UUIDv7), so this is creation order, and the last id of a page is a cursor that never skips
 * or repeats an account. `search` is a prefix of the external id, compared byte for byte: an
 * app's ids are its own keys (`user_2f9a…`, an email), so a prefix finds one or a family of
 * them, and an index serves it (migration 0009), where a substring search would read every
 * account.
 *
 * @example
 * await listAccounts(sql, { type: "user", search: "user_2f", limit: 20 })
 */
export async function listAccounts(sql: SqlExecutor, options: ListAccountsOptions = {}): Promise<AccountsPage> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > ACCOUNTS_PAGE_MAX) {
    throw new RangeError(`limit must be an integer from 1 to ${ACCOUNTS_PAGE_MAX}`);
  }
  const newest = options.order === "newest";
  // Only the conditions that apply, each a plain comparison: a generic plan of `$1 is null or
  // …` cannot use an index, and a prepared statement settles on a generic plan.
  const params: unknown[] = [];
  const where = ["type <> 'system'"];
  const condition = (text: (param: string) => string, value: unknown) => {
    params.push(value);
    where.push(text(`$${params.length}`));
  };
  if (options.type != null) condition((param) => `type = ${param}`, options.type);
  if (options.after != null) condition((param) => `account_id ${newest ? "<" : ">"} ${param}`, options.after);
  if (options.search != null) {
    condition((param) => `external_id collate "C" >= ${param}`, options.search);
    const end = prefixEnd(options.search);
    if (end !== null) condition((param) => `external_id collate "C" < ${param}`, end);
  }
  params.push(limit + 1);
  const rows = await sql.query<AccountDbRow>(
    `select * from accounts where ${where.join(" and ")}
     order by account_id ${newest ? "desc" : "asc"} limit $${params.length}`,
    params,
  );
  const accounts = rows.slice(0, limit).map(toAccount);
  return { accounts, nextCursor: rows.length > limit ? (accounts.at(-1)?.accountId ?? null) : null };
}

/**
 * The least text above every text that starts with `prefix`, in code point order (which is
 * UTF-8's byte order, the "C" collation's): the prefix with its last code point one higher.
 * Null when there is none (every code point is the highest), and then `>= prefix` alone is
 * exact.
 *
 * @example
 * prefixEnd("user_") // "user`"
 */
export function prefixEnd(prefix: string): string | null {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()?.codePointAt(0) ?? 0;
    if (last < 0x10ffff) {
      // U+D800–U+DFFF are surrogates, not characters: text cannot hold one alone.
      return points.join("") + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
    }
  }
  return null;
}
