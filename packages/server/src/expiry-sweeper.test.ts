import assert from "node:assert/strict";
import { test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { startExpirySweeper } from "./expiry-sweeper.ts";
import { createJsonLogger, SILENT_LOGGER } from "./logger.ts";

/** Polls until `condition` holds; the bound is for a hang, not a speed: the machine may be busy. */
const waitFor = async (condition: () => Promise<boolean>, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

test("expired lots are swept in the background", async () => {
  const [database] = await testDatabases();
  assert.ok(database);
  let now = new Date("2030-01-01T00:00:00Z");
  const ledger = await openTestLedger(database, { config: defineLedgerConfig(), clock: () => now });
  try {
    const account = { type: "user" as const, externalId: "sweep" };
    const expiresAt = new Date(now.getTime() + 60_000);
    const granted = await ledger.grant({ account, amountMinor: 10n, source: "promo", expiresAt, idempotencyKey: "g" });
    assert.ok(granted.ok);
    now = new Date(now.getTime() + 120_000);
    const sweeper = startExpirySweeper(ledger, { intervalMs: 5, logger: SILENT_LOGGER });
    await waitFor(async () => {
      const [row] = await ledger.sql.query<{ n: bigint }>(
        "select count(*) as n from transactions where kind = 'expiry'",
      );
      return row?.n === 1n;
    });
    await sweeper.stop();
  } finally {
    await ledger.dispose();
  }
});

test("sweeps never overlap, failures are logged, and stop waits for the sweep in progress", async () => {
  let running = 0;
  let overlapped = false;
  let calls = 0;
  const slowFlakyLedger = {
    async sweepExpired() {
      calls += 1;
      running += 1;
      overlapped ||= running > 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
      if (calls % 2 === 0) throw new Error("database went away");
      return { accounts: 0 };
    },
  };
  const lines: string[] = [];
  const sweeper = startExpirySweeper(slowFlakyLedger, {
    intervalMs: 1,
    logger: createJsonLogger({ write: (line: string) => lines.push(line) }),
  });
  await waitFor(async () => calls >= 4);
  await sweeper.stop();
  const callsAtStop = calls;
  assert.equal(running, 0, "stop waited for the sweep in progress");
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(calls, callsAtStop, "no sweep after stop");
  assert.equal(overlapped, false);
  assert.ok(lines.some((line) => line.includes("expiry sweep failed") && line.includes("database went away")));
});
