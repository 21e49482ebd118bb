/**
 * The reliability suite's verdict on a deployment after its clients are done: the ledger's own
 * reconcile, and the ledger compared with what the clients were told (ledger-book.ts). It
 * returns what is wrong instead of asserting, so checks-bite.test.ts can run it against broken
 * builds and assert that it finds something.
 */
import { type Acknowledged, LedgerBook } from "./ledger-book.ts";
import type { RetryingClient } from "./retrying-client.ts";

/** How long held amounts may take to be released by the expiry sweeper (every second) before that counts as a problem. */
const HOLDS_RELEASED_DEADLINE_MS = 60_000;

/** The invariants that `GET /v1/reconcile` reports broken, as problems (none when it is clean). */
export async function reconcileProblems(client: RetryingClient): Promise<string[]> {
  const { status, body } = await client.get("/v1/reconcile");
  if (status !== 200) return [`GET /v1/reconcile answered ${status}: ${JSON.stringify(body)}`];
  if (body.ok === true) return [];
  return (body.checks as Array<{ name: string; mismatches: unknown[] }>)
    .filter((check) => check.mismatches.length > 0)
    .map((check) => `reconcile: ${check.name}: ${JSON.stringify(check.mismatches.slice(0, 3))}`);
}

/** One transaction of an account's history, from its entries. */
interface HistoryTransaction {
  transactionId: string;
  kind: string;
  idempotencyKey: string | null;
}

/**
 * Everything wrong with the deployment given what its clients were told:
 * - reconcile is not clean;
 * - an account's balance is not what the acknowledged answers add up to, or it still has
 *   something held once every hold has expired (`available` must come back to the balance);
 * - an acknowledged grant, charge, settlement or refund is not exactly one transaction, under
 *   its key and with the id its answer gave; an operation refused or never moving a balance
 *   made one;
 * - a transaction carries a key no client sent (the ledger made up or duplicated an operation);
 * - a balance went below zero, in any answer or any line of the history;
 * - an operation sent again by another caller with the same key got another answer than the first.
 */
export async function ledgerProblems(
  client: RetryingClient,
  book: LedgerBook,
  options: { holdsReleasedDeadlineMs?: number } = {},
): Promise<string[]> {
  const problems = await reconcileProblems(client);
  for (const answer of book.answers) {
    if (answer.status === 200 && answer.body?.available !== undefined && BigInt(answer.body.available) < 0n)
      problems.push(`${answer.kind} ${answer.key} answered available ${answer.body.available}`);
  }
  for (const { first, again } of book.duplicates) {
    const same = again.status === first.status && again.body?.transactionId === first.body?.transactionId;
    if (!same)
      problems.push(
        `${first.kind} ${first.key} sent again by another caller answered ${again.status} ${again.body?.transactionId ?? ""}, first ${first.status} ${first.body?.transactionId ?? ""}`,
      );
  }
  const byKey = new Map<string, Acknowledged>(book.answers.map((answer) => [answer.key, answer]));
  // One deadline for all accounts: a build that never releases holds is reported within it, not once per account.
  const releasedBy = Date.now() + (options.holdsReleasedDeadlineMs ?? HOLDS_RELEASED_DEADLINE_MS);
  for (const account of book.accounts()) {
    const { balance, held } = await balanceUntilReleased(client, account, releasedBy);
    const expected = book.expectedBalance(account);
    if (balance !== expected) problems.push(`${account}: balance ${balance}, the answers add up to ${expected}`);
    if (held !== 0n) problems.push(`${account}: ${held} still held after every hold expired`);
    const { transactions, negativeLines } = await historyOf(client, account);
    if (negativeLines > 0) problems.push(`${account}: ${negativeLines} history lines below zero`);
    const transactionsOfKey = new Map<string, HistoryTransaction[]>();
    for (const transaction of transactions) {
      if (transaction.idempotencyKey === null) continue;
      if (!book.sentKeys.has(transaction.idempotencyKey))
        problems.push(
          `${account}: ${transaction.kind} ${transaction.transactionId} under key ${transaction.idempotencyKey}, which no client sent`,
        );
      const list = transactionsOfKey.get(transaction.idempotencyKey) ?? [];
      list.push(transaction);
      transactionsOfKey.set(transaction.idempotencyKey, list);
    }
    for (const [key, list] of transactionsOfKey) {
      const answer = byKey.get(key);
      if (list.length > 1) problems.push(`${account}: key ${key} applied ${list.length} times`);
      else if (answer && !LedgerBook.movesBalance(answer))
        problems.push(`${account}: ${answer.kind} ${key} answered ${answer.status}, yet made a transaction`);
    }
    for (const answer of book.answers) {
      if (answer.account !== account || !LedgerBook.movesBalance(answer)) continue;
      const list = transactionsOfKey.get(answer.key) ?? [];
      if (list.length === 0) problems.push(`${account}: acknowledged ${answer.kind} ${answer.key} is missing`);
      else if (list[0]?.transactionId !== answer.body.transactionId)
        problems.push(
          `${account}: ${answer.key} answered ${answer.body.transactionId}, the ledger has ${list[0]?.transactionId}`,
        );
    }
  }
  return problems;
}

/** The account's balance once nothing is held, or as it is at the deadline. */
async function balanceUntilReleased(
  client: RetryingClient,
  account: string,
  deadline: number,
): Promise<{ balance: bigint; held: bigint }> {
  for (;;) {
    const { status, body } = await client.get(`/v1/accounts/${account}/balances?unit=credits`);
    if (status !== 200) throw new Error(`balances of ${account}: ${status} ${JSON.stringify(body)}`);
    const line = body.data[0] ?? { balance: "0", held: "0", available: "0" };
    const balance = BigInt(line.balance);
    const held = BigInt(line.held);
    if ((held === 0n && BigInt(line.available) === balance) || Date.now() > deadline) return { balance, held };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every transaction in the account's history (newest first), and how many lines end below zero. */
async function historyOf(
  client: RetryingClient,
  account: string,
): Promise<{ transactions: HistoryTransaction[]; negativeLines: number }> {
  const transactions = new Map<string, HistoryTransaction>();
  let negativeLines = 0;
  let before: string | null = null;
  do {
    const query: string = before === null ? "" : `&before=${encodeURIComponent(before)}`;
    const { status, body } = await client.get(`/v1/accounts/${account}/transactions?limit=500${query}`);
    if (status !== 200) throw new Error(`transactions of ${account}: ${status} ${JSON.stringify(body)}`);
    for (const line of body.data) {
      if (BigInt(line.balanceAfter) < 0n) negativeLines += 1;
      if (!transactions.has(line.transactionId))
        transactions.set(line.transactionId, {
          transactionId: line.transactionId,
          kind: line.kind,
          idempotencyKey: line.idempotencyKey,
        });
    }
    before = body.nextCursor;
  } while (before !== null);
  return { transactions: [...transactions.values()], negativeLines };
}
