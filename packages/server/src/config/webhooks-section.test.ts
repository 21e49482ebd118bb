import assert from "node:assert/strict";
import { test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { DEFAULT_RETRY_POLICY } from "@tollgate/store";
import { parseDeploymentConfig, parseWebhookConfig } from "./deployment-config.ts";
import { DEFAULT_WEBHOOK_CONFIG } from "./webhooks-section.ts";

const ledger = defineLedgerConfig({ units: [{ unit: "usd", scale: 2 }], defaultUnit: "usd" });
const context = { source: "tollgate.config.json", ledger };

test("the webhooks section: thresholds in the unit's decimals, retries, timeout, retention", () => {
  assert.equal(parseWebhookConfig(undefined, context), DEFAULT_WEBHOOK_CONFIG);
  assert.deepEqual(
    parseWebhookConfig(
      {
        lowBalanceThresholds: { usd: "2.50" },
        retry: { initialDelay: "30s", maxAttempts: 10 },
        timeout: "5s",
        retention: "90d",
      },
      context,
    ),
    {
      lowBalanceThresholdsMinor: { usd: 250n },
      retryPolicy: { ...DEFAULT_RETRY_POLICY, initialDelayMs: 30_000, maxAttempts: 10 },
      timeoutMs: 5000,
      retentionMs: 90 * 86_400_000,
    },
  );
  const file = parseDeploymentConfig({ units: [{ unit: "usd", scale: 2 }], webhooks: { timeout: "1s" } }, "f.json");
  assert.equal(file.webhooks.timeoutMs, 1000);
  assert.equal(file.webhooks.retentionMs, 30 * 86_400_000, "30 days unless set");
});

test("bad settings are refused with the field named", () => {
  for (const [section, message] of [
    [{ lowBalanceThresholds: { credits: "1" } }, /webhooks\.lowBalanceThresholds\.credits: is not a unit/],
    [{ lowBalanceThresholds: { usd: 1 } }, /never a JSON number/],
    [{ lowBalanceThresholds: { usd: "1.234" } }, /lowBalanceThresholds\.usd/],
    [{ retry: { maxAttempts: 0 } }, /webhooks\.retry: maxAttempts must be an integer from 1 to 100/],
    [{ retry: { backoff: "1s" } }, /webhooks\.retry\.backoff: is not a setting/],
    [{ timeout: "2m" }, /at most 60s/],
    [{ timeout: 10 }, /duration string/],
    [{ retention: "30m" }, /webhooks\.retention: must be at least 1h/],
    [{ retention: 30 }, /webhooks\.retention: must be a duration string/],
    [{ secret: "x" }, /webhooks\.secret: is not a setting/],
  ] as const) {
    assert.throws(() => parseWebhookConfig(section, context), message);
  }
});
