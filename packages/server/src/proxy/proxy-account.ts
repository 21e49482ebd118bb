import type { AccountRef } from "@tollgate/core";
import { ApiError } from "../http/api-error.ts";
import { parseAccountParam } from "../http/v1/account-ref.ts";
import type { KeyStore } from "../http/v1/auth.ts";

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,200})$/;
const KEY = /^[A-Za-z0-9_-]{1,200}$/;

/** The header a secret key names the account it calls for with. */
export const ACCOUNT_HEADER = "x-tollgate-account";

/**
 * The account a proxied call is charged to: a customer token's own account, or, with a secret
 * key, the account `X-Tollgate-Account` names (`acct_…` or `type:externalId`). Unknown, revoked
 * or expired keys are 401 `unauthenticated`, as on `/v1`, and a customer token cannot name
 * another account (the header is refused, not ignored, so a mistake is not charged elsewhere).
 * The key comes as `Authorization: Bearer …` (OpenAI's clients, Anthropic's `authToken`) or as
 * `x-api-key` (Anthropic's API and its older clients); sent both ways, they must agree.
 */
export async function proxyAccount(
  headers: { get(name: string): string | null | undefined },
  options: { keys: Pick<KeyStore, "verify">; clock: () => Date },
): Promise<AccountRef> {
  const token = presentedKey(headers);
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

/** The key the caller sent; undefined when none, malformed, or two that differ (no guessing which one pays). */
function presentedKey(headers: { get(name: string): string | null | undefined }): string | undefined {
  const authorization = headers.get("authorization");
  const bearer = authorization ? BEARER.exec(authorization)?.[1] : undefined;
  const apiKeyHeader = headers.get("x-api-key");
  const apiKey = apiKeyHeader && KEY.test(apiKeyHeader) ? apiKeyHeader : undefined;
  if (authorization && !bearer) return undefined;
  if (apiKeyHeader && !apiKey) return undefined;
  if (bearer && apiKey && bearer !== apiKey) return undefined;
  return bearer ?? apiKey;
}
