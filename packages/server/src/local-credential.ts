import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The local credential: a token the running server accepts as an admin key without a row in
 * `api_keys`, so the `tollgate` CLI of the same data directory's owner can work through the
 * server (docs/reference/cli.md, "Beside a running server"). A fresh one per process; it
 * reaches the CLI only through a file only that owner can read.
 */
export const LOCAL_CREDENTIAL_PREFIX = "tg_lc_";

/** The id requests made with the local credential carry in logs, metrics and Idempotency-Key scopes. */
export const LOCAL_KEY_ID = "key_local";

/**
 * A new local credential: the prefix and 256 random bits, in base64url.
 *
 * @example
 * const credential = newLocalCredential(); // "tg_lc_…" (49 characters)
 */
export function newLocalCredential(): string {
  return LOCAL_CREDENTIAL_PREFIX + randomBytes(32).toString("base64url");
}

/** Whether `token` is `credential`, compared in constant time (their lengths are public: fixed). */
export function isLocalCredential(token: string, credential: string): boolean {
  if (!token.startsWith(LOCAL_CREDENTIAL_PREFIX)) return false;
  const presented = Buffer.from(token, "utf8");
  const expected = Buffer.from(credential, "utf8");
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
