import type { Ledger } from "@tollgate/store";
import { type BackgroundLoop, startBackgroundLoop } from "./background-loop.ts";
import type { JobStats } from "./jobs/job-stats.ts";
import type { Logger } from "./logger.ts";

/** The most accounts one sweep brings up to date; a full sweep runs the next one at once. */
const SWEEP_ACCOUNTS_MAX = 1000;

export type ExpirySweeper = BackgroundLoop;

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
  options: { intervalMs?: number; logger: Logger; stats?: JobStats },
): ExpirySweeper {
  return startBackgroundLoop({
    name: "expiry sweep",
    intervalMs: options.intervalMs ?? 1000,
    logger: options.logger,
    pass: async () => {
      const { accounts } = await ledger.sweepExpired({ accountsMax: SWEEP_ACCOUNTS_MAX });
      return { itemsDone: accounts, full: accounts >= SWEEP_ACCOUNTS_MAX };
    },
    ...(options.stats ? { recorder: options.stats.recorder("expiry_sweep") } : {}),
  });
}
