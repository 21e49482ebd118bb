import type { AccountRef } from "@tollgate/core";
import { ApiError } from "../http/api-error.ts";
import { parseAccountParam } from "../http/v1/account-ref.ts";
import type { KeyStore } from "../http/v1/auth.ts";

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,200})$/;

/** The header a secret key names the account it calls for with. */
export const ACCOUNT_HEADER = "x-tollgate-account";

/**
 * The account a proxied call is charged to: a customer token's own account, or, with a secret
 * key, the account `X-Tollgate-Account` names (`acct_…` or `type:externalId`). Unknown, revoked
 * or expired keys are 401 `unauthenticated`, as on `/v1`, and a customer token cannot name
 * another account (the header is refused, not ignored, so a mistake is not charged elsewhere).
 */
export async function proxyAccount(
  headers: { get(name: string): string | null | undefined },
  options: { keys: Pick<KeyStore, "verify">; clock: () => Date },
): Promise<AccountRef> {
  const header = headers.get("authorization");
  const token = header ? BEARER.exec(header)?.[1] : undefined;
  const key = token ? await options.keys.verify(token, options.clock()) : null;
  if (!key) {
    throw new ApiError("unauthenticated", "Send a valid key: a customer token (tg_ct_…) or a secret key (tg_sk_…).");
  }
  const named = headers.get(ACCOUNT_HEADER) ?? undefined;
  if (key.kind === "customer") {
    const accountId = key.account?.accountId;
    if (!accountId) throw new ApiError("unauthenticated", "This customer token has no account.");
    if (named !== undefined) {
      throw new ApiError(
        "invalid_request",
        "A customer token calls for its own account: leave out X-Tollgate-Account.",
        {
          fields: [{ field: "X-Tollgate-Account", message: "only with a secret key" }],
        },
      );
    }
    return { accountId };
  }
  if (named === undefined) {
    throw new ApiError("invalid_request", "With a secret key, name the account: X-Tollgate-Account: user:alice.", {
      fields: [{ field: "X-Tollgate-Account", message: "required with a secret key" }],
    });
  }
  return parseAccountParam(named, "X-Tollgate-Account");
}
