import assert from "node:assert/strict";
import { test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { testPlan } from "@tollgate/core/testing";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { SILENT_LOGGER } from "./logger.ts";
import { startRenewalJob } from "./renewal-job.ts";

/** Polls until `condition` holds; the bound is for a hang, not a speed: the machine may be busy. */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 2000; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("condition not met");
}

const monthly = testPlan({ id: "monthly", name: "Monthly" });

test("the renewal job renews a subscription nobody touches once its period ends", async () => {
  const [pglite] = await testDatabases();
  if (!pglite) throw new Error("PGlite is always available");
  let now = new Date("2027-01-15T00:00:00Z");
  const ledger = await openTestLedger(pglite, { config: defineLedgerConfig(), clock: () => now });
  const account = { type: "user" as const, externalId: "idle" };
  try {
    assert.ok((await ledger.subscribe({ account, plan: monthly, idempotencyKey: "sub" })).ok);
    now = new Date("2027-02-01T00:00:00Z");
    const renewals = startRenewalJob(ledger, { intervalMs: 5, logger: SILENT_LOGGER });
    await waitFor(async () => (await ledger.getSubscription(account))?.periodStart.getTime() === now.getTime());
    await renewals.stop();
    const [credits] = (await ledger.getBalances(account, { fresh: true })) ?? [];
    assert.equal(credits?.balanceMinor, 100n, "January's lot expired, February's granted");
  } finally {
    await ledger.dispose();
  }
});
