// The meter's clamp: the most output a balance pays for is exactly where a hold stops fitting,
// at the catalog's price with the deployment's markup, conversion and rounding.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { Meter } from "./meter.ts";
import { definePricingConfig } from "./pricing-config.ts";

const CALL = {
  provider: "openai",
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Say hello." }],
  maxTokens: 5_000,
};

for (const database of await testDatabases()) {
  describe(`affordableMaxTokens on ${database.name}`, () => {
    let meter: Meter;
    let strict: Meter;
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    before(async () => {
      ledger = await openTestLedger(database);
      meter = await Meter.open({
        ledger,
        pricing: definePricingConfig({ creditsPerUsd: "10000", markup: { default: "2" } }),
      });
      strict = await Meter.open({
        ledger,
        pricing: definePricingConfig({ creditsPerUsd: "10000", markup: { default: "2" }, minimumAvailableMinor: 10n }),
      });
    });
    after(async () => {
      await meter.close();
      await strict.close();
      await ledger.dispose();
    });

    const holdAt = async (maxTokens: number, choiceCount?: number) =>
      (await meter.estimateCall({ ...CALL, maxTokens, ...(choiceCount ? { choiceCount } : {}) }))?.amountMinor;

    test("the request's own limit, when the balance pays for it", async () => {
      const full = (await holdAt(5_000)) as bigint;
      assert.equal(await meter.affordableMaxTokens({ ...CALL, availableMinor: full }), 5_000);
    });

    for (const availableMinor of [1n, 7n, 30n, 59n]) {
      test(`${availableMinor} credits: the largest output whose hold fits`, async () => {
        const found = await meter.affordableMaxTokens({ ...CALL, availableMinor });
        assert.ok(found !== null && found >= 1 && found < 5_000, `found ${found}`);
        assert.ok(((await holdAt(found)) as bigint) <= availableMinor);
        assert.ok(((await holdAt(found + 1)) as bigint) > availableMinor);
      });
    }

    test("n choices each get the clamped output", async () => {
      const found = (await meter.affordableMaxTokens({ ...CALL, choiceCount: 3, availableMinor: 30n })) as number;
      assert.ok(((await holdAt(found, 3)) as bigint) <= 30n);
      assert.ok(((await holdAt(found + 1, 3)) as bigint) > 30n);
    });

    test("nothing available, or less than the deployment's minimum to start a call: null", async () => {
      assert.equal(await meter.affordableMaxTokens({ ...CALL, availableMinor: 0n }), null);
      assert.equal(await strict.affordableMaxTokens({ ...CALL, availableMinor: 9n }), null);
      assert.ok((await strict.affordableMaxTokens({ ...CALL, availableMinor: 10n })) !== null);
    });

    test("a model nothing prices: null", async () => {
      assert.equal(await meter.affordableMaxTokens({ ...CALL, model: "no-such-model", availableMinor: 100n }), null);
    });
  });
}
