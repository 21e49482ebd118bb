import { setImmediate as nextTurn } from "node:timers/promises";
import { CommitLaneFull } from "./commit-lane-full.ts";
import { isDatabaseUnavailable } from "./database-unavailable.ts";

/** Whether an item may be refused when the lane is full. */
export type Admission = "bounded" | "always";

/**
 * Group commit: operations submitted while a batch is being written wait and go together
 * in the next one, so N concurrent callers cost one database transaction, not N (as
 * TigerBeetle batches transfers). Each caller still gets its own result, in order.
 *
 * The queue is bounded ("put a limit on everything"): an item submitted while `queueMax` items
 * already wait is refused at once with `CommitLaneFull`, never queued, so it has no effect. An
 * item submitted as `"always"` (the end of work already admitted: a hold's settlement, a
 * sweep) is queued whatever the length, since refusing it would strand what was begun; such
 * items are bounded by the work they finish.
 */
export class CommitLane<Item, Outcome> {
  readonly #queue: Array<{ item: Item; resolve: (outcome: Outcome) => void; reject: (error: unknown) => void }> = [];
  #running = false;
  #writing = 0;

  constructor(
    private readonly runBatch: (items: Item[]) => Promise<Outcome[]>,
    private readonly batchSizeMax: number,
    private readonly options: { queueMax?: number } = {},
  ) {
    const { queueMax } = options;
    if (queueMax !== undefined && !(Number.isInteger(queueMax) && queueMax >= 1)) {
      throw new RangeError(`queueMax must be a whole number of at least 1, not ${queueMax}`);
    }
  }

  /** Queues `item` for the next batch; refused with `CommitLaneFull` when the lane is full, unless `"always"`. */
  submit(item: Item, admission: Admission = "bounded"): Promise<Outcome> {
    const { queueMax } = this.options;
    if (admission === "bounded" && queueMax !== undefined && this.#queue.length >= queueMax) {
      return Promise.reject(new CommitLaneFull(queueMax));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  /**
   * Submits many items at once, in order: they are queued together, so they go in as few
   * batches as the size limit allows instead of the first alone and the rest after it. A full
   * lane refuses them all (`CommitLaneFull`), so none has an effect; one that is not full takes
   * them all, overshooting its bound by at most one request's items (a request's size is bounded).
   */
  submitMany(items: readonly Item[]): Promise<Outcome[]> {
    const { queueMax } = this.options;
    if (queueMax !== undefined && this.#queue.length >= queueMax) return Promise.reject(new CommitLaneFull(queueMax));
    const outcomes = items.map(
      (item) =>
        new Promise<Outcome>((resolve, reject) => {
          this.#queue.push({ item, resolve, reject });
        }),
    );
    if (!this.#running && items.length > 0) void this.#drain();
    return Promise.all(outcomes);
  }

  /** Items waiting for a batch (not those being written). */
  get pending(): number {
    return this.#queue.length;
  }

  /** Items in the batch being written now, 0 between batches. */
  get writing(): number {
    return this.#writing;
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.batchSizeMax);
        this.#writing = batch.length;
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
        this.#writing = 0;
        // Let the event loop turn before taking the next batch: the callers just answered
        // run their continuations and submit their next operations (and I/O brings new
        // requests), so they join the next batch instead of waiting out a whole extra
        // transaction. Without it, a steady load splits into two half-size batches.
        await nextTurn();
      }
    } finally {
      this.#writing = 0;
      this.#running = false;
    }
  }
}
