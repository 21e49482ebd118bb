import { isDatabaseUnavailable } from "@tollgate/store";
import type { JobRecorder } from "./jobs/job-stats.ts";
import type { Logger } from "./logger.ts";

/** What one pass did: how many items (accounts, deliveries, rows), and whether it took as many as it may. */
export interface PassResult {
  itemsDone: number;
  /** True when the pass did as much as it may at once, so more is probably waiting. */
  full: boolean;
}

export interface BackgroundLoop {
  /** Stops the timer and waits for a pass in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalMs` in the background, the shape of every job the server runs
 * (expiry sweeps, webhook deliveries, the Idempotency-Key purge): passes never overlap (the
 * next is scheduled when one ends), a pass that reports it was full runs the next at once,
 * errors are logged under `name`, and the timer does not keep the process alive. While the
 * database is unavailable the loop keeps trying at its interval and logs one warning, not one
 * error per pass, then one line when a pass succeeds again. With `recorder`, each pass's start,
 * end, items and failure are counted for `/metrics` and `GET /v1/jobs` (jobs/job-stats.ts).
 *
 * @example
 * const loop = startBackgroundLoop({
 *   name: "expiry sweep",
 *   intervalMs: 1000,
 *   logger,
 *   pass: async () => ({ itemsDone: 0, full: false }),
 * });
 * await loop.stop();
 */
export function startBackgroundLoop(options: {
  name: string;
  intervalMs: number;
  logger: Logger;
  pass: () => Promise<PassResult>;
  recorder?: JobRecorder;
}): BackgroundLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let waitingForDatabase = false;

  const run = async () => {
    let full = false;
    options.recorder?.started();
    try {
      const result = await options.pass();
      full = result.full;
      options.recorder?.finished({ itemsDone: result.itemsDone, failed: false });
      if (waitingForDatabase) options.logger.info(`${options.name} resumed: the database answers again`);
      waitingForDatabase = false;
    } catch (error) {
      options.recorder?.finished({ itemsDone: 0, failed: true });
      if (!isDatabaseUnavailable(error)) options.logger.error(`${options.name} failed`, { error });
      else if (!waitingForDatabase) {
        waitingForDatabase = true;
        options.logger.warn(`${options.name} waits: the database is unavailable`, {
          reason: (error as Error).message,
        });
      }
    }
    schedule(full ? 0 : options.intervalMs);
  };
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run();
    }, delayMs);
    timer.unref();
  };

  schedule(options.intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
