/**
 * When the SDK sends a request again, and after how long: stripe-node's rules. Only what is
 * safe is retried: a read, or a write that carries an `Idempotency-Key` (the server answers a
 * replay with the first answer, so the write happens once). Retried: no answer at all (a
 * network error or a timeout), 409 `idempotency_in_progress` (the first attempt is still
 * running), 429, and 5xx but 501 (`stripe_not_configured` is not going to change).
 */
export interface RetryBackoff {
  /** The first retry's delay before jitter; default 500 ms (stripe-node's). */
  initialMs: number;
  /** The longest delay before jitter; default 5 s. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: RetryBackoff = { initialMs: 500, maxMs: 5_000 };

/** The longest `Retry-After` honoured; a longer one is a server asking not to be retried now. */
export const RETRY_AFTER_MAX_MS = 60_000;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Whether a request may be sent again at all: a read, or a write with an idempotency key. */
export function isRetrySafe(method: string, headers: Headers): boolean {
  return SAFE_METHODS.has(method.toUpperCase()) || headers.has("idempotency-key");
}

/** Whether an answer says "try again": its status and, for a 409, its error code. */
export function isRetryableAnswer(status: number, errorCode: string | null): boolean {
  if (status === 409) return errorCode === "idempotency_in_progress";
  if (status === 429) return true;
  return status >= 500 && status !== 501;
}

/**
 * The wait before retry number `retry` (1 for the first): exponential from `initialMs`, capped
 * at `maxMs`, with jitter in [½, 1] of it (so clients refused together do not return
 * together), never below `initialMs`; at least the `Retry-After` the server gave, when that is
 * at most a minute.
 */
export function retryDelayMs(
  retry: number,
  retryAfter: string | null,
  backoff: RetryBackoff = DEFAULT_BACKOFF,
  random: () => number = Math.random,
  now: () => number = Date.now,
): number {
  const exponential = Math.min(backoff.initialMs * 2 ** (retry - 1), backoff.maxMs);
  const jittered = Math.max(backoff.initialMs, exponential * (0.5 + random() / 2));
  const asked = retryAfterMs(retryAfter, now);
  return asked !== null && asked <= RETRY_AFTER_MAX_MS ? Math.max(jittered, asked) : jittered;
}

/** `Retry-After` in milliseconds: whole seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now: () => number = Date.now): number | null {
  if (value === null || value.trim() === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now());
}
