import { createHash, randomBytes } from "node:crypto";
import type { SqlClient } from "./sql-client.ts";

/** A session token's prefix: tells it from a key at a glance, so a leaked one is recognised. */
export const DASHBOARD_SESSION_PREFIX = "tg_ds_";

/** 256 random bits, as a key has. */
const TOKEN_RANDOM_BYTES = 32;

/** The most expired sessions one sign-in clears: a limit on everything, the rest go next time. */
const EXPIRED_PURGED_PER_SIGN_IN_MAX = 1000;

/** A live session: the admin key it stands for and when it ends. */
export interface DashboardSession {
  keyId: string;
  expiresAt: Date;
}

/**
 * The operator dashboard's sessions: a sign-in makes a random token (`tg_ds_…`) for the browser's
 * cookie, and the table keeps only its SHA-256, the key id and the expiry, so neither the cookie
 * nor the table ever holds a key. Whether the key is still good (not revoked, not expired) is for
 * the caller to check on every request; signing out deletes the row. Shared by every instance.
 *
 * @example
 * const sessions = new DashboardSessions(ledger.sql);
 * const token = await sessions.start({ keyId, now, expiresAt });
 * const session = await sessions.find(token, new Date()); // null once ended or expired
 * await sessions.end(token);
 */
export class DashboardSessions {
  constructor(private readonly sql: SqlClient) {}

  /** Starts a session for `keyId` until `expiresAt`, and clears some that have expired. */
  async start(input: { keyId: string; now: Date; expiresAt: Date }): Promise<string> {
    if (!(input.expiresAt.getTime() > input.now.getTime())) throw new RangeError("a session must end after it starts");
    const token = DASHBOARD_SESSION_PREFIX + randomBytes(TOKEN_RANDOM_BYTES).toString("base64url");
    await this.sql.query(
      `with expired as (
         delete from dashboard_sessions where token_hash in (
           select token_hash from dashboard_sessions where expires_at <= $4 limit ${EXPIRED_PURGED_PER_SIGN_IN_MAX}))
       insert into dashboard_sessions (token_hash, key_id, created_at, expires_at) values ($1, $2, $4, $3)`,
      [hashOf(token), input.keyId, input.expiresAt, input.now],
    );
    return token;
  }

  /** The live session `token` names, or null: unknown, signed out, or expired at `now`. */
  async find(token: string, now: Date): Promise<DashboardSession | null> {
    if (!token.startsWith(DASHBOARD_SESSION_PREFIX)) return null;
    const [row] = await this.sql.query<{ key_id: string; expires_at: Date | string }>(
      "select key_id, expires_at from dashboard_sessions where token_hash = $1 and expires_at > $2",
      [hashOf(token), now],
    );
    return row ? { keyId: row.key_id, expiresAt: new Date(row.expires_at) } : null;
  }

  /** Ends the session `token` names, on every instance; ending one that is gone is harmless. */
  async end(token: string): Promise<void> {
    if (!token.startsWith(DASHBOARD_SESSION_PREFIX)) return;
    await this.sql.query("delete from dashboard_sessions where token_hash = $1", [hashOf(token)]);
  }
}

function hashOf(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}
