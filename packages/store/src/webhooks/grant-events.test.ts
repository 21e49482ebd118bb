// subscription.renewed and pack.purchased come out of the batch that grants, once per period or lot.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { openTestLedger, testDatabases, testPostgres } from "@tollgate/store/testing";
import { Ledger } from "../ledger.ts";
import { Webhooks } from "./webhooks.ts";

const config = defineLedgerConfig({
  units: [
    { unit: "credits", scale: 2 },
    { unit: "usd", scale: 2 },
  ],
  defaultUnit: "credits",
});

const eventsOf = async (ledger: Ledger, externalId: string, type: string) => {
  const account = await ledger.accounts.find({ type: "user", externalId });
  const page = await Webhooks.of(ledger).listEvents({ accountId: account?.accountId ?? "none", limit: 500 });
  return page.items.filter((event) => event.type === type).reverse();
};

for (const database of await testDatabases()) {
  describe(`grant events on ${database.name}`, () => {
    test("subscription.renewed: one per period renewal granted, none for the first period or a replay", async () => {
      const clock = { now: new Date("2027-01-15T00:00:00Z") };
      const ledger = await openTestLedger(database, { config, clock: () => clock.now });
      try {
        const account = { type: "user" as const, externalId: "renewed" };
        const plan = testPlan({
          id: "duo",
          allocations: [allocation({ amountMinor: 1000n }), allocation({ unit: "usd", amountMinor: 250n })],
        });
        assert.ok((await ledger.subscribe({ account, plan, idempotencyKey: "sub" })).ok);
        assert.deepEqual(await eventsOf(ledger, "renewed", "subscription.renewed"), [], "subscribing is no renewal");

        clock.now = new Date("2027-02-01T00:00:00Z");
        assert.deepEqual(await ledger.renewDue(), { accounts: 1 });
        assert.deepEqual(await ledger.renewDue(), { accounts: 0 });
        assert.ok((await ledger.renew({ account, idempotencyKey: "renew-1" })).ok, "a renew with nothing due");
        const events = await eventsOf(ledger, "renewed", "subscription.renewed");
        assert.equal(events.length, 1);
        const data = events[0]?.data as Record<string, unknown>;
        assert.equal(data.planId, "duo");
        assert.equal(data.planVersion, 1);
        assert.equal(data.periodStart, "2027-02-01T00:00:00.000Z");
        assert.equal(data.periodEnd, "2027-03-01T00:00:00.000Z");
        assert.deepEqual(
          (data.grants as Array<Record<string, unknown>>).map(({ unit, amount, amountMinor }) => ({
            unit,
            amount,
            amountMinor,
          })),
          [
            { unit: "credits", amount: "10.00", amountMinor: "1000" },
            { unit: "usd", amount: "2.50", amountMinor: "250" },
          ],
        );
        assert.deepEqual(data.account, { id: events[0]?.accountId, type: "user", externalId: "renewed" });

        // Two periods later, by any operation: one event per period crossed.
        clock.now = new Date("2027-04-02T00:00:00Z");
        assert.ok((await ledger.renew({ account, idempotencyKey: "renew-2" })).ok);
        assert.ok((await ledger.renew({ account, idempotencyKey: "renew-2" })).ok, "a replay");
        const later = await eventsOf(ledger, "renewed", "subscription.renewed");
        assert.deepEqual(
          later.map((event) => String(event.data.periodStart)).sort(),
          ["2027-02-01T00:00:00.000Z", "2027-03-01T00:00:00.000Z", "2027-04-01T00:00:00.000Z"],
          "March, missed while nobody ran, is granted (and expired) as continuous running would: one event each",
        );
      } finally {
        await ledger.dispose();
      }
    });

    test("pack.purchased: one per pack lot, with the pack, the lot and the amount; none for a replay", async () => {
      const ledger = await openTestLedger(database, { config, clock: () => new Date("2027-01-15T00:00:00Z") });
      try {
        const account = { type: "user" as const, externalId: "buyer" };
        const grant = () =>
          ledger.grant({
            account,
            amountMinor: 1100n,
            source: "pack",
            pack: "starter",
            expiresAt: new Date("2028-01-15T00:00:00Z"),
            idempotencyKey: "pack-1",
          });
        const first = await grant();
        assert.ok(first.ok);
        assert.ok((await grant()).ok);
        assert.ok((await ledger.grant({ account, amountMinor: 5n, source: "promo", idempotencyKey: "promo" })).ok);
        const events = await eventsOf(ledger, "buyer", "pack.purchased");
        assert.equal(events.length, 1);
        assert.deepEqual(
          { ...events[0]?.data, account: undefined },
          {
            account: undefined,
            unit: "credits",
            packId: "starter",
            lotId: first.value.lotId,
            transactionId: first.value.transactionId,
            expiresAt: "2028-01-15T00:00:00.000Z",
            amount: "11.00",
            amountMinor: "1100",
          },
        );
      } finally {
        await ledger.dispose();
      }
    });
  });
}

describe("subscription.renewed on several instances", () => {
  test("two ledgers renewing 50 subscriptions at once send one event per period", async (t) => {
    const postgres = await testPostgres();
    if (!postgres) return t.skip("PostgreSQL is not reachable");
    const clock = { now: new Date("2027-01-20T00:00:00Z") };
    const first = await openTestLedger(postgres, { config, clock: () => clock.now });
    const second = await Ledger.open({
      databaseUrl: postgres.databaseUrl,
      schema: first.schema,
      config,
      clock: () => clock.now,
    });
    try {
      const plan = testPlan({ id: "monthly" });
      for (let index = 0; index < 50; index++) {
        const account = { type: "user" as const, externalId: `s${index}` };
        assert.ok((await first.subscribe({ account, plan, idempotencyKey: "sub" })).ok);
      }
      clock.now = new Date("2027-02-01T00:00:00Z");
      await Promise.all(Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? first : second).renewDue()));
      const rows = await first.sql.query<{ account_id: string; count: bigint }>(
        "select account_id, count(*)::bigint as count from webhook_events where type = 'subscription.renewed' group by account_id",
      );
      assert.equal(rows.length, 50);
      assert.ok(
        rows.every((row) => row.count === 1n),
        "no period sent twice",
      );
    } finally {
      await second.close();
      await first.dispose();
    }
  });
});
