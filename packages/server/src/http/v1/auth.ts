import type { ApiKeys } from "@tollgate/store";
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../../app-env.ts";
import { isLocalCredential, LOCAL_KEY_ID } from "../../local-credential.ts";
import { ApiError } from "../api-error.ts";
import { callerOfSession, type SessionStore } from "../session/session-caller.ts";
import { assertSameOrigin, CSRF_HEADER, csrfMatches, isSafeMethod, SESSION_COOKIE } from "../session/session-cookie.ts";
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
/** A token as a Bearer header or the session cookie may carry it. */
const BEARER_TOKEN = /^[A-Za-z0-9_-]{1,200}$/;

/** What the local credential authenticates as: the operator, on this process only. */
const LOCAL_CALLER: Caller = Object.freeze({
  keyId: LOCAL_KEY_ID,
  kind: "secret",
  accountId: null,
  admin: true,
  expiresAt: null,
});

/** What `authenticate` needs to verify a key. */
export interface AuthenticateOptions {
  keys: KeyStore;
  clock: () => Date;
  localCredential?: string;
  /** The dashboard's sessions; without them the session cookie authenticates nothing. */
  sessions?: SessionStore;
}

/**
 * The caller a token stands for: this process's local credential, or a key the store verifies;
 * null for a token that is unknown, revoked or expired.
 */
export async function callerOfToken(options: AuthenticateOptions, token: string | undefined): Promise<Caller | null> {
  const { localCredential } = options;
  if (!token) return null;
  if (localCredential !== undefined && isLocalCredential(token, localCredential)) return LOCAL_CALLER;
  const key = await options.keys.verify(token, options.clock());
  if (!key) return null;
  return {
    keyId: key.keyId,
    kind: key.kind,
    accountId: key.account?.accountId ?? null,
    admin: key.admin,
    expiresAt: key.expiresAt,
  };
}

/**
 * `Authorization: Bearer tg_sk_…` (secret key) or `tg_ct_…` (customer token), or this
 * process's local credential (`tg_lc_…`, see local-credential.ts) when it has one. No key, or a
 * key that is unknown, revoked or expired, is 401 `unauthenticated`; which of these it was
 * is not said, so a probe learns nothing.
 *
 * Without an Authorization header, the dashboard's session cookie (session/session-cookie.ts)
 * names a session instead, whose admin key is checked again on every request; a request that could change something must then also come from
 * this origin and carry the session's CSRF token (403 `forbidden` otherwise), since a browser
 * attaches the cookie to whatever page sent the request.
 */
export function authenticate(options: AuthenticateOptions): MiddlewareHandler<AppEnv> {
  return async function authenticateRequest(c, next) {
    const header = c.req.header("authorization");
    const sessionToken = header === undefined ? getCookie(c, SESSION_COOKIE) : undefined;
    let caller: Caller | null;
    if (sessionToken !== undefined && BEARER_TOKEN.test(sessionToken)) {
      if (!isSafeMethod(c.req.method)) {
        assertSameOrigin(c.req);
        if (!csrfMatches(sessionToken, c.req.header(CSRF_HEADER))) {
          throw new ApiError(
            "forbidden",
            `A change made with the dashboard's session needs its ${CSRF_HEADER} header (GET /session gives it).`,
          );
        }
      }
      caller = options.sessions
        ? await callerOfSession({ ...options, sessions: options.sessions }, sessionToken)
        : null;
    } else {
      caller = await callerOfToken(options, header ? BEARER.exec(header)?.[1] : undefined);
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
