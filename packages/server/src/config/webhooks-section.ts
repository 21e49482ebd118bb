import { DEFAULT_RETRY_POLICY, defineRetryPolicy, type RetryPolicy } from "@tollgate/store";
import * as z from "zod";
import { WEBHOOK_TIMEOUT_MS_DEFAULT } from "../webhooks/webhook-dispatcher.ts";
import { amountMinor, amountText } from "./amounts.ts";
import { durationMs } from "./durations.ts";
import { type ResolveContext, unitNames } from "./resolve-context.ts";
import { settings } from "./settings.ts";

/** The deployment's outgoing webhook settings: the configuration file's `webhooks` section. */
export interface WebhookConfig {
  /** `balance.low` threshold per unit for accounts that set none, in minor units. */
  lowBalanceThresholdsMinor: Readonly<Record<string, bigint>>;
  retryPolicy: RetryPolicy;
  /** Per request. */
  timeoutMs: number;
  /** How long finished events are kept, with their deliveries and log (see webhook-purger.ts). */
  retentionMs: number;
}

/** Stripe's own: 30 days of events. */
export const WEBHOOK_RETENTION_MS_DEFAULT = 30 * 86_400_000;
/** Shorter would delete the delivery log before anyone read it. */
const WEBHOOK_RETENTION_MS_MIN = 3_600_000;
/** Longer holds a dispatcher slot on one slow receiver. */
const WEBHOOK_TIMEOUT_MS_MAX = 60_000;

export const DEFAULT_WEBHOOK_CONFIG: WebhookConfig = Object.freeze({
  lowBalanceThresholdsMinor: Object.freeze({}),
  retryPolicy: DEFAULT_RETRY_POLICY,
  timeoutMs: WEBHOOK_TIMEOUT_MS_DEFAULT,
  retentionMs: WEBHOOK_RETENTION_MS_DEFAULT,
});

const duration = durationMs('"10s" or "6h"');

/**
 * The `webhooks` section's shape (the first pass). Thresholds are decimal strings in their unit's
 * scale, as every amount in the file; durations are written with a unit.
 *
 * @example
 * webhooksSection.parse({ lowBalanceThresholds: { credits: "100" }, retry: { maxAttempts: 10 }, timeout: "5s" })
 */
export const webhooksSection = settings(
  {
    lowBalanceThresholds: z
      .record(z.string(), amountText, { error: 'must be an object such as { "credits": "100" }' })
      .optional(),
    retry: settings(
      {
        initialDelay: duration.optional(),
        maxDelay: duration.optional(),
        factor: z.number({ error: "must be a number from 1 to 10" }).optional(),
        maxAttempts: z.number({ error: "must be an integer from 1 to 100" }).optional(),
      },
      "an object",
    ).optional(),
    timeout: duration.refine((ms) => ms <= WEBHOOK_TIMEOUT_MS_MAX, { error: "must be at most 60s" }).optional(),
    retention: duration.refine((ms) => ms >= WEBHOOK_RETENTION_MS_MIN, { error: "must be at least 1h" }).optional(),
  },
  "an object",
);

type WebhookFields = z.output<typeof webhooksSection>;

/**
 * The second pass over `webhooks`: thresholds name the file's units and fit their scale; the retry
 * policy is checked by the store's own rule. Paths are relative to the section.
 *
 * @example
 * resolveWebhooks({ timeout: 1000 }, context).timeoutMs // 1000
 */
export function resolveWebhooks(section: WebhookFields | undefined, context: ResolveContext): WebhookConfig {
  if (section === undefined) return DEFAULT_WEBHOOK_CONFIG;
  const retry = section.retry ?? {};
  const overrides: Partial<RetryPolicy> = {};
  if (retry.initialDelay !== undefined) overrides.initialDelayMs = retry.initialDelay;
  if (retry.maxDelay !== undefined) overrides.maxDelayMs = retry.maxDelay;
  if (retry.factor !== undefined) overrides.factor = retry.factor;
  if (retry.maxAttempts !== undefined) overrides.maxAttempts = retry.maxAttempts;
  let retryPolicy = DEFAULT_RETRY_POLICY;
  try {
    retryPolicy = defineRetryPolicy(overrides);
  } catch (error) {
    context.issue(["retry"], (error as Error).message);
  }
  const thresholds: Record<string, bigint> = {};
  for (const [unitName, amount] of Object.entries(section.lowBalanceThresholds ?? {})) {
    const path = ["lowBalanceThresholds", unitName];
    const unit = context.units.find((candidate) => candidate.unit === unitName);
    if (!unit) {
      context.issue(path, `is not a unit (${unitNames(context.units)})`);
      continue;
    }
    thresholds[unitName] = amountMinor(context, path, amount, { scale: unit.scale, positive: false });
  }
  return Object.freeze({
    lowBalanceThresholdsMinor: Object.freeze(thresholds),
    retryPolicy,
    timeoutMs: section.timeout ?? WEBHOOK_TIMEOUT_MS_DEFAULT,
    retentionMs: section.retention ?? WEBHOOK_RETENTION_MS_DEFAULT,
  });
}
