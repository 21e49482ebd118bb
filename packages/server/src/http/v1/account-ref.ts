import type { AccountRef, AccountType } from "@tollgate/core";
import { ApiError } from "../api-error.ts";

const ACCOUNT_TYPES: readonly AccountType[] = ["user", "organization", "guest"];

/**
 * Reads an `{account}` path segment: an account id (`acct_…`) or `{type}:{externalId}`, so an
 * app can name its users by its own ids without a lookup first.
 *
 * @example
 * parseAccountParam("user:user_2f9a") // { type: "user", externalId: "user_2f9a" }
 */
export function parseAccountParam(text: string): AccountRef {
  if (text.startsWith("acct_")) return { accountId: text };
  const colon = text.indexOf(":");
  const type = text.slice(0, colon) as AccountType;
  const externalId = text.slice(colon + 1);
  if (colon < 0 || !ACCOUNT_TYPES.includes(type) || externalId.length === 0) {
    throw new ApiError(
      "invalid_request",
      `account: "${text}" is neither an account id (acct_…) nor type:externalId (e.g. user:alice)`,
      { fields: [{ field: "account", message: "expected acct_… or user|organization|guest:externalId" }] },
    );
  }
  return { type, externalId };
}
