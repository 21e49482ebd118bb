import { AMOUNT_MINOR_MAX, type LedgerConfig, parseDecimalToMinor } from "@tollgate/core";
import { DEFAULT_RETRY_POLICY, defineRetryPolicy, type RetryPolicy } from "@tollgate/store";
import { ConfigError } from "../config-error.ts";
import { parseDuration } from "../duration.ts";
import { WEBHOOK_TIMEOUT_MS_DEFAULT } from "./webhook-dispatcher.ts";

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

export const DEFAULT_WEBHOOK_CONFIG: WebhookConfig = Object.freeze({
  lowBalanceThresholdsMinor: Object.freeze({}),
  retryPolicy: DEFAULT_RETRY_POLICY,
  timeoutMs: WEBHOOK_TIMEOUT_MS_DEFAULT,
  retentionMs: WEBHOOK_RETENTION_MS_DEFAULT,
});

const KEYS = ["lowBalanceThresholds", "retry", "timeout", "retention"];
const RETRY_KEYS = ["initialDelay", "maxDelay", "factor", "maxAttempts"];

/**
 * Reads the `webhooks` section. Thresholds are decimal strings in their unit's scale, as
 * every amount in the file; durations are written with a unit. Unknown keys are refused.
 *
 * @example
 * parseWebhookConfig({ lowBalanceThresholds: { credits: "100" }, retry: { maxAttempts: 10 }, timeout: "5s", retention: "90d" }, { source, ledger });
 */
export function parseWebhookConfig(value: unknown, context: { source: string; ledger: LedgerConfig }): WebhookConfig {
  if (value === undefined) return DEFAULT_WEBHOOK_CONFIG;
  const at = (path: string) => `${context.source}: webhooks${path}`;
  const section = objectAt(value, at(""), KEYS);
  const retry = section.retry === undefined ? {} : objectAt(section.retry, at(".retry"), RETRY_KEYS);
  const overrides: Partial<RetryPolicy> = {};
  if (retry.initialDelay !== undefined)
    overrides.initialDelayMs = durationAt(retry.initialDelay, at(".retry.initialDelay"));
  if (retry.maxDelay !== undefined) overrides.maxDelayMs = durationAt(retry.maxDelay, at(".retry.maxDelay"));
  if (retry.factor !== undefined) overrides.factor = retry.factor as number;
  if (retry.maxAttempts !== undefined) overrides.maxAttempts = retry.maxAttempts as number;
  let retryPolicy: RetryPolicy;
  try {
    retryPolicy = defineRetryPolicy(overrides);
  } catch (error) {
    throw new ConfigError(at(".retry"), (error as Error).message);
  }
  const timeoutMs =
    section.timeout === undefined ? WEBHOOK_TIMEOUT_MS_DEFAULT : durationAt(section.timeout, at(".timeout"));
  if (timeoutMs > 60_000) throw new ConfigError(at(".timeout"), "must be at most 60s");
  const retentionMs =
    section.retention === undefined ? WEBHOOK_RETENTION_MS_DEFAULT : durationAt(section.retention, at(".retention"));
  if (retentionMs < WEBHOOK_RETENTION_MS_MIN) throw new ConfigError(at(".retention"), "must be at least 1h");
  return Object.freeze({
    lowBalanceThresholdsMinor: thresholdsAt(section.lowBalanceThresholds, at(".lowBalanceThresholds"), context.ledger),
    retryPolicy,
    timeoutMs,
    retentionMs,
  });
}

function thresholdsAt(value: unknown, where: string, ledger: LedgerConfig): Readonly<Record<string, bigint>> {
  if (value === undefined) return Object.freeze({});
  const byUnit = objectAt(value, where, null);
  const thresholds: Record<string, bigint> = {};
  for (const [unit, amount] of Object.entries(byUnit)) {
    const known = ledger.units.find((candidate) => candidate.unit === unit);
    if (!known) {
      throw new ConfigError(`${where}.${unit}`, `is not a unit (${ledger.units.map((u) => u.unit).join(", ")})`);
    }
    if (typeof amount !== "string") {
      throw new ConfigError(
        `${where}.${unit}`,
        'must be a decimal string such as "10" or "2.50" (never a JSON number)',
      );
    }
    let minor: bigint;
    try {
      minor = parseDecimalToMinor(amount, known.scale);
    } catch (error) {
      throw new ConfigError(`${where}.${unit}`, (error as Error).message);
    }
    if (minor < 0n || minor > AMOUNT_MINOR_MAX) throw new ConfigError(`${where}.${unit}`, "must be 0 or more");
    thresholds[unit] = minor;
  }
  return Object.freeze(thresholds);
}

function durationAt(value: unknown, where: string): number {
  if (typeof value !== "string") throw new ConfigError(where, 'must be a duration string such as "10s" or "6h"');
  try {
    return parseDuration(value);
  } catch (error) {
    throw new ConfigError(where, (error as Error).message);
  }
}

function objectAt(value: unknown, where: string, keys: string[] | null): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ConfigError(where, "must be an object");
  const record = value as Record<string, unknown>;
  const unknown = keys === null ? undefined : Object.keys(record).find((key) => !keys.includes(key));
  if (unknown !== undefined)
    throw new ConfigError(`${where}.${unknown}`, `is not a setting; the settings are ${keys?.join(", ")}`);
  return record;
}
