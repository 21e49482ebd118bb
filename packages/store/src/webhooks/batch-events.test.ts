import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { Webhooks } from "./webhooks.ts";

/**
 * Events come out of the batch that causes them, exactly at crossings: a table of steps on
 * one account, each with the events it must produce (and only those).
 */
const config = defineLedgerConfig({ units: [{ unit: "credits", scale: 2 }], defaultUnit: "credits" });
const T0 = new Date("2031-01-01T00:00:00.000Z");

for (const database of await testDatabases()) {
  describe(`webhook events from batches on ${database.name}`, () => {
    let now = T0;
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let webhooks: Webhooks;
    before(async () => {
      ledger = await openTestLedger(database, {
        config,
        clock: () => now,
        lowBalanceThresholdsDefault: { credits: 1000n },
      });
      webhooks = Webhooks.of(ledger);
    });
    after(() => ledger.dispose());

    let seen = new Set<string>();
    /** The events produced since the last call, oldest first, as `type available`. */
    const newEvents = async (externalId: string) => {
      const account = await ledger.accounts.find({ type: "user", externalId });
      const page = await webhooks.listEvents({ accountId: account?.accountId ?? "none", limit: 500 });
      const fresh = page.items.filter((event) => !seen.has(event.eventId)).reverse();
      for (const event of fresh) seen.add(event.eventId);
      return fresh;
    };
    const summary = (events: Awaited<ReturnType<typeof newEvents>>) =>
      events.map((event) => `${event.type} ${String(event.data.available ?? event.data.amount)}`).sort();

    test("balance.low once per crossing, balance.depleted at zero", async () => {
      seen = new Set();
      const account = { type: "user" as const, externalId: "crossing" };
      let key = 0;
      const charge = (amountMinor: bigint) => ledger.charge({ account, amountMinor, idempotencyKey: `c${key++}` });
      const grant = (amountMinor: bigint) =>
        ledger.grant({ account, amountMinor, source: "promo", idempotencyKey: `g${key++}` });
      const steps: Array<[string, () => Promise<unknown>, string[]]> = [
        ["grant from nothing: going up fires nothing", () => grant(2000n), []],
        ["still above", () => charge(500n), []],
        ["crosses below 10.00", () => charge(600n), ["balance.low 9.00"]],
        ["stays low: no second event", () => charge(100n), []],
        ["back above", () => grant(500n), []],
        ["below again: a second event", () => charge(400n), ["balance.low 9.00"]],
        ["to zero: depleted, not low again", () => charge(900n), ["balance.depleted 0.00"]],
        ["stays at zero", () => grant(0n).catch(() => null), []],
        [
          "up, then straight down across both",
          () => grant(1500n).then(() => charge(1500n)),
          ["balance.depleted 0.00", "balance.low 0.00"],
        ],
      ];
      for (const [name, step, expected] of steps) {
        await step();
        assert.deepEqual(summary(await newEvents("crossing")), expected, name);
      }
      const [event] = (await webhooks.listEvents({ type: "balance.depleted", limit: 1 })).items;
      assert.deepEqual(event?.data, {
        account: { id: event?.accountId, type: "user", externalId: "crossing" },
        unit: "credits",
        available: "0.00",
        availableMinor: "0",
      });
    });

    test("many operations in one batch: one crossing, one event", async () => {
      seen = new Set();
      const account = { type: "user" as const, externalId: "batched" };
      await ledger.grant({ account, amountMinor: 1500n, source: "promo", idempotencyKey: "g" });
      await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          ledger.charge({ account, amountMinor: 50n, idempotencyKey: `c${index}` }),
        ),
      );
      const events = await newEvents("batched");
      assert.equal(events.length, 1);
      assert.equal(events[0]?.type, "balance.low");
      assert.deepEqual(
        [events[0]?.data.threshold, events[0]?.data.thresholdMinor],
        ["10.00", "1000"],
        "the payload names the threshold crossed",
      );
    });

    test("an account's own threshold wins over the default; 0 turns it off", async () => {
      seen = new Set();
      const account = { type: "user" as const, externalId: "own" };
      const { accountId } = await ledger.ensureAccount(account);
      assert.deepEqual(await webhooks.setLowBalanceThreshold({ accountId, unit: "credits", thresholdMinor: 300n }), {
        code: "set",
        threshold: { unit: "credits", accountMinor: 300n, defaultMinor: 1000n, effectiveMinor: 300n },
      });
      assert.deepEqual(await ledger.getBalances(account), [
        { unit: "credits", balanceMinor: 0n, heldMinor: 0n, availableMinor: 0n, debtMinor: 0n, lots: [] },
      ]);
      await ledger.grant({ account, amountMinor: 2000n, source: "promo", idempotencyKey: "g1" });
      await ledger.charge({ account, amountMinor: 1500n, idempotencyKey: "c1" });
      assert.deepEqual(summary(await newEvents("own")), [], "5.00 is above its own 3.00");
      await ledger.charge({ account, amountMinor: 300n, idempotencyKey: "c2" });
      assert.deepEqual(summary(await newEvents("own")), ["balance.low 2.00"]);
      await webhooks.setLowBalanceThreshold({ accountId, unit: "credits", thresholdMinor: 0n });
      await ledger.grant({ account, amountMinor: 2000n, source: "promo", idempotencyKey: "g2" });
      await ledger.charge({ account, amountMinor: 2100n, idempotencyKey: "c3" });
      assert.deepEqual(summary(await newEvents("own")), [], "0: off");
      assert.deepEqual(await webhooks.lowBalanceThresholds(accountId), [
        { unit: "credits", accountMinor: 0n, defaultMinor: 1000n, effectiveMinor: 0n },
      ]);
      await webhooks.setLowBalanceThreshold({ accountId, unit: "credits", thresholdMinor: null });
      assert.deepEqual(await webhooks.lowBalanceThresholds(accountId), [
        { unit: "credits", accountMinor: null, defaultMinor: 1000n, effectiveMinor: 1000n },
      ]);
      assert.deepEqual(
        await webhooks.setLowBalanceThreshold({ accountId: "acct_nobody", unit: "credits", thresholdMinor: 1n }),
        { code: "account_not_found" },
      );
      assert.deepEqual(await webhooks.setLowBalanceThreshold({ accountId, unit: "gold", thresholdMinor: 1n }), {
        code: "unit_not_found",
      });
      await assert.rejects(
        webhooks.setLowBalanceThreshold({ accountId, unit: "credits", thresholdMinor: -1n }),
        /non-negative/,
      );
    });

    test("grant.expired and hold.expired when the sweep expires them", async () => {
      seen = new Set();
      const account = { type: "user" as const, externalId: "expiring" };
      const { accountId } = await ledger.ensureAccount(account);
      await webhooks.setLowBalanceThreshold({ accountId, unit: "credits", thresholdMinor: 0n });
      await ledger.grant({ account, amountMinor: 500n, source: "promo", idempotencyKey: "keep" });
      const lot = await ledger.grant({
        account,
        amountMinor: 300n,
        source: "promo",
        priority: 1,
        expiresAt: new Date(T0.getTime() + 3_600_000),
        idempotencyKey: "expires",
      });
      assert.ok(lot.ok);
      const hold = await ledger.authorize({ account, amountMinor: 200n, ttlMs: 60_000, idempotencyKey: "h" });
      assert.ok(hold.ok);
      now = new Date(T0.getTime() + 120_000);
      await ledger.sweepExpired();
      const holdEvents = await newEvents("expiring");
      assert.deepEqual(summary(holdEvents), ["hold.expired 2.00"]);
      assert.equal(holdEvents[0]?.data.holdId, hold.value.holdId);
      now = new Date(T0.getTime() + 7_200_000);
      await ledger.sweepExpired();
      const lotEvents = await newEvents("expiring");
      assert.deepEqual(summary(lotEvents), ["grant.expired 3.00"], "only what was left of the lot");
      assert.equal(lotEvents[0]?.data.amountMinor, "300");
      assert.equal(lotEvents[0]?.data.source, "promo");
      assert.equal(typeof lotEvents[0]?.data.lotId, "string");
      assert.deepEqual(await ledger.reconcile().then((report) => report.ok), true);
      now = T0;
    });
  });
}
