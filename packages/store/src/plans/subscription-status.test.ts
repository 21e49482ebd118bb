// Billing's status changes through the ledger, on PGlite and PostgreSQL: renewal stops while past
// due and grants the current period once when paid; `subscription.past_due` goes out once per change.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { testPlan } from "@tollgate/core/testing";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { Webhooks } from "../webhooks/webhooks.ts";

const config = defineLedgerConfig({ units: [{ unit: "credits", scale: 0 }] });

for (const database of await testDatabases()) {
  describe(`subscription status from billing on ${database.name}`, () => {
    const clock = { now: new Date("2027-01-15T00:00:00Z") };
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    before(async () => {
      ledger = await openTestLedger(database, { config, clock: () => clock.now });
    });
    after(() => ledger.dispose());

    const account = { type: "user" as const, externalId: "billing-status" };
    const balance = async () =>
      (await ledger.getBalances(account, { unit: "credits", fresh: true }))?.[0]?.balanceMinor ?? 0n;
    const pastDueEvents = async () => {
      const found = await ledger.accounts.find(account);
      const page = await Webhooks.of(ledger).listEvents({ accountId: found?.accountId ?? "none", limit: 100 });
      return page.items.filter((event) => event.type === "subscription.past_due");
    };

    test("past_due keeps credits, stops renewal, and active again grants the period once", async () => {
      assert.ok((await ledger.subscribe({ account, plan: testPlan(), idempotencyKey: "sub" })).ok);
      const failed = await ledger.setSubscriptionStatus({ account, status: "past_due", idempotencyKey: "failed-1" });
      assert.equal(failed.ok && failed.value.subscription.status, "past_due");
      const again = await ledger.setSubscriptionStatus({ account, status: "past_due", idempotencyKey: "failed-2" });
      assert.ok(again.ok, "the same status again succeeds");
      const events = await pastDueEvents();
      assert.equal(events.length, 1, "one subscription.past_due per change, not per report");
      assert.equal(events[0]?.data.planId, "basic");
      assert.equal(await balance(), 100n, "past due keeps its credits");

      clock.now = new Date("2027-02-10T00:00:00Z");
      await ledger.renewDue({ limit: 100 });
      assert.equal((await ledger.getSubscription(account))?.periodEnd.toISOString(), "2027-02-01T00:00:00.000Z");
      assert.equal(await balance(), 0n, "January's lot expired; February is not granted while past due");

      const paid = await ledger.setSubscriptionStatus({ account, status: "active", idempotencyKey: "paid-1" });
      assert.equal(paid.ok && paid.value.subscription.periodStart.toISOString(), "2027-02-01T00:00:00.000Z");
      assert.equal(await balance(), 100n, "February granted when paid");
      const replay = await ledger.setSubscriptionStatus({ account, status: "active", idempotencyKey: "paid-1" });
      assert.equal(replay.ok && replay.replayed, true);
      await ledger.setSubscriptionStatus({ account, status: "past_due", idempotencyKey: "failed-3" });
      await ledger.setSubscriptionStatus({ account, status: "active", idempotencyKey: "paid-2" });
      assert.equal(await balance(), 100n, "February is granted once");
      assert.equal((await pastDueEvents()).length, 2, "a second failure after a payment is a second change");

      const canceled = await ledger.setSubscriptionStatus({ account, status: "canceled", idempotencyKey: "end" });
      assert.equal(canceled.ok && canceled.value.subscription.status, "canceled");
      const revived = await ledger.setSubscriptionStatus({ account, status: "active", idempotencyKey: "revive" });
      assert.equal(!revived.ok && revived.code, "invalid_status_transition");
      const report = await ledger.reconcile();
      assert.equal(report.ok, true);
    });
  });
}
