// POST /v1/holds on both databases: an amount, or a model call held at its estimate, with the
// deployment's minimum available balance enforced on the write (a pay-as-you-go chat's "refuse under
// $0.01"), as /v1/check answers it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { definePricingConfig } from "@tollgate/metering";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

const CALL = {
  provider: "openai",
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Summarize the quarter in one line." }],
  maxTokens: 100,
};

for (const database of await testDatabases()) {
  describe(`POST /v1/holds on ${database.name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await openTestApi(database, {
        ledger: {
          units: [
            { unit: "credits", scale: 0 },
            { unit: "usd", scale: 6 },
          ],
        },
        pricing: definePricingConfig({ unit: "usd", creditsPerUsd: "1", minimumAvailableMinor: 10_000n }),
      });
      await api.call("POST", "/v1/accounts/user:erin/grants", { amount: "0.005", unit: "usd", source: "promo" });
      await api.call("POST", "/v1/accounts/user:erin/grants", { amount: "10", source: "promo" });
    });
    after(() => api.close());

    const usd = async () => {
      const { body } = await api.call<{ data: Array<{ unit: string; held: string; available: string }> }>(
        "GET",
        "/v1/accounts/user:erin/balances?unit=usd",
      );
      return body.data[0];
    };

    test("below the minimum available balance a hold is 402 naming the unit, as the check says", async () => {
      const check = (await api.call("POST", "/v1/check", { account: "user:erin", ...CALL }, { key: null })).body;
      assert.deepEqual([check.allowed, check.reason, check.unit], [false, "insufficient_credits", "usd"]);
      assert.equal(check.required, "0.010000", "what must be available: the floor");
      assert.equal(check.minimumAvailable, "0.010000");
      assert.ok(Number(check.estimate) > 0 && Number(check.estimate) < 0.001, `a small estimate: ${check.estimate}`);

      const held = await api.call<ErrorAnswer>("POST", "/v1/holds", { account: "user:erin", ...CALL });
      assert.equal(held.status, 402);
      assert.deepEqual(held.body.error.details, {
        reason: "insufficient_credits",
        unit: "usd",
        required: "0.010000",
        available: "0.005000",
      });
      const amount = await api.call<ErrorAnswer>("POST", "/v1/holds", {
        account: "user:erin",
        amount: "0.001",
        unit: "usd",
      });
      assert.equal(amount.status, 402, "an amount in the pricing unit starts a call too");
      assert.equal((await usd())?.held, "0.000000");
      const credits = await api.call("POST", "/v1/holds", { account: "user:erin", amount: "1" });
      assert.equal(credits.status, 200, "the floor is in the pricing unit only");
    });

    test("above it, a model call is held at its estimate, answered with the estimate the check gave", async () => {
      await api.call("POST", "/v1/accounts/user:erin/grants", { amount: "0.02", unit: "usd", source: "purchase" });
      const check = (await api.call("POST", "/v1/check", { account: "user:erin", ...CALL }, { key: null })).body;
      assert.deepEqual([check.allowed, check.reason], [true, null]);
      const { status, body } = await api.call("POST", "/v1/holds", { account: "user:erin", ...CALL, ttlSeconds: 60 });
      assert.equal(status, 200);
      assert.deepEqual(
        [body.unit, body.amount, body.estimate, body.estimatedUsage],
        ["usd", check.estimate, check.estimate, check.estimatedUsage],
      );
      assert.equal((body.estimatedUsage as { outputTokens: number }).outputTokens, 100);
      assert.equal((await usd())?.held, body.amount);
      const settled = await api.call("POST", "/v1/usage-events", {
        account: "user:erin",
        provider: CALL.provider,
        model: CALL.model,
        usage: { inputTokens: 12, outputTokens: 20 },
        holdId: body.holdId,
      });
      assert.equal(settled.status, 200);
      assert.equal((await usd())?.held, "0.000000");
    });

    test("exactly one form, each with its own fields; malformed messages are 400 naming them; nothing is held", async () => {
      const before = await usd();
      for (const [body, field] of [
        [{ amount: "1", ...CALL }, "amount"],
        [{}, "amount"],
        [{ model: "gpt-4o-mini", provider: "openai" }, "messages"],
        [{ model: "gpt-4o-mini", messages: CALL.messages }, "provider"],
        [{ amount: "1", messages: CALL.messages }, "messages"],
        [{ amount: "1", maxTokens: 5 }, "maxTokens"],
        [{ ...CALL, unit: "credits" }, "unit"],
        [{ ...CALL, messages: [{ role: "robot", content: "hi" }] }, "messages"],
        [{ ...CALL, messages: [] }, "messages"],
        [{ ...CALL, provider: "Not A Provider" }, "provider"],
      ] as const) {
        const answer = await api.call<ErrorAnswer>("POST", "/v1/holds", { account: "user:erin", ...body });
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.ok(
          answer.body.error.details.fields?.some((named) => named.field === field),
          `${JSON.stringify(body)} names ${field}: ${JSON.stringify(answer.body.error.details.fields)}`,
        );
      }
      const tooLong = await api.call<ErrorAnswer>("POST", "/v1/holds", {
        account: "user:erin",
        amount: "1",
        ttlSeconds: 2 * 86_400,
      });
      assert.deepEqual([tooLong.status, tooLong.body.error.details.reason], [400, "invalid_expiry"], "past holdTtlMax");
      assert.deepEqual(await usd(), before);
    });
  });
}
