import { randomUUID } from "node:crypto";
import type { Ledger } from "../ledger.ts";
import type { Webhooks } from "./webhooks.ts";

/**
 * For tests: drives a user account from 10 to 0 (a grant, then a charge of all of it), which
 * writes one `balance.depleted` event, and returns that event's id.
 */
export async function depleteAccount(ledger: Ledger, webhooks: Webhooks, externalId: string): Promise<string> {
  const account = { type: "user" as const, externalId };
  await ledger.grant({ account, amountMinor: 10n, source: "promo", idempotencyKey: randomUUID() });
  await ledger.charge({ account, amountMinor: 10n, idempotencyKey: randomUUID() });
  const id = (await ledger.accounts.findId(account)) ?? "";
  return (await webhooks.listEvents({ accountId: id, limit: 1 })).items[0]?.eventId ?? "";
}
