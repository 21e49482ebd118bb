/**
 * Runs tasks one at a time per key, in the order they arrive; tasks of other keys run freely.
 * Holds an entry only while a key has a task running or waiting, so it is bounded by the work
 * in flight. In-process only: across instances, callers must still be correct when two tasks
 * for one key overlap (the Stripe subscription sync re-reads until its view is the newest).
 *
 * @example
 * const locks = new KeyedMutex();
 * await locks.run("sub_123", () => applyEvent(event));
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.#tails.size;
  }
}
