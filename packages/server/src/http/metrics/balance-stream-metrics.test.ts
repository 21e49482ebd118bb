import assert from "node:assert/strict";
import { test } from "node:test";
import { BalanceEvents } from "@tollgate/store";
import { openTestLedger } from "@tollgate/store/testing";
import { balanceStreamMetrics } from "./balance-stream-metrics.ts";
import { createMetricsRegistry } from "./metrics-registry.ts";

test("the open balance streams gauge counts live subscriptions, and falls back when they stop", async () => {
  const ledger = await openTestLedger({ name: "pglite", databaseUrl: undefined });
  const balanceEvents = new BalanceEvents(ledger.sql);
  try {
    const registry = createMetricsRegistry();
    balanceStreamMetrics({ registry, balanceEvents });
    const open = async () => /^tollgate_balance_streams_open (\d+)$/m.exec(await registry.metrics())?.[1];
    assert.equal(await open(), "0");
    const stops = [
      await balanceEvents.subscribe("acct_a", () => {}),
      await balanceEvents.subscribe("acct_b", () => {}),
    ];
    assert.equal(await open(), "2");
    for (const stop of stops) stop();
    assert.equal(await open(), "0");
  } finally {
    await balanceEvents.close();
    await ledger.dispose();
  }
});
