// The account's plan decides which models the proxy may call, as for /v1/holds: a model outside
// it is 403 model_not_in_plan in OpenAI's format, nothing held or charged (the upstream request,
// sent beside the hold, is aborted: proxy-concurrent-hold.test.ts).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { PlanCatalog } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError } from "openai";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";

/** 1,000 credits a month, gpt-4o-mini only. */
const mini = testPlan({
  id: "mini",
  allocations: [allocation({ amountMinor: 1_000n })],
  models: { allow: ["openai/gpt-4o-mini"], deny: [] },
});
const catalog: PlanCatalog = { plans: [mini], packs: [], defaultPlans: {} };

for (const database of await testDatabases()) {
  describe(`the proxy and the plan's models on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    let client: OpenAI;
    let accountId = "";
    before(async () => {
      proxy = await openProxyTestApp(database, { catalog });
      const account = { type: "user" as const, externalId: "mia" };
      assert.ok((await proxy.ledger.subscribe({ account, plan: mini, idempotencyKey: "sub" })).ok);
      accountId = (await proxy.ledger.ensureAccount(account)).accountId;
      const { token } = await proxy.keys.create({ kind: "customer", name: "mia", accountId });
      client = new OpenAI({ baseURL: proxy.baseURL, apiKey: token });
    });
    after(() => proxy.close());

    test("a model the plan allows is called and charged", async () => {
      const before = await proxy.credits(accountId);
      await client.chat.completions.create({
        model: "openai/gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 100,
      });
      assert.equal((await proxy.credits(accountId)).balanceMinor, before.balanceMinor - 24n);
    });

    test("a model outside the plan is APIError 403 model_not_in_plan, and nothing is charged", async () => {
      const before = await proxy.credits(accountId);
      const error = await client.chat.completions
        .create({ model: "openai/gpt-4o", messages: [{ role: "user", content: "hi" }], max_tokens: 100 })
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      assert.ok(error instanceof APIError, String(error));
      assert.equal(error.status, 403);
      assert.equal(error.code, "model_not_in_plan");
      assert.deepEqual(await proxy.credits(accountId), before);
    });
  });
}
