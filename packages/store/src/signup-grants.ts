import type { AccountType, GrantOperation, LedgerConfig } from "@tollgate/core";
import { signupGrantKey } from "./idempotency-keys.ts";

/**
 * The grants a new account of `type` starts with, as operations on `accountId`: the
 * deployment's signup grants, each under its reserved key, so one is never applied twice.
 *
 * @example
 * signupGrantOps(config, { accountId: "acct_…", type: "user" }, now) // [{ kind: "grant", source: "signup", … }]
 */
export function signupGrantOps(
  config: LedgerConfig,
  account: { accountId: string; type: AccountType },
  now: Date,
): GrantOperation[] {
  return config.signupGrants[account.type].map((grant, index) => ({
    kind: "grant" as const,
    account: { accountId: account.accountId },
    unit: grant.unit,
    amountMinor: grant.amountMinor,
    source: "signup" as const,
    expiresAt: grant.expiresInMs === null ? null : new Date(now.getTime() + grant.expiresInMs),
    idempotencyKey: signupGrantKey(index),
  }));
}
