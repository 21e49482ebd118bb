import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openTestLedger, testDatabases } from "../testing/test-databases.ts";
import { StripeCustomers } from "./stripe-customers.ts";
import { StripeEvents } from "./stripe-events.ts";

for (const database of await testDatabases()) {
  describe(`the Stripe event log and customers on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    before(async () => {
      ledger = await openTestLedger(database);
    });
    after(() => ledger.dispose());
    const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

    test("a redelivery counts and runs nothing that finished; one that failed or never finished runs again", async () => {
      const log = new StripeEvents(ledger.sql);
      const event = { type: "checkout.session.completed", created: at(0), livemode: false };
      assert.equal((await log.receive({ eventId: "evt_a", ...event, now: at(1) })).runEffect, true);
      assert.equal((await log.receive({ eventId: "evt_a", ...event, now: at(2) })).runEffect, true, "still received");
      await log.finish({ eventId: "evt_a", outcome: "processed", detail: "granted", accountId: "acct_1", now: at(3) });
      const third = await log.receive({ eventId: "evt_a", ...event, now: at(4) });
      assert.equal(third.runEffect, false);
      assert.equal(third.event.deliveries, 3);
      assert.equal(third.event.receivedAt.getTime(), at(1).getTime(), "first received stays");
      await log.receive({ eventId: "evt_b", ...event, now: at(5) });
      await log.finish({ eventId: "evt_b", outcome: "failed", detail: "boom", accountId: null, now: at(6) });
      assert.equal((await log.receive({ eventId: "evt_b", ...event, now: at(7) })).runEffect, true);
    });

    test("the log pages newest first by cursor, filtered by type and outcome", async () => {
      const log = new StripeEvents(ledger.sql);
      for (let index = 0; index < 5; index++) {
        await log.receive({
          eventId: `evt_p${index}`,
          type: "customer.created",
          created: at(0),
          livemode: false,
          now: at(100 + index),
        });
        await log.finish({
          eventId: `evt_p${index}`,
          outcome: "ignored",
          detail: null,
          accountId: null,
          now: at(100 + index),
        });
      }
      const first = await log.list({ type: "customer.created", limit: 2 });
      assert.deepEqual(
        first.items.map((event) => event.eventId),
        ["evt_p4", "evt_p3"],
      );
      const second = await log.list({ type: "customer.created", limit: 2, before: first.nextCursor });
      assert.deepEqual(
        second.items.map((event) => event.eventId),
        ["evt_p2", "evt_p1"],
      );
      const last = await log.list({ type: "customer.created", limit: 2, before: second.nextCursor });
      assert.deepEqual(
        last.items.map((event) => event.eventId),
        ["evt_p0"],
      );
      assert.equal(last.nextCursor, null);
      assert.equal((await log.list({ outcome: "failed" })).items.length, 1);
      await assert.rejects(log.list({ limit: 0 }), /limit/);
    });

    test("an account's customer: the first recorded is kept", async () => {
      const customers = new StripeCustomers(ledger.sql);
      assert.equal(await customers.find("acct_x"), null);
      assert.equal(await customers.remember({ accountId: "acct_x", customerId: "cus_first", now: at(0) }), "cus_first");
      assert.equal(
        await customers.remember({ accountId: "acct_x", customerId: "cus_second", now: at(1) }),
        "cus_first",
      );
      await assert.rejects(
        customers.remember({ accountId: "acct_y", customerId: "not a customer", now: at(0) }),
        /cus_/,
      );
    });
  });
}
