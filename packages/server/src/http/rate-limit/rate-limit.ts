import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "../api-error.ts";
import { type RateLimit, TokenBuckets } from "./token-buckets.ts";

export type { RateLimit } from "./token-buckets.ts";

export interface RateLimitOptions {
  /**
   * Whose bucket a request draws from and its limit, or null to let it through unmetered
   * (no caller, or a kind of caller with no limit).
   */
  bucketOf: (c: Context) => { key: string; limit: RateLimit } | null;
  /** The most buckets kept in memory (least recently used dropped first). Default 100,000. */
  bucketsMax?: number;
  /** A monotonic clock in milliseconds; tests move it. Default `performance.now`. */
  nowMs?: () => number;
}

/**
 * A token bucket per caller, in this process: each request takes a token; with none left the
 * answer is 429 `rate_limited` with `Retry-After` (whole seconds, at least 1) and
 * `details.retryAfterSeconds`. Every metered response says `RateLimit-Limit` (the burst),
 * `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the bucket is full). Limits are
 * per instance: N instances behind a balancer let through up to N times the rate.
 *
 * @example
 * v1.use(authenticate({ keys, clock }));
 * v1.use(rateLimit({ bucketOf: (c) => ({ key: callerOf(c).keyId, limit: { ratePerSecond: 100, burst: 200 } }) }));
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const buckets = new TokenBuckets(options.bucketsMax);
  const nowMs = options.nowMs ?? (() => performance.now());
  return async function rateLimit(c, next) {
    const bucket = options.bucketOf(c);
    if (bucket === null) return next();
    const taken = buckets.take(bucket.key, bucket.limit, nowMs());
    // Set before the handler answers, so every response built from the context carries them.
    c.header("RateLimit-Limit", String(bucket.limit.burst));
    c.header("RateLimit-Remaining", String(taken.remaining));
    c.header("RateLimit-Reset", String(Math.ceil(taken.fullInMs / 1000)));
    if (!taken.allowed) {
      const retryAfterSeconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
      c.header("Retry-After", String(retryAfterSeconds));
      throw new ApiError(
        "rate_limited",
        `Too many requests for this key: it may send ${bucket.limit.ratePerSecond} per second, with bursts of ${bucket.limit.burst}. Retry after ${retryAfterSeconds} s.`,
        { retryAfterSeconds, ratePerSecond: bucket.limit.ratePerSecond, burst: bucket.limit.burst },
      );
    }
    await next();
  };
}
