import { type Account, type AccountRef, type AccountType, externalIdProblem } from "@tollgate/core";
import { EXTERNAL_ID_LENGTH_MAX, type Ledger } from "@tollgate/store";
import { redactText } from "../../log-redaction.ts";
import { ApiError } from "../api-error.ts";
import { accountNotFound } from "./account-not-found.ts";
import { assertInScope, callerOf } from "./auth.ts";

const ACCOUNT_TYPES: readonly AccountType[] = ["user", "organization", "guest"];

/**
 * Reads an `{account}` path segment: an account id (`acct_…`) or `{type}:{externalId}`, so an
 * app can name its users by its own ids without a lookup first.
 *
 * @example
 * parseAccountParam("user:user_2f9a") // { type: "user", externalId: "user_2f9a" }
 */
export function parseAccountParam(text: string, field = "account"): AccountRef {
  if (text.startsWith("acct_")) return { accountId: text };
  const colon = text.indexOf(":");
  const type = text.slice(0, colon) as AccountType;
  const externalId = text.slice(colon + 1);
  if (colon < 0 || !ACCOUNT_TYPES.includes(type)) {
    throw new ApiError(
      "invalid_request",
      // Quoted redacted: a key pasted where an account goes must not come back in an answer.
      `${field}: ${JSON.stringify(redactText(text.slice(0, 100)))} is neither an account id (acct_…) nor type:externalId (e.g. user:alice, an external id of 1 to ${EXTERNAL_ID_LENGTH_MAX} characters)`,
      { fields: [{ field, message: "expected acct_… or user|organization|guest:externalId" }] },
    );
  }
  const problem = externalIdProblem(externalId);
  if (problem !== null) {
    throw new ApiError("invalid_request", `${field}: the external id ${problem}`, {
      fields: [{ field, message: `the external id ${problem}` }],
    });
  }
  return { type, externalId };
}

/**
 * The account an `{account}` names, as the caller may see it: a customer token asking for
 * any other account gets the same 404 as for one that does not exist.
 */
export async function findAccountInScope(
  ledger: Pick<Ledger, "accounts">,
  c: Parameters<typeof callerOf>[0],
  param: string,
): Promise<Account> {
  const account = await ledger.accounts.find(parseAccountParam(param));
  assertInScope(callerOf(c), account?.accountId ?? null);
  if (!account) throw accountNotFound();
  return account;
}

/**
 * The account id an `{account}` names, checked against the caller's scope, without reading
 * the account: an `acct_…` id comes back as given (it may not exist, so the read that follows
 * must answer 404 when it finds nothing) and `type:externalId` resolves through the ledger's
 * cache. For the hottest reads, where a lookup first would double the round trips.
 */
export async function accountIdInScope(
  ledger: Pick<Ledger, "accounts">,
  c: Parameters<typeof callerOf>[0],
  param: string,
): Promise<string> {
  const accountId = await ledger.accounts.findId(parseAccountParam(param));
  assertInScope(callerOf(c), accountId);
  if (!accountId) throw accountNotFound();
  return accountId;
}
