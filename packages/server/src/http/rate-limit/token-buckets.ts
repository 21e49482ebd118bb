/** A sustained rate and the burst above it: a bucket of `burst` tokens refilled at `ratePerSecond`. */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

/** What taking one token found. */
export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Until one token is back (0 when allowed). */
  retryAfterMs: number;
  /** Until the bucket is full again. */
  fullInMs: number;
}

interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

/** Default cap on buckets: 100,000 keys is ~10 MB at most. */
export const RATE_LIMIT_BUCKETS_MAX = 100_000;

/**
 * Token buckets by key, in this process's memory. At most `bucketsMax` are kept; beyond it
 * the least recently used is dropped, which costs its key nothing but a fresh (full) bucket:
 * a bucket untouched for `burst / ratePerSecond` seconds is full anyway.
 *
 * @example
 * const buckets = new TokenBuckets();
 * const { allowed, retryAfterMs } = buckets.take("key_1", { ratePerSecond: 100, burst: 200 }, performance.now());
 */
export class TokenBuckets {
  // A Map iterates in insertion order; re-inserting on every use keeps it least recently used first.
  readonly #buckets = new Map<string, Bucket>();

  constructor(readonly bucketsMax: number = RATE_LIMIT_BUCKETS_MAX) {
    if (!Number.isSafeInteger(bucketsMax) || bucketsMax < 1)
      throw new RangeError("bucketsMax must be a positive integer");
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token from `key`'s bucket at `nowMs` (a monotonic clock), if one is there. */
  take(key: string, limit: RateLimit, nowMs: number): TakeResult {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.bucketsMax) this.#evictOldest();
      bucket = { tokens: limit.burst, updatedAtMs: nowMs };
    } else {
      this.#buckets.delete(key);
      const elapsedMs = Math.max(0, nowMs - bucket.updatedAtMs);
      bucket.tokens = Math.min(limit.burst, bucket.tokens + (elapsedMs * limit.ratePerSecond) / 1000);
      bucket.updatedAtMs = nowMs;
    }
    this.#buckets.set(key, bucket);
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    const msPerToken = 1000 / limit.ratePerSecond;
    return {
      allowed,
      remaining: Math.floor(bucket.tokens),
      retryAfterMs: allowed ? 0 : (1 - bucket.tokens) * msPerToken,
      fullInMs: (limit.burst - bucket.tokens) * msPerToken,
    };
  }

  #evictOldest(): void {
    const oldest = this.#buckets.keys().next();
    if (!oldest.done) this.#buckets.delete(oldest.value);
  }
}
