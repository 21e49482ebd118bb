import type { Ledger } from "@tollgate/store";
import type { Logger } from "./logger.ts";

/** The most accounts one sweep brings up to date; a full sweep runs the next one at once. */
const SWEEP_ACCOUNTS_MAX = 1000;

export interface ExpirySweeper {
  /** Stops the timer and waits for a sweep in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Releases expired holds and expires lots in the background. Sweeps never overlap (the next
 * is scheduled when one ends), errors are logged and the timer does not keep the process
 * alive. Reads already discount what is due, so this only makes the rows catch up.
 *
 * @example
 * const sweeper = startExpirySweeper(ledger, { intervalMs: 1000, logger });
 * await sweeper.stop();
 */
export function startExpirySweeper(
  ledger: Pick<Ledger, "sweepExpired">,
  options: { intervalMs?: number; logger: Logger },
): ExpirySweeper {
  const intervalMs = options.intervalMs ?? 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const sweep = async () => {
    let full = false;
    try {
      const { accounts } = await ledger.sweepExpired({ accountsMax: SWEEP_ACCOUNTS_MAX });
      full = accounts >= SWEEP_ACCOUNTS_MAX;
    } catch (error) {
      options.logger.error("expiry sweep failed", { error });
    }
    schedule(full ? 0 : intervalMs);
  };
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep();
    }, delayMs);
    timer.unref();
  };

  schedule(intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
