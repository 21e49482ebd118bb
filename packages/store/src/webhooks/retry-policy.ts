import { boundedInteger } from "./webhook-validation.ts";

/**
 * When a failed delivery is tried again: exponential backoff with full jitter. The retry
 * after attempt n waits a uniformly random time from 0 to min(maxDelayMs, initialDelayMs ×
 * factor^(n−1)); after `maxAttempts` attempts the delivery is failed.
 */
export interface RetryPolicy {
  initialDelayMs: number;
  factor: number;
  maxDelayMs: number;
  maxAttempts: number;
}

/**
 * 10 s doubling up to 6 h, 25 attempts: the last retry comes at most ~3.5 days (on average
 * ~1.7 days) after the event, about Stripe's three days of retries.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  initialDelayMs: 10_000,
  factor: 2,
  maxDelayMs: 6 * 3_600_000,
  maxAttempts: 25,
});

/**
 * Validates a policy: every field bounded, so no setting can retry forever or never wait.
 *
 * @example
 * const policy = defineRetryPolicy({ maxAttempts: 5 });
 */
export function defineRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  boundedInteger("initialDelayMs", policy.initialDelayMs, 100, 86_400_000);
  boundedInteger("maxDelayMs", policy.maxDelayMs, policy.initialDelayMs, 7 * 86_400_000);
  boundedInteger("maxAttempts", policy.maxAttempts, 1, 100);
  if (typeof policy.factor !== "number" || !(policy.factor >= 1 && policy.factor <= 10)) {
    throw new RangeError(`factor must be a number from 1 to 10; got ${policy.factor}`);
  }
  return Object.freeze(policy);
}

/**
 * How long to wait after failed attempt `attempt` (1-based); `random` in [0, 1) is
 * injectable so tests know the schedule.
 *
 * @example
 * retryDelayMs(3, DEFAULT_RETRY_POLICY, () => 0.5); // 20 000: half of 10 s × 2²
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceilingMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1));
  return Math.floor(random() * ceilingMs);
}
