// The meter hands the ledger what a call pays for, so the account's plan allows or refuses it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { testPlan } from "@tollgate/core/testing";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { Meter } from "./meter.ts";
import { definePricingConfig } from "./pricing-config.ts";

/** 100 credits; gpt-4o-mini and the `summarize` feature only. */
const free = testPlan({
  id: "free",
  models: { allow: ["openai/gpt-4o-mini"], deny: [] },
  features: { allow: ["summarize"], deny: [] },
});
const pro = testPlan({ id: "pro" });

for (const database of await testDatabases()) {
  describe(`plan access through the meter on ${database.name}`, () => {
    test("model calls, holds and features the plan refuses are refused, and nothing is recorded", async () => {
      const ledger = await openTestLedger(database, { config: defineLedgerConfig() });
      await ledger.syncPlanCatalog({ plans: [free, pro], packs: [], defaultPlans: {} });
      const meter = await Meter.open({
        ledger,
        pricing: definePricingConfig({
          creditsPerUsd: "100000",
          features: { summarize: { unit: "credits", costMinor: 2n }, translate: { unit: "credits", costMinor: 2n } },
        }),
      });
      try {
        const account = { type: "user" as const, externalId: "metered" };
        assert.ok((await ledger.subscribe({ account, plan: free, idempotencyKey: "sub" })).ok);
        const call = { account, provider: "OpenAI", usage: { inputTokens: 100, outputTokens: 10 } };

        const allowed = await meter.recordUsage({ ...call, model: "gpt-4o-mini", idempotencyKey: "u1" });
        assert.equal(allowed.ok, true, JSON.stringify(allowed.ok || allowed.code));
        const refused = await meter.recordUsage({ ...call, model: "gpt-4o", idempotencyKey: "u2" });
        assert.deepEqual(refused.ok ? null : [refused.code, refused.details], [
          "model_not_in_plan",
          {
            model: "openai/gpt-4o",
            plan: "free",
            plans: ["pro"],
            message: 'the plan "free" does not include the model "openai/gpt-4o"',
          },
        ]);
        const wrongFeature = await meter.recordUsage({
          ...call,
          model: "gpt-4o-mini",
          feature: "translate",
          idempotencyKey: "u3",
        });
        assert.equal(wrongFeature.ok ? null : wrongFeature.code, "feature_not_in_plan");

        const hold = await meter.authorizeCall({
          account,
          provider: "openai",
          model: "gpt-4o",
          messages: [{ role: "user", content: "hi" }],
          maxTokens: 10,
          idempotencyKey: "h1",
        });
        assert.equal(hold.ok ? null : hold.code, "model_not_in_plan");

        assert.equal((await meter.chargeFeature({ account, feature: "summarize", idempotencyKey: "f1" })).ok, true);
        const feature = await meter.chargeFeature({ account, feature: "translate", idempotencyKey: "f2" });
        assert.equal(feature.ok ? null : feature.code, "feature_not_in_plan");

        const events = await ledger.sql.query<{ count: bigint }>("select count(*)::bigint as count from usage_events");
        assert.equal(events[0]?.count, 2n, "only the allowed call and feature were recorded");
      } finally {
        await meter.close();
        await ledger.dispose();
      }
    });
  });
}
