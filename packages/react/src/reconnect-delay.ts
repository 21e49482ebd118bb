/** How a dropped stream is retried: doubling delays from `baseMs`, capped at `maxMs`. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ baseMs: 500, maxMs: 30_000 });

/**
 * The wait before reconnect number `attempt` (0 for the first retry): exponential with "full
 * jitter" (a random wait up to the doubled delay), so that every browser of a deployment that
 * restarts does not come back in the same instant.
 *
 * @example
 * reconnectDelayMs(3, DEFAULT_BACKOFF, () => 1) // 4000: 500 * 2^3, before jitter
 */
export function reconnectDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceilingMs = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  // At least a tenth of the ceiling: a zero wait would hammer a server that just refused.
  return Math.round(ceilingMs * (0.1 + 0.9 * random()));
}
