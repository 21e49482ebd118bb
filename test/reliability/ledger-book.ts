/**
 * What the clients know: every Idempotency-Key they sent and every final answer they got. The
 * checks compare the ledger with it, so what they expect comes from the answers alone, never
 * from the server's own reading of itself.
 */
import type { Answer, RetryingClient } from "./retrying-client.ts";

/** What an operation was; the ones that move a balance are a transaction each. */
export type OperationKind = "account" | "grant" | "charge" | "hold" | "settle" | "refund" | "release";

/** One operation's final answer. */
export interface Acknowledged extends Answer {
  key: string;
  kind: OperationKind;
  /** The account it concerns, as `type:externalId`. */
  account: string;
}

/** Kinds whose success is one transaction on the account, moving its balance by the answer's `amount`. */
const BALANCE_SIGN: Partial<Record<OperationKind, 1n | -1n>> = { grant: 1n, charge: -1n, settle: -1n, refund: 1n };

export class LedgerBook {
  /** Every key any client sent, answered or not. */
  readonly sentKeys = new Set<string>();
  readonly answers: Acknowledged[] = [];
  /**
   * Operations sent a second time, with the same Idempotency-Key, by another caller (another
   * API key, so the HTTP layer sees a new request): the ledger must answer the first result
   * again and apply nothing. Kept apart from `answers`, which count each operation once.
   */
  readonly duplicates: Array<{ first: Acknowledged; again: Acknowledged }> = [];
  private readonly accountSet = new Set<string>();
  /** Called after every final answer (crashes.test.ts counts them to pick when to kill). */
  onAnswer: (answer: Acknowledged) => void = () => {};

  /** Sends one operation through `client` until its answer is final, and records the answer. */
  async send(
    client: RetryingClient,
    operation: { kind: OperationKind; account: string; path: string; key: string; body: unknown },
  ): Promise<Acknowledged> {
    this.sentKeys.add(operation.key);
    this.accountSet.add(operation.account);
    const answer = await client.post(operation.path, operation.key, operation.body);
    const acknowledged = { ...answer, key: operation.key, kind: operation.kind, account: operation.account };
    this.answers.push(acknowledged);
    this.onAnswer(acknowledged);
    return acknowledged;
  }

  /** Sends `first`'s operation again through `client` (another caller) and records both answers. */
  async resend(client: RetryingClient, first: Acknowledged, operation: { path: string; body: unknown }): Promise<void> {
    const answer = await client.post(operation.path, first.key, operation.body);
    this.duplicates.push({ first, again: { ...answer, key: first.key, kind: first.kind, account: first.account } });
  }

  /** The accounts operations were sent for. */
  accounts(): string[] {
    return [...this.accountSet].sort();
  }

  /** Whether the answer moved a balance: a successful grant, charge, settlement or refund. */
  static movesBalance(answer: Acknowledged): boolean {
    return answer.status === 200 && BALANCE_SIGN[answer.kind] !== undefined;
  }

  /** The account's balance as the answers say it must be: grants and refunds in, charges and settlements out. */
  expectedBalance(account: string): bigint {
    let balance = 0n;
    for (const answer of this.answers) {
      if (answer.account !== account || !LedgerBook.movesBalance(answer)) continue;
      balance += (BALANCE_SIGN[answer.kind] as bigint) * BigInt(answer.body.amount);
    }
    return balance;
  }

  /** How many operations of `kind` on `account` succeeded. */
  successes(account: string, kind: OperationKind): number {
    return this.answers.filter((a) => a.account === account && a.kind === kind && a.status === 200).length;
  }
}
