import { BALANCES_CHANNEL } from "./persist-writes.ts";
import type { SqlClient } from "./sql-client.ts";

/** Most live subscriptions one process holds: a limit on everything (each is an open stream). */
export const BALANCE_SUBSCRIBERS_MAX = 10_000;

/** `changed`: the account's balance changed; `resync`: changes may have been missed, read again. */
export type BalanceSignal = "changed" | "resync";

/**
 * Live balance changes: every batch that changes a balance notifies the schema's `balances`
 * channel at commit (from any instance on PostgreSQL), and this fans the account ids out to
 * the subscribers of each account. One LISTEN per process, opened on the first subscription.
 *
 * @example
 * const events = new BalanceEvents(ledger.sql);
 * const stop = await events.subscribe(accountId, () => pushBalanceTo(client));
 */
export class BalanceEvents {
  readonly #subscribers = new Map<string, Set<(signal: BalanceSignal) => void>>();
  #count = 0;
  #listening: Promise<() => Promise<void>> | null = null;

  constructor(private readonly sql: SqlClient) {}

  /** Calls `listener` on each change of `accountId`'s balances; the returned function stops it. */
  async subscribe(accountId: string, listener: (signal: BalanceSignal) => void): Promise<() => void> {
    if (this.#count >= BALANCE_SUBSCRIBERS_MAX)
      throw new RangeError(`at most ${BALANCE_SUBSCRIBERS_MAX} live subscriptions`);
    this.#listening ??= this.sql.listen(BALANCES_CHANNEL, (payload) => this.#deliver(payload));
    await this.#listening;
    let forAccount = this.#subscribers.get(accountId);
    if (!forAccount) {
      forAccount = new Set();
      this.#subscribers.set(accountId, forAccount);
    }
    forAccount.add(listener);
    this.#count++;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.#count--;
      forAccount.delete(listener);
      if (forAccount.size === 0) this.#subscribers.delete(accountId);
    };
  }

  get subscriberCount(): number {
    return this.#count;
  }

  async close(): Promise<void> {
    const listening = this.#listening;
    this.#listening = null;
    if (listening) await (await listening)();
  }

  #deliver(payload: string | null): void {
    if (payload === null) {
      for (const listeners of this.#subscribers.values()) for (const listener of listeners) listener("resync");
      return;
    }
    for (const listener of this.#subscribers.get(payload) ?? []) listener("changed");
  }
}
