import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openTestLedger, testDatabases } from "../testing/test-databases.ts";
import { AutoTopUps } from "./auto-top-ups.ts";

for (const database of await testDatabases()) {
  describe(`automatic top-up crossings on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    before(async () => {
      ledger = await openTestLedger(database);
    });
    after(() => ledger.dispose());

    async function account(name: string, grantMinor: bigint) {
      const granted = await ledger.grant({
        account: { type: "user", externalId: name },
        amountMinor: grantMinor,
        source: "promo",
        idempotencyKey: `open-${name}`,
      });
      assert.ok(granted.ok);
      return granted.value.accountId;
    }
    let spends = 0;
    const spend = async (accountId: string, amountMinor: bigint) => {
      const result = await ledger.charge({ account: { accountId }, amountMinor, idempotencyKey: `spend-${++spends}` });
      assert.ok(result.ok, result.ok ? "" : `${result.code} ${result.details.message ?? ""}`);
    };

    test("one crossing per fall below the threshold, none while it stays below", async () => {
      const topUps = new AutoTopUps(ledger.sql);
      const accountId = await account("crosser", 500n);
      await topUps.set({ accountId, unit: "credits", thresholdMinor: 100n, packId: "starter", now: ledger.now() });
      await spend(accountId, 300n); // 200: above
      assert.equal((await topUps.crossings(accountId)).length, 0);
      await spend(accountId, 150n); // 50: crossed
      await spend(accountId, 10n); // 40: still below
      const [crossing, ...others] = await topUps.crossings(accountId);
      assert.deepEqual(others, []);
      assert.deepEqual(
        [crossing?.status, crossing?.availableMinor, crossing?.thresholdMinor, crossing?.packId],
        ["due", 50n, 100n, "starter"],
      );
      const grant = await ledger.grant({
        account: { accountId },
        amountMinor: 1000n,
        source: "pack",
        idempotencyKey: "refill",
      });
      assert.ok(grant.ok);
      await spend(accountId, 1000n); // 40 again: a second crossing
      assert.equal((await topUps.crossings(accountId)).length, 2);
    });

    test("concurrent charges across the threshold record one crossing", async () => {
      const topUps = new AutoTopUps(ledger.sql);
      const accountId = await account("concurrent", 300n);
      await topUps.set({ accountId, unit: "credits", thresholdMinor: 100n, packId: "starter", now: ledger.now() });
      await Promise.all(Array.from({ length: 25 }, () => spend(accountId, 10n)));
      const crossings = await topUps.crossings(accountId);
      assert.equal(crossings.length, 1);
      assert.ok((crossings[0]?.availableMinor ?? 100n) < 100n);
    });

    test("a hold that takes available below the threshold is a crossing too; accounts without one pay nothing", async () => {
      const topUps = new AutoTopUps(ledger.sql);
      const accountId = await account("holder", 500n);
      const other = await account("no-top-up", 500n);
      await topUps.set({ accountId, unit: "credits", thresholdMinor: 100n, packId: "starter", now: ledger.now() });
      const hold = await ledger.authorize({ account: { accountId }, amountMinor: 450n, idempotencyKey: "hold-1" });
      assert.ok(hold.ok);
      await spend(other, 450n);
      assert.equal((await topUps.crossings(accountId)).length, 1);
      assert.equal((await topUps.crossings(other)).length, 0);
    });

    test("claims skip what is claimed, retry an unanswered claim after its lease, then fail it", async () => {
      const topUps = new AutoTopUps(ledger.sql);
      const accountId = await account("claimed", 200n);
      await topUps.set({ accountId, unit: "credits", thresholdMinor: 100n, packId: "starter", now: ledger.now() });
      await spend(accountId, 150n);
      const at = (ms: number) => new Date(ledger.now().getTime() + ms);
      const mine = (crossings: Awaited<ReturnType<AutoTopUps["claimDue"]>>) =>
        crossings.filter((crossing) => crossing.accountId === accountId);
      const [first] = mine(await topUps.claimDue({ now: at(0), limit: 10, leaseMs: 60_000 }));
      assert.equal(first?.attempts, 1);
      assert.deepEqual(mine(await topUps.claimDue({ now: at(1_000), limit: 10, leaseMs: 60_000 })), []);
      assert.equal(mine(await topUps.claimDue({ now: at(61_000), limit: 10, leaseMs: 60_000 }))[0]?.attempts, 2);
      assert.equal(mine(await topUps.claimDue({ now: at(122_000), limit: 10, leaseMs: 60_000 }))[0]?.attempts, 3);
      assert.deepEqual(mine(await topUps.claimDue({ now: at(183_000), limit: 10, leaseMs: 60_000 })), []);
      const [failed] = await topUps.crossings(accountId);
      assert.equal(failed?.status, "failed");
      assert.match(failed?.detail ?? "", /not retried/);
    });

    test("a crossing ends once, by its id or its payment intent", async () => {
      const topUps = new AutoTopUps(ledger.sql);
      const accountId = await account("ended", 200n);
      await topUps.set({ accountId, unit: "credits", thresholdMinor: 100n, packId: "starter", now: ledger.now() });
      await spend(accountId, 150n);
      const [claimed] = (await topUps.claimDue({ now: ledger.now(), limit: 100, leaseMs: 60_000 })).filter(
        (crossing) => crossing.accountId === accountId,
      );
      assert.ok(claimed);
      await topUps.requested({ crossingId: claimed.crossingId, paymentIntentId: "pi_ended", now: ledger.now() });
      const ended = await topUps.end({
        paymentIntentId: "pi_ended",
        status: "succeeded",
        detail: "granted",
        now: ledger.now(),
      });
      assert.equal(ended?.crossingId, claimed.crossingId);
      const again = await topUps.end({
        crossingId: claimed.crossingId,
        status: "failed",
        detail: "late",
        now: ledger.now(),
      });
      assert.equal(again, null);
      assert.equal((await topUps.crossings(accountId))[0]?.status, "succeeded");
      assert.equal(await topUps.remove({ accountId }), true);
      assert.deepEqual(await topUps.list(accountId), []);
    });
  });
}
