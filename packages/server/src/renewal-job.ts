import type { Ledger } from "@tollgate/store";
import { type BackgroundLoop, startBackgroundLoop } from "./background-loop.ts";
import type { JobStats } from "./jobs/job-stats.ts";
import type { Logger } from "./logger.ts";

/** The most subscriptions one pass renews; a full pass runs the next one at once. */
const RENEWALS_PER_PASS_MAX = 1000;

export type RenewalJob = BackgroundLoop;

/**
 * Renews, in the background, subscriptions whose period has ended (`Ledger.renewDue`), so an
 * account nobody touches still receives its allocation on time. Any number of instances may
 * run it: each account is renewed under its row lock, and a period is granted once. Passes
 * never overlap, errors are logged and the timer does not keep the process alive.
 *
 * @example
 * const renewals = startRenewalJob(ledger, { intervalMs: 1000, logger });
 * await renewals.stop();
 */
export function startRenewalJob(
  ledger: Pick<Ledger, "renewDue">,
  options: { intervalMs?: number; logger: Logger; stats?: JobStats },
): RenewalJob {
  return startBackgroundLoop({
    name: "subscription renewal",
    intervalMs: options.intervalMs ?? 1000,
    logger: options.logger,
    pass: async () => {
      const { accounts } = await ledger.renewDue({ limit: RENEWALS_PER_PASS_MAX });
      return { itemsDone: accounts, full: accounts >= RENEWALS_PER_PASS_MAX };
    },
    ...(options.stats ? { recorder: options.stats.recorder("subscription_renewal") } : {}),
  });
}
