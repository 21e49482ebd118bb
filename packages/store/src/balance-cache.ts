import { BALANCES_CHANNEL } from "./persist-writes.ts";
import type { AccountBalanceState } from "./reads.ts";
import type { SqlClient } from "./sql-client.ts";

export interface BalanceCacheOptions {
  /** Accounts kept at most; the oldest filled is dropped first. Default 100,000. */
  entriesMax?: number;
  /**
   * The longest an entry is served, however quiet the account. A backstop only: changes
   * evict entries as they commit. It bounds how stale a read can be if a notification is
   * ever lost (the LISTEN connection dropped before the drop was noticed). Default 5 s.
   */
  maxAgeMs?: number;
  /**
   * The earliest age at which a read, still answered from memory, reloads its entry in the
   * background, so an account read often never misses for age. Each entry picks its own point
   * between this and `maxAgeMs` at random: entries filled together (a restart, a notification
   * loss) are reloaded spread out, not in one wave that would hold up every read. Default
   * half of `maxAgeMs`.
   */
  refreshAfterMs?: number;
}

interface Filled {
  state: AccountBalanceState;
  filledAtMs: number;
  /** The age at which a read reloads it in the background. */
  refreshAtAgeMs: number;
  /** A background reload is in flight. */
  refreshing?: boolean;
}

/** A read in flight: its result is kept only if nothing changed the account meanwhile. */
interface Filling {
  token: symbol;
  /** What the load will answer: reads that miss while it runs wait for it instead of loading again. */
  loading: Promise<AccountBalanceState | null>;
}

/**
 * Balance reads from memory: the rows behind each account's balances (balances, live lots,
 * active holds), so a read costs no round trip. The reader still computes the view at its
 * own `now`, so expiries take effect on time with no write at all. Entries are evicted:
 *
 * - by this process's ledger, for every account of a batch, before any caller of the batch
 *   gets its result (so a read after a write on this instance sees the write);
 * - by the schema's `balances` notifications, for batches committed anywhere (other
 *   instances, the CLI), and all at once when notifications may have been missed;
 * - after `maxAgeMs` in any case; a read of an entry past its refresh point (between
 *   `refreshAfterMs` and `maxAgeMs`) reloads it in the background first, so a busy account is
 *   renewed before it expires.
 *
 * A read that misses loads from the database and keeps the result only if no eviction of the
 * account happened while it loaded: a stale snapshot is never kept. A background reload keeps
 * its result on the same condition. Until the LISTEN is in place, every read goes to the
 * database.
 *
 * @example
 * const cache = new BalanceCache(ledger.sql);
 * const state = await cache.read(accountId, () => readBalanceState(ledger.sql, accountId));
 */
export class BalanceCache {
  readonly #entries = new Map<string, Filled | Filling>();
  readonly #entriesMax: number;
  readonly #maxAgeMs: number;
  readonly #refreshAfterMs: number;
  #listening: Promise<void> | null = null;
  #stopListening: (() => Promise<void>) | null = null;
  #live = false;
  #closed = false;

  constructor(
    private readonly sql: SqlClient,
    options: BalanceCacheOptions = {},
    private readonly nowMs: () => number = () => performance.now(),
    private readonly random: () => number = Math.random,
  ) {
    this.#entriesMax = positiveInteger(options.entriesMax ?? 100_000, "entriesMax");
    this.#maxAgeMs = positiveInteger(options.maxAgeMs ?? 5_000, "maxAgeMs");
    this.#refreshAfterMs = positiveInteger(options.refreshAfterMs ?? Math.ceil(this.#maxAgeMs / 2), "refreshAfterMs");
  }

  /** The account's state from memory, else from `load` (kept if still current); null is never kept. */
  async read(accountId: string, load: () => Promise<AccountBalanceState | null>): Promise<AccountBalanceState | null> {
    if (!this.#live) {
      this.#listen();
      return load();
    }
    const entry = this.#entries.get(accountId);
    if (entry && "state" in entry) {
      const ageMs = this.nowMs() - entry.filledAtMs;
      if (ageMs < this.#maxAgeMs) {
        if (ageMs >= entry.refreshAtAgeMs && !entry.refreshing) this.#refresh(accountId, entry, load);
        return entry.state;
      }
    }
    // A load already in flight, begun after the account's last eviction (an eviction deletes
    // it), answers as a new one would: many readers of a cold account cost one query.
    if (entry && "loading" in entry) return entry.loading;
    const token = Symbol(accountId);
    const loading = load();
    this.#put(accountId, { token, loading });
    let state: AccountBalanceState | null = null;
    try {
      state = await loading;
      return state;
    } finally {
      const current = this.#entries.get(accountId);
      if (current && "token" in current && current.token === token) this.#keep(accountId, state);
    }
  }

  /** Forgets these accounts: their next read goes to the database. */
  evict(accountIds: Iterable<string>): void {
    for (const accountId of accountIds) this.#entries.delete(accountId);
  }

  /** Forgets every account. */
  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#live = false;
    this.clear();
    await this.#listening?.catch(() => {});
    await this.#stopListening?.();
  }

  /** Reloads a filled entry in the background; the result replaces it only if nothing evicted it meanwhile. */
  #refresh(accountId: string, entry: Filled, load: () => Promise<AccountBalanceState | null>): void {
    entry.refreshing = true;
    const current = () => this.#entries.get(accountId) === entry;
    load().then(
      (state) => {
        if (current()) this.#keep(accountId, state);
      },
      () => {
        // The entry is served until it expires; a later read tries again.
        entry.refreshing = false;
      },
    );
  }

  #keep(accountId: string, state: AccountBalanceState | null): void {
    if (state === null) this.#entries.delete(accountId);
    else {
      const refreshAtAgeMs = this.#refreshAfterMs + this.random() * (this.#maxAgeMs - this.#refreshAfterMs);
      this.#put(accountId, { state, filledAtMs: this.nowMs(), refreshAtAgeMs });
    }
  }

  /** Re-inserted, so the Map's order stays the order of filling: the first key is the oldest. */
  #put(accountId: string, entry: Filled | Filling): void {
    this.#entries.delete(accountId);
    this.#entries.set(accountId, entry);
    if (this.#entries.size > this.#entriesMax) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  /** Starts listening once; reads are served from memory only once the LISTEN is in place. */
  #listen(): void {
    if (this.#listening || this.#closed) return;
    this.#listening = this.sql
      .listen(BALANCES_CHANNEL, (accountId) => (accountId === null ? this.clear() : this.evict([accountId])))
      .then(
        (stop) => {
          this.#stopListening = stop;
          this.#live = !this.#closed;
        },
        () => {
          // No LISTEN, no cache: reads keep going to the database; the next read tries again.
          this.#listening = null;
        },
      );
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}
