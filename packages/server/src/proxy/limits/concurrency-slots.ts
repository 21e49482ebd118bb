/** A slot taken: `free` gives it back, once however often it is called. */
export interface Slot {
  free(): void;
}

/**
 * At most `perKeyMax` slots in use per key, in this process's memory. A key with none in use
 * has no entry, so memory follows the calls in flight, not the keys ever seen.
 *
 * @example
 * const slots = new ConcurrencySlots(20);
 * const slot = slots.take("acct_1"); // null when acct_1 has 20 in use
 * try { await call(); } finally { slot?.free(); }
 */
export class ConcurrencySlots {
  readonly #inUse = new Map<string, number>();

  constructor(readonly perKeyMax: number) {
    if (!Number.isSafeInteger(perKeyMax) || perKeyMax < 1) throw new RangeError("perKeyMax must be a positive integer");
  }

  /** The slots `key` has in use now. */
  inUse(key: string): number {
    return this.#inUse.get(key) ?? 0;
  }

  /** The keys with a slot in use: what the map holds. */
  get keys(): number {
    return this.#inUse.size;
  }

  /** A slot for `key`, or null if it has `perKeyMax` in use. */
  take(key: string): Slot | null {
    const inUse = this.inUse(key);
    if (inUse >= this.perKeyMax) return null;
    this.#inUse.set(key, inUse + 1);
    let freed = false;
    return {
      free: () => {
        if (freed) return;
        freed = true;
        const left = this.inUse(key) - 1;
        if (left > 0) this.#inUse.set(key, left);
        else this.#inUse.delete(key);
      },
    };
  }
}
