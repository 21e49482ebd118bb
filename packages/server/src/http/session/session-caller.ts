import type { DashboardSessions } from "@tollgate/store";
import type { Caller, KeyStore } from "../v1/auth.ts";

/** The sessions a request's cookie is looked up in (store/src/dashboard-sessions.ts). */
export type SessionStore = Pick<DashboardSessions, "start" | "find" | "end">;

/**
 * The caller a session cookie stands for: its live session's admin key, read again on every
 * request, so a key revoked or expired since the sign-in (on any instance) ends the session at
 * once; null for a token that names no live session, or a key that may no longer sign in.
 *
 * @example
 * const caller = await callerOfSession({ sessions, keys, clock }, getCookie(c, SESSION_COOKIE));
 */
export async function callerOfSession(
  options: { sessions: SessionStore; keys: Pick<KeyStore, "get">; clock: () => Date },
  token: string | undefined,
): Promise<Caller | null> {
  if (!token) return null;
  const now = options.clock();
  const session = await options.sessions.find(token, now);
  if (!session) return null;
  const key = await options.keys.get(session.keyId);
  if (!key?.admin || key.kind !== "secret" || key.revokedAt !== null) return null;
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) return null;
  return { keyId: key.keyId, kind: "secret", accountId: null, admin: true, expiresAt: key.expiresAt };
}
