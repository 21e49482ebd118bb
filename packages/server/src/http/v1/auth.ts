import type { ApiKeys } from "@tollgate/store";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { isLocalCredential, LOCAL_KEY_ID } from "../../local-credential.ts";
import { ApiError } from "../api-error.ts";
import { accountNotFound } from "./account-not-found.ts";

/** Who is calling: a secret key (the app's backend) or a customer token scoped to one account. */
export interface Caller {
  keyId: string;
  kind: "secret" | "customer";
  /** The one account a customer token may act on; null for a secret key. */
  accountId: string | null;
  /** An admin key (or the local credential): may also manage secret keys and run reconcile. */
  admin: boolean;
  /** When the key stops working; null if it does not expire. What holds access open (a stream) ends then. */
  expiresAt: Date | null;
}

/** The key store as the API uses it: authentication verifies, the `/v1/keys` routes manage. */
export type KeyStore = Pick<ApiKeys, "verify" | "create" | "list" | "get" | "revoke" | "onRevoked">;

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,200})$/;

/** What the local credential authenticates as: the operator, on this process only. */
const LOCAL_CALLER: Caller = Object.freeze({
  keyId: LOCAL_KEY_ID,
  kind: "secret",
  accountId: null,
  admin: true,
  expiresAt: null,
});

/**
 * `Authorization: Bearer tg_sk_…` (secret key) or `tg_ct_…` (customer token), or this
 * process's local credential (`tg_lc_…`, see local-credential.ts) when it has one. No key, or a
 * key that is unknown, revoked or expired, is 401 `unauthenticated`; which of these it was
 * is not said, so a probe learns nothing.
 */
export function authenticate(options: {
  keys: KeyStore;
  clock: () => Date;
  localCredential?: string;
}): MiddlewareHandler<AppEnv> {
  const { localCredential } = options;
  return async function authenticateRequest(c, next) {
    const header = c.req.header("authorization");
    const token = header ? BEARER.exec(header)?.[1] : undefined;
    let caller: Caller | null = null;
    if (token && localCredential !== undefined && isLocalCredential(token, localCredential)) caller = LOCAL_CALLER;
    else {
      const key = token ? await options.keys.verify(token, options.clock()) : null;
      if (key)
        caller = {
          keyId: key.keyId,
          kind: key.kind,
          accountId: key.account?.accountId ?? null,
          admin: key.admin,
          expiresAt: key.expiresAt,
        };
    }
    if (!caller) {
      throw new ApiError(
        "unauthenticated",
        "Send a valid key: Authorization: Bearer tg_sk_… (or a customer token tg_ct_…).",
      );
    }
    c.set("caller" as never, caller as never);
    await next();
  };
}

/** The authenticated caller (after `authenticate`). */
export function callerOf(c: { get(key: never): unknown }): Caller {
  return c.get("caller" as never) as Caller;
}

/** Secret keys only: 403 for a customer token. */
export function requireSecret(caller: Caller): void {
  if (caller.kind !== "secret")
    throw new ApiError("forbidden", "This needs a secret key; a customer token may only read its own account.");
}

/** Admin keys only (and the local credential): 403 for any other key. */
export function requireAdmin(caller: Caller): void {
  if (!caller.admin) {
    throw new ApiError(
      "forbidden",
      "This needs an admin key: create one with `tollgate keys create --kind secret --admin`, or use the first key `tollgate serve` printed.",
    );
  }
}

/**
 * A customer token acts on its own account only: any other is answered 404, exactly as an
 * account that does not exist, so a token cannot discover other accounts.
 */
export function assertInScope(caller: Caller, accountId: string | null): void {
  if (caller.kind === "customer" && accountId !== caller.accountId) throw accountNotFound();
}
