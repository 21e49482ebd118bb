import { isDatabaseUnavailable } from "@tollgate/store";

/** The first pause between attempts; it doubles up to RETRY_DELAY_MS_MAX. */
const RETRY_DELAY_MS_FIRST = 250;
const RETRY_DELAY_MS_MAX = 5_000;
/** The most keys waiting for the database at once; beyond it a key waits out its lock instead. */
export const BACKGROUND_RETRIES_MAX = 10_000;

/**
 * Retries one Idempotency-Key write (a release, a completion) that failed because the
 * database was away, until it succeeds or `until` passes (the key's lock: after it the write
 * no longer matters, another request may take the key over). Without it a key whose request
 * failed with the database would answer 409 `idempotency_in_progress` for its whole lock,
 * a minute, after the database came back. Timers do not keep the process alive.
 *
 * @example
 * const retries = backgroundRetries(() => new Date());
 * retries.start(() => store.release(held), lockedUntil);
 */
export function backgroundRetries(clock: () => Date) {
  let pending = 0;
  return {
    /** Starts retrying `write`; false when too many already wait, so it is not tried again. */
    start(write: () => Promise<unknown>, until: Date): boolean {
      if (pending >= BACKGROUND_RETRIES_MAX) return false;
      pending++;
      const attempt = (delayMs: number) => {
        setTimeout(() => {
          write().then(
            () => pending--,
            (error: unknown) => {
              const next = Math.min(delayMs * 2, RETRY_DELAY_MS_MAX);
              if (isDatabaseUnavailable(error) && clock().getTime() + next < until.getTime()) attempt(next);
              else pending--;
            },
          );
        }, delayMs).unref();
      };
      attempt(RETRY_DELAY_MS_FIRST);
      return true;
    },
    /** How many writes wait for the database now. */
    get pending(): number {
      return pending;
    },
  };
}
