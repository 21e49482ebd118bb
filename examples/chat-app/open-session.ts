import type { TollgateClient } from "@tollgate/sdk";
import type { ChatSession } from "./chat-session.ts";

/** The credits a new user starts with: about forty messages at the example's prices (24 credits each). */
export const STARTING_CREDITS = "1000";

/**
 * What the app's backend does when its user opens the chat, through `@tollgate/sdk` with the
 * app's secret key: the user's account (made once, then found), its starting credits (granted
 * once: the grant's idempotency key is the account's), and a customer token for the page. The
 * token reads that one account and calls the proxy as it; the secret key never leaves the server.
 *
 * @example
 * const session = await openSession(tollgate, "alice"); // { account: "user:alice", token: "tg_ct_…" }
 */
export async function openSession(tollgate: TollgateClient, userId: string): Promise<ChatSession> {
  const account = `user:${userId}`;
  await tollgate.accounts.upsert({ type: "user", externalId: userId });
  await tollgate.initializeUserBalance(account, STARTING_CREDITS);
  const created = await tollgate.keys.create({ kind: "customer", account, name: "example chat page", expiresIn: "1h" });
  return { account, token: shownToken(created) };
}

/**
 * A new key's token, which Tollgate shows once and never stores: a replayed request (the SDK
 * retried one whose answer was lost) answers `token: null`, and the call is to be made again.
 *
 * @example
 * const token = shownToken(await tollgate.keys.create({ kind: "secret", name: "backend" }));
 */
export function shownToken(created: { token: string | null }): string {
  if (created.token === null) throw new Error("the key was made but its token was lost on the way: make another");
  return created.token;
}
