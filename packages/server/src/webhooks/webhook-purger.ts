import type { Webhooks } from "@tollgate/store";
import { type BackgroundLoop, startBackgroundLoop } from "../background-loop.ts";
import type { JobStats } from "../jobs/job-stats.ts";
import type { Logger } from "../logger.ts";

/** Events one purge statement deletes: short statements that hold few locks. */
const WEBHOOK_PURGE_BATCH = 1000;

/**
 * Deletes webhook events past their retention in the background, with their deliveries and
 * delivery log: only events whose every delivery finished before the cutoff, so nothing
 * waiting to be sent is lost. Batches run back to back while they come back full, then the
 * loop waits `intervalMs` (default 10 minutes). Safe on any number of instances: rows another
 * purge holds are skipped.
 *
 * @example
 * const purger = startWebhookPurger(Webhooks.of(ledger), { logger, retentionMs: 30 * 86_400_000 });
 * await purger.stop();
 */
export function startWebhookPurger(
  webhooks: Pick<Webhooks, "purgeFinished" | "now">,
  options: { logger: Logger; retentionMs: number; intervalMs?: number; stats?: JobStats },
): BackgroundLoop {
  return startBackgroundLoop({
    name: "webhook event purge",
    intervalMs: options.intervalMs ?? 600_000,
    logger: options.logger,
    pass: async () => {
      const cutoff = new Date(webhooks.now().getTime() - options.retentionMs);
      const deleted = await webhooks.purgeFinished(cutoff, WEBHOOK_PURGE_BATCH);
      return { itemsDone: deleted, full: deleted >= WEBHOOK_PURGE_BATCH };
    },
    ...(options.stats ? { recorder: options.stats.recorder("webhook_purge") } : {}),
  });
}
