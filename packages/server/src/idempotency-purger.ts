import { HTTP_IDEMPOTENCY_PURGE_LIMIT_MAX, type HttpIdempotencyStore } from "@tollgate/store";
import { type BackgroundLoop, startBackgroundLoop } from "./background-loop.ts";
import type { JobStats } from "./jobs/job-stats.ts";
import type { Logger } from "./logger.ts";

/** Rows one purge statement deletes: a short statement that holds few locks. */
export const IDEMPOTENCY_PURGE_BATCH = 1000;

export type IdempotencyPurger = BackgroundLoop;

export interface IdempotencyPurgerOptions {
  logger: Logger;
  /** How long to wait once a purge leaves nothing expired. Default 60 s. */
  intervalMs?: number;
  /** Rows per statement, 1 to 10,000. Default 1000. */
  batchSize?: number;
  /** The same clock the idempotency middleware stamps rows with (the ledger's). */
  clock?: () => Date;
  /** Where each pass is counted (`idempotency_purge`); none when absent. */
  stats?: JobStats;
}

/**
 * Deletes expired `Idempotency-Key` rows in the background: batches of `batchSize` one after
 * another while batches come back full, then waits `intervalMs`. Runs never overlap, errors
 * are logged and the timer does not keep the process alive. Safe on any number of instances:
 * each batch is one `delete` of rows that are already past retention (and unlocked), which
 * `reserve` treats as absent anyway, so when or where a purge runs changes no answer; two
 * instances deleting the same row just delete it once.
 *
 * @example
 * const purger = startIdempotencyPurger(new HttpIdempotencyStore(ledger.sql), { logger });
 * await purger.stop();
 */
export function startIdempotencyPurger(
  store: Pick<HttpIdempotencyStore, "purgeExpired">,
  options: IdempotencyPurgerOptions,
): IdempotencyPurger {
  const intervalMs = options.intervalMs ?? 60_000;
  const batchSize = options.batchSize ?? IDEMPOTENCY_PURGE_BATCH;
  const clock = options.clock ?? (() => new Date());
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > HTTP_IDEMPOTENCY_PURGE_LIMIT_MAX) {
    throw new RangeError(`batchSize must be an integer from 1 to ${HTTP_IDEMPOTENCY_PURGE_LIMIT_MAX}`);
  }
  return startBackgroundLoop({
    name: "idempotency key purge",
    intervalMs,
    logger: options.logger,
    pass: async () => {
      const deleted = await store.purgeExpired(clock(), batchSize);
      return { itemsDone: deleted, full: deleted >= batchSize };
    },
    ...(options.stats ? { recorder: options.stats.recorder("idempotency_purge") } : {}),
  });
}
