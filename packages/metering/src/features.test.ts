// Per-account feature costs on both databases: set, listed with the feature's own cost, removed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { Features } from "./features.ts";

for (const database of await testDatabases()) {
  describe(`per-account feature costs on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let features: Features;
    before(async () => {
      ledger = await openTestLedger(database);
      features = new Features(ledger.sql);
      await features.define("summarize", { unit: "credits", costMinor: 3n });
      await features.define("translate", { unit: "credits", costMinor: 5n });
    });
    after(() => ledger.dispose());

    test("an account's own costs are listed by feature, beside what the feature costs everyone else", async () => {
      const { accountId } = await ledger.ensureAccount({ type: "user", externalId: "vip" });
      const { accountId: otherId } = await ledger.ensureAccount({ type: "user", externalId: "other" });
      assert.deepEqual(await features.accountCosts(accountId), []);
      assert.equal(await features.setAccountCost(accountId, "translate", 0n), true);
      assert.equal(await features.setAccountCost(accountId, "summarize", 1n), true);
      assert.equal(await features.setAccountCost(otherId, "summarize", 2n), true);
      assert.equal(await features.setAccountCost(accountId, "no_such_feature", 1n), false, "nothing to override");
      const listed = await features.accountCosts(accountId);
      assert.deepEqual(
        listed.map(({ feature, unit, costMinor, featureCostMinor }) => [feature, unit, costMinor, featureCostMinor]),
        [
          ["summarize", "credits", 1n, 3n],
          ["translate", "credits", 0n, 5n],
        ],
      );
      assert.ok(listed.every((cost) => cost.updatedAt instanceof Date));

      assert.equal(await features.setAccountCost(accountId, "translate", null), true);
      assert.equal(await features.setAccountCost(accountId, "translate", null), false, "removed already");
      assert.deepEqual(
        (await features.accountCosts(accountId)).map((cost) => cost.feature),
        ["summarize"],
      );
      assert.deepEqual(await features.costFor(accountId, "translate"), {
        feature: "translate",
        unit: "credits",
        costMinor: 5n,
        overridden: false,
      });
    });
  });
}
