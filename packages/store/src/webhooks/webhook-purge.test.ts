import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { depleteAccount } from "./webhook-test-events.ts";
import { Webhooks } from "./webhooks.ts";

const config = defineLedgerConfig({ units: [{ unit: "credits", scale: 0 }] });
const T0 = new Date("2031-06-01T00:00:00.000Z");
const DAY_MS = 86_400_000;

for (const database of await testDatabases()) {
  describe(`webhook event purge on ${database.name}`, () => {
    let now = T0;
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let webhooks: Webhooks;
    const deplete = (externalId: string) => depleteAccount(ledger, webhooks, externalId);
    /** Claims every due delivery and records a 204 for it. */
    const deliverAll = async () => {
      for (const claimed of await webhooks.claimDue({ limit: 100, leaseMs: 60_000 })) {
        const outcome = { startedAt: now, durationMs: 5, responseStatus: 204, error: null, responseBody: "" };
        assert.equal((await webhooks.recordAttempt(claimed, outcome)).status, "succeeded");
      }
    };
    before(async () => {
      ledger = await openTestLedger(database, { config, clock: () => now });
      webhooks = Webhooks.of(ledger);
    });
    after(() => ledger.dispose());

    test("finished events past the cutoff go with their deliveries and log; pending and recent ones stay", async () => {
      const unsent = await deplete("no-endpoint"); // no endpoint yet: no delivery at all
      await webhooks.createEndpoint({ url: "http://127.0.0.1:9/hooks" });
      const delivered = await deplete("delivered");
      await deliverAll();
      const deliveredId = (await webhooks.listDeliveries({ eventId: delivered })).items[0]?.deliveryId ?? "";
      const pending = await deplete("pending");
      now = new Date(T0.getTime() + 31 * DAY_MS);
      const recent = await deplete("recent");
      await deliverAll(); // "pending" too: finished now, after the cutoff

      const cutoff = new Date(now.getTime() - 30 * DAY_MS);
      assert.equal(await webhooks.purgeFinished(cutoff, 1), 1, "at most the limit");
      assert.equal(await webhooks.purgeFinished(cutoff, 100), 1);
      assert.equal(await webhooks.purgeFinished(cutoff, 100), 0);
      assert.equal(await webhooks.getEvent(unsent), null);
      assert.equal(await webhooks.getEvent(delivered), null);
      assert.equal(await webhooks.getDelivery(deliveredId), null, "its delivery and attempts went with it");
      assert.deepEqual(await webhooks.replay(delivered), { code: "not_found" });
      assert.ok(await webhooks.getEvent(pending), "finished after the cutoff: kept");
      assert.ok(await webhooks.getEvent(recent));
      const [attempts] = await ledger.sql.query<{ count: number }>(
        "select count(*)::int as count from webhook_attempts",
      );
      assert.equal(attempts?.count, 2, "the kept deliveries' log is whole");
    });

    test("an event with a pending delivery is kept however old; bad arguments are refused", async () => {
      const waiting = await deplete("waiting");
      now = new Date(now.getTime() + 365 * DAY_MS);
      // The first test's two kept events, finished a year ago, go; the waiting one stays.
      assert.equal(await webhooks.purgeFinished(new Date(now.getTime() - DAY_MS), 100), 2);
      assert.ok(await webhooks.getEvent(waiting));
      assert.equal((await webhooks.listDeliveries({ eventId: waiting })).items[0]?.status, "pending");
      await assert.rejects(webhooks.purgeFinished(now, 0), RangeError);
      await assert.rejects(webhooks.purgeFinished(now, 10_001), RangeError);
      await assert.rejects(webhooks.purgeFinished(new Date(Number.NaN), 10), RangeError);
    });
  });
}
