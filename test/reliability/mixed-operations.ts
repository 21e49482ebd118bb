/**
 * The reliability suite's mixed load, as an app's backend sends it: grants, charges (some
 * refused for want of credits), holds settled for part of their amount, holds left to expire,
 * and refunds of earlier charges. Random from a seed, so a failing run can be replayed.
 */
import type { LedgerBook } from "./ledger-book.ts";
import type { RetryingClient } from "./retrying-client.ts";

/** What one run of mixed operations shares. */
export interface Workload {
  client: RetryingClient;
  book: LedgerBook;
  random: () => number;
  /** `type:externalId` of the accounts to spread operations over. */
  accounts: string[];
  /** Prefix of every Idempotency-Key this workload sends, unique per run. */
  keyPrefix: string;
  /** How long a hold lives: short, so the run's end finds every unsettled one expired. */
  expiringHoldTtlSeconds: number;
  /**
   * A number that changes whenever the server under the clients was killed. A hold whose
   * settlement would go to a server other than the one that held it is left to expire
   * instead, as a crashed worker of an app would leave it.
   */
  life?: () => number;
  /** Sends about one operation in `every` a second time through `client`, with the same key (ledger-book.ts, `duplicates`). */
  duplicate?: { client: RetryingClient; every: number };
}

let counter = 0;

/** A fresh Idempotency-Key: one per operation, kept for every retry of it. */
export function nextKey(workload: Workload, what: string): string {
  counter += 1;
  return `${workload.keyPrefix}-${what}-${counter}`;
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const between = (random: () => number, low: number, high: number) => low + Math.floor(random() * (high - low + 1));

/** Creates the accounts (no signup grant: every credit comes from the grants the book records). */
export async function createAccounts(workload: Workload): Promise<void> {
  for (const account of workload.accounts) {
    const [type, externalId] = account.split(":");
    const answer = await workload.book.send(workload.client, {
      kind: "account",
      account,
      path: "/v1/accounts",
      key: nextKey(workload, "account"),
      body: { type, externalId },
    });
    if (answer.status !== 200) throw new Error(`creating ${account}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}

/** One random operation (two for a hold that is settled), each sent until its answer is final. */
export async function runMixedOperation(workload: Workload): Promise<void> {
  const { random, book, client } = workload;
  const account = pick(random, workload.accounts);
  const roll = random();
  const send = async (kind: Parameters<LedgerBook["send"]>[1]["kind"], path: string, body: unknown) => {
    const answer = await book.send(client, { kind, account, path, key: nextKey(workload, kind), body });
    const { duplicate } = workload;
    // Only a success: the ledger keeps the keys of what took effect, and a refusal sent again
    // is decided again (it may pass now), as documented.
    if (duplicate && answer.status === 200 && random() * duplicate.every < 1)
      await book.resend(duplicate.client, answer, { path, body });
    return answer;
  };
  if (roll < 0.25) {
    await send("grant", `/v1/accounts/${account}/grants`, {
      amount: String(between(random, 5, 60)),
      source: "purchase",
    });
  } else if (roll < 0.55) {
    await send("charge", "/v1/charges", { account, amount: String(between(random, 1, 25)) });
  } else if (roll < 0.75) {
    const life = workload.life?.();
    const amount = between(random, 2, 20);
    const hold = await send("hold", "/v1/holds", {
      account,
      amount: String(amount),
      ttlSeconds: workload.expiringHoldTtlSeconds,
    });
    // The server died between the hold and its settlement: the hold is left to its expiry,
    // as a crashed worker of an app leaves it. A settlement that comes after the expiry is
    // refused (a final answer that moves nothing).
    if (hold.status !== 200 || life !== workload.life?.()) return;
    await send("settle", `/v1/holds/${hold.body.holdId}/settle`, { amount: String(between(random, 1, amount)) });
  } else if (roll < 0.85) {
    await send("hold", "/v1/holds", {
      account,
      amount: String(between(random, 1, 10)),
      ttlSeconds: workload.expiringHoldTtlSeconds,
    });
  } else {
    const charges = book.answers.filter((a) => a.account === account && a.kind === "charge" && a.status === 200);
    if (charges.length === 0) return;
    const charge = pick(random, charges);
    // Part of it: a charge may be refunded more than once, until nothing of it is left (then 4xx, final too).
    await send("refund", `/v1/transactions/${charge.body.transactionId}/refund`, {
      amount: String(between(random, 1, Number(charge.body.amount))),
    });
  }
}
