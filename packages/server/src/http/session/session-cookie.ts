import { createHmac, timingSafeEqual } from "node:crypto";
import { ApiError } from "../api-error.ts";

/**
 * The operator dashboard's session: an HttpOnly cookie that carries a random session token
 * (`tg_ds_…`), never a key. The session row (store/src/dashboard-sessions.ts) names the admin
 * key, whose state is read again on every request: a revoked or expired key ends its sessions at
 * their next request, on every instance; signing out deletes the row; a session ends after
 * SESSION_MAX_AGE_SECONDS.
 */
export const SESSION_COOKIE = "tollgate_session";

/** The header an unsafe request made with the session cookie must carry (see `csrfTokenFor`). */
export const CSRF_HEADER = "X-CSRF-Token";

/** How long a session lasts: a working day; the key's own expiry ends it sooner. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/**
 * The CSRF token of a session: an HMAC of a fixed label keyed by the session's token. Another
 * site's page cannot read it (it comes only in same-origin JSON answers, `GET /session`), and
 * nothing needs storing to check it: the server derives it again from the cookie it was sent.
 *
 * @example
 * request.headers.set(CSRF_HEADER, csrfTokenFor(token));
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac("sha256", sessionToken).update("tollgate dashboard csrf v1").digest("base64url");
}

/** Whether `presented` is the session's CSRF token, compared in constant time. */
export function csrfMatches(sessionToken: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken), "utf8");
  const given = Buffer.from(presented, "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Methods that change nothing: the only ones a session cookie authenticates without the CSRF header. */
export function isSafeMethod(method: string): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS";
}

/**
 * Refuses a request another origin's page sent: its `Origin` header, when the browser sends
 * one (every browser does on a POST or DELETE), must be this server's own origin.
 */
export function assertSameOrigin(request: { url: string; header(name: string): string | undefined }): void {
  const origin = request.header("origin");
  if (origin === undefined) return;
  const own = new URL(request.url);
  const forwardedProto = request.header("x-forwarded-proto");
  const ownOrigins = new Set([own.origin, forwardedProto ? `${forwardedProto}://${own.host}` : own.origin]);
  if (!ownOrigins.has(origin)) {
    throw new ApiError(
      "forbidden",
      `A request from ${origin} may not use this server's session: sign in on its own origin.`,
    );
  }
}

/** Whether the request came over https (directly, or through a proxy that says so): the cookie is then Secure. */
export function isHttps(request: { url: string; header(name: string): string | undefined }): boolean {
  return new URL(request.url).protocol === "https:" || request.header("x-forwarded-proto") === "https";
}
