import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openTestLedger, testDatabases } from "../testing/test-databases.ts";
import { type StripeSubscriptionObservation, StripeSubscriptions } from "./stripe-subscriptions.ts";

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

for (const database of await testDatabases()) {
  describe(`Stripe subscription watermarks on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    before(async () => {
      ledger = await openTestLedger(database);
    });
    after(() => ledger.dispose());

    const observation = (
      stripeSubscriptionId: string,
      eventId: string,
      seconds: number,
      says: Partial<StripeSubscriptionObservation>,
    ): StripeSubscriptionObservation => ({
      stripeSubscriptionId,
      accountId: "acct_1",
      eventId,
      eventCreated: at(seconds),
      initialPlanId: null,
      snapshot: null,
      status: null,
      now: at(1000),
      ...says,
    });

    test("in any order, each field ends as the newest event that speaks of it says", async () => {
      const events = [
        observation("sub_a", "evt_1", 1, {
          initialPlanId: "pro",
          snapshot: { planId: "pro", cancelAtPeriodEnd: false },
        }),
        observation("sub_a", "evt_2", 2, { status: "past_due" }),
        observation("sub_a", "evt_3", 3, { snapshot: { planId: "team", cancelAtPeriodEnd: true }, status: "active" }),
        observation("sub_a", "evt_4", 4, { status: "past_due" }),
      ];
      const orders = [
        [0, 1, 2, 3],
        [3, 2, 1, 0],
        [2, 0, 3, 1, 2, 0],
      ];
      for (const [index, order] of orders.entries()) {
        const id = `sub_order${index}`;
        for (const position of order) {
          const event = events[position];
          if (event) await new StripeSubscriptions(ledger.sql).observe({ ...event, stripeSubscriptionId: id });
        }
        const row = await new StripeSubscriptions(ledger.sql).get(id);
        assert.equal(row?.initialPlanId, "pro", `order ${order}`);
        assert.equal(row?.planId, "team", `order ${order}`);
        assert.equal(row?.cancelAtPeriodEnd, true, `order ${order}`);
        assert.equal(row?.status, "past_due", `order ${order}`);
        assert.equal(row?.statusEvent?.eventId, "evt_4");
        assert.equal(row?.snapshotEvent?.eventId, "evt_3");
      }
    });

    test("a replay or an older event changes nothing; canceled is final; same second ties go by event id", async () => {
      const subscriptions = new StripeSubscriptions(ledger.sql);
      const first = await subscriptions.observe(observation("sub_b", "evt_5", 5, { status: "active" }));
      assert.equal(first.changed, true);
      assert.equal(
        (await subscriptions.observe(observation("sub_b", "evt_5", 5, { status: "active" }))).changed,
        false,
      );
      assert.equal(
        (await subscriptions.observe(observation("sub_b", "evt_4", 4, { status: "past_due" }))).changed,
        false,
      );
      const tie = await subscriptions.observe(observation("sub_b", "evt_6", 5, { status: "past_due" }));
      assert.equal(tie.row.status, "past_due", "evt_6 sorts after evt_5 in the same second");
      await subscriptions.observe(observation("sub_b", "evt_7", 7, { status: "canceled" }));
      const late = await subscriptions.observe(observation("sub_b", "evt_8", 8, { status: "active" }));
      assert.equal(late.row.status, "canceled");
      assert.equal(late.changed, false);
      await subscriptions.recordLedgerSubscription({
        stripeSubscriptionId: "sub_b",
        ledgerSubscriptionId: "sub_x",
        now: at(9),
      });
      await subscriptions.recordLedgerSubscription({
        stripeSubscriptionId: "sub_b",
        ledgerSubscriptionId: "sub_y",
        now: at(9),
      });
      assert.equal((await subscriptions.get("sub_b"))?.ledgerSubscriptionId, "sub_x", "the first recorded stays");
    });

    test("concurrent observations agree on the newest", async () => {
      const subscriptions = new StripeSubscriptions(ledger.sql);
      const observations = Array.from({ length: 30 }, (_, index) =>
        observation("sub_c", `evt_c${String(index).padStart(2, "0")}`, index, {
          status: index % 2 === 0 ? "active" : "past_due",
        }),
      );
      await Promise.all([...observations, ...observations].map((each) => subscriptions.observe(each)));
      const row = await subscriptions.get("sub_c");
      assert.equal(row?.statusEvent?.eventId, "evt_c29");
      assert.equal(row?.status, "past_due");
    });

    test("an id that is not a Stripe subscription's is refused before anything is written", async () => {
      await assert.rejects(
        new StripeSubscriptions(ledger.sql).observe(observation("nope", "evt_9", 9, {})),
        /not a Stripe subscription id/,
      );
    });
  });
}
