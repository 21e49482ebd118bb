import type { Account } from "@tollgate/core";

/**
 * An account as the API shows it (the `Account` schema), as `POST /v1/accounts` answers it.
 *
 * @example
 * accountJson(await ledger.ensureAccount({ type: "user", externalId: "alice" }))
 * // { id: "acct_019a…", type: "user", externalId: "alice", createdAt: "2026-…" }
 */
export function accountJson(account: Account) {
  return {
    id: account.accountId,
    type: account.type as "user" | "organization" | "guest",
    externalId: account.externalId ?? "",
    createdAt: account.createdAt.toISOString(),
  };
}
