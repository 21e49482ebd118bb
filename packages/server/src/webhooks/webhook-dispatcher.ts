import type { ClaimedDelivery, Webhooks } from "@tollgate/store";
import { type BackgroundLoop, startBackgroundLoop } from "../background-loop.ts";
import type { JobStats } from "../jobs/job-stats.ts";
import type { Logger } from "../logger.ts";
import { sendWebhook } from "./send-webhook.ts";

export interface DispatchOptions {
  /** Deliveries claimed per pass (default 32); a full pass runs the next at once. */
  batchSize?: number;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

export const WEBHOOK_TIMEOUT_MS_DEFAULT = 10_000;
/** How much longer than the request's timeout a claim is leased, for recording its outcome. */
const LEASE_MARGIN_MS = 30_000;

/**
 * One pass: claims due deliveries, sends them with a bounded number in flight, and records
 * each outcome (the store schedules a retry or fails the delivery). Returns how many were
 * claimed. Log lines name deliveries, events and endpoints by id, never a secret or URL query.
 *
 * @example
 * await dispatchDueWebhooks(Webhooks.of(ledger), { timeoutMs: 5000 });
 */
export async function dispatchDueWebhooks(
  webhooks: Pick<Webhooks, "claimDue" | "recordAttempt" | "now">,
  options: DispatchOptions = {},
): Promise<{ claimed: number; succeeded: number }> {
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS_DEFAULT;
  const claimed = await webhooks.claimDue({ limit: options.batchSize ?? 32, leaseMs: timeoutMs + LEASE_MARGIN_MS });
  let next = 0;
  let succeeded = 0;
  const worker = async () => {
    for (let delivery = claimed[next++]; delivery; delivery = claimed[next++]) {
      if (await deliver(webhooks, delivery, { ...options, timeoutMs })) succeeded++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, claimed.length) }, worker));
  return { claimed: claimed.length, succeeded };
}

async function deliver(
  webhooks: Pick<Webhooks, "recordAttempt" | "now">,
  delivery: ClaimedDelivery,
  options: DispatchOptions & { timeoutMs: number },
): Promise<boolean> {
  const outcome = await sendWebhook(delivery, {
    timeoutMs: options.timeoutMs,
    now: () => webhooks.now(),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const result = await webhooks.recordAttempt(delivery, outcome);
  const fields = {
    deliveryId: delivery.deliveryId,
    eventId: delivery.event.eventId,
    endpointId: delivery.endpoint.endpointId,
    attempt: delivery.attempt,
    responseStatus: outcome.responseStatus,
    durationMs: Math.round(outcome.durationMs),
  };
  if (result.status === "failed")
    options.logger?.warn("webhook delivery failed for good", { ...fields, error: outcome.error });
  else if (result.status === "pending") {
    options.logger?.info("webhook delivery will be retried", {
      ...fields,
      error: outcome.error,
      nextAttemptAt: result.nextAttemptAt?.toISOString(),
    });
  }
  return result.status === "succeeded";
}

export type WebhookDispatcher = BackgroundLoop;

/**
 * Sends due webhooks in the background, like the expiry sweeper: passes never overlap (the
 * next is scheduled when one ends), a full pass runs the next at once, errors are logged,
 * and the timer does not keep the process alive. Any number of instances may run one: each
 * delivery is claimed by one of them (`for update skip locked`, then a lease).
 *
 * @example
 * const dispatcher = startWebhookDispatcher(Webhooks.of(ledger), { intervalMs: 1000, logger });
 * await dispatcher.stop();
 */
export function startWebhookDispatcher(
  webhooks: Pick<Webhooks, "claimDue" | "recordAttempt" | "now">,
  options: DispatchOptions & { intervalMs?: number; logger: Logger; stats?: JobStats },
): WebhookDispatcher {
  const batchSize = options.batchSize ?? 32;
  return startBackgroundLoop({
    name: "webhook dispatch",
    intervalMs: options.intervalMs ?? 1000,
    logger: options.logger,
    pass: async () => {
      const { claimed } = await dispatchDueWebhooks(webhooks, { ...options, batchSize });
      return { itemsDone: claimed, full: claimed >= batchSize };
    },
    ...(options.stats ? { recorder: options.stats.recorder("webhook_dispatch") } : {}),
  });
}
