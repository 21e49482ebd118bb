import { setImmediate as nextTurn } from "node:timers/promises";
import { isDatabaseUnavailable } from "./database-unavailable.ts";

/**
 * Group commit: operations submitted while a batch is being written wait and go together
 * in the next one, so N concurrent callers cost one database transaction, not N (as
 * TigerBeetle batches transfers). Each caller still gets its own result, in order.
 */
export class CommitLane<Item, Outcome> {
  readonly #queue: Array<{ item: Item; resolve: (outcome: Outcome) => void; reject: (error: unknown) => void }> = [];
  #running = false;

  constructor(
    private readonly runBatch: (items: Item[]) => Promise<Outcome[]>,
    private readonly batchSizeMax: number,
  ) {}

  submit(item: Item): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  /**
   * Submits many items at once, in order: they are queued together, so they go in as few
   * batches as the size limit allows instead of the first alone and the rest after it.
   */
  submitMany(items: readonly Item[]): Promise<Outcome[]> {
    const outcomes = items.map(
      (item) =>
        new Promise<Outcome>((resolve, reject) => {
          this.#queue.push({ item, resolve, reject });
        }),
    );
    if (!this.#running && items.length > 0) void this.#drain();
    return Promise.all(outcomes);
  }

  get pending(): number {
    return this.#queue.length;
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.batchSizeMax);
        try {
          const outcomes = await this.runBatch(batch.map((waiter) => waiter.item));
          for (const [index, waiter] of batch.entries()) waiter.resolve(outcomes[index] as Outcome);
        } catch (error) {
          // The database is away: each operation would fail alike, one connect timeout after
          // another, so they all fail now and their callers answer "retry later". The lane
          // keeps going: the next batch tries the database again.
          if (isDatabaseUnavailable(error)) {
            for (const waiter of batch) waiter.reject(error);
            await nextTurn();
            continue;
          }
          // One bad operation must not fail its neighbours: run them one by one.
          for (const waiter of batch) {
            try {
              const [outcome] = await this.runBatch([waiter.item]);
              waiter.resolve(outcome as Outcome);
            } catch (error) {
              waiter.reject(error);
            }
          }
        }
        // Let the event loop turn before taking the next batch: the callers just answered
        // run their continuations and submit their next operations (and I/O brings new
        // requests), so they join the next batch instead of waiting out a whole extra
        // transaction. Without it, a steady load splits into two half-size batches.
        await nextTurn();
      }
    } finally {
      this.#running = false;
    }
  }
}
