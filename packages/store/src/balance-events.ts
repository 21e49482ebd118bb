import { BALANCES_CHANNEL } from "./persist-writes.ts";
import type { SqlClient } from "./sql-client.ts";

/** Most live subscriptions one process holds by default: a limit on everything (each is an open stream). */
export const BALANCE_SUBSCRIBERS_MAX = 10_000;

export interface BalanceEventsOptions {
  /** The most subscriptions at once (default BALANCE_SUBSCRIBERS_MAX); one more throws a RangeError. */
  subscribersMax?: number;
}

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

  readonly #subscribersMax: number;

  constructor(
    private readonly sql: SqlClient,
    options: BalanceEventsOptions = {},
  ) {
    this.#subscribersMax = options.subscribersMax ?? BALANCE_SUBSCRIBERS_MAX;
    if (!Number.isInteger(this.#subscribersMax) || this.#subscribersMax < 1) {
      throw new RangeError(`subscribersMax must be a positive integer; got ${this.#subscribersMax}`);
    }
  }

  /**
   * Calls `listener` on each change of `accountId`'s balances; the returned function stops it.
   * Beyond `subscribersMax` this throws a RangeError: the caller (the HTTP API) bounds its
   * streams below that and refuses with a proper answer before it gets here.
   */
  async subscribe(accountId: string, listener: (signal: BalanceSignal) => void): Promise<() => void> {
    if (this.#count >= this.#subscribersMax) throw new RangeError(`at most ${this.#subscribersMax} live subscriptions`);
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
