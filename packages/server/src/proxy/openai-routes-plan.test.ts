// The account's plan decides which models /responses and /embeddings may call, as for chat
// completions: a model outside it is 403 model_not_in_plan in OpenAI's format, nothing held or
// charged (the upstream request, sent beside the hold, is aborted: proxy-concurrent-hold.test.ts);
// a model inside it is called and charged.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { PlanCatalog } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError } from "openai";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";

/** 1,000 credits a month; gpt-4o-mini and text-embedding-3-small only. */
const mini = testPlan({
  id: "mini",
  allocations: [allocation({ amountMinor: 1_000n })],
  models: { allow: ["openai/gpt-4o-mini", "openai/text-embedding-3-small"], deny: [] },
});
const catalog: PlanCatalog = { plans: [mini], packs: [], defaultPlans: {} };

for (const database of await testDatabases()) {
  describe(`/responses and /embeddings and the plan's models on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    let client: OpenAI;
    let accountId = "";
    before(async () => {
      proxy = await openProxyTestApp(database, { catalog });
      const account = { type: "user" as const, externalId: "mia" };
      assert.ok((await proxy.ledger.subscribe({ account, plan: mini, idempotencyKey: "sub" })).ok);
      accountId = (await proxy.ledger.ensureAccount(account)).accountId;
      const { token } = await proxy.keys.create({ kind: "customer", name: "mia", accountId });
      client = new OpenAI({ baseURL: proxy.baseURL, apiKey: token, maxRetries: 0 });
    });
    after(() => proxy.close());

    const refused = async (call: () => Promise<unknown>) => {
      const before = await proxy.credits(accountId);
      const error = await call().then(
        () => null,
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof APIError, String(error));
      assert.deepEqual([error.status, error.code], [403, "model_not_in_plan"]);
      assert.deepEqual(await proxy.credits(accountId), before, "nothing held or charged");
    };

    test("models the plan allows are called and charged", async () => {
      const before = await proxy.credits(accountId);
      await client.responses.create({ model: "openai/gpt-4o-mini", input: "hi", max_output_tokens: 100 });
      await client.embeddings.create({ model: "openai/text-embedding-3-small", input: "hi" });
      // 30 for the response, 2 for the embedding: OpenRouter's costs x 2 x 10,000.
      assert.equal((await proxy.credits(accountId)).balanceMinor, before.balanceMinor - 32n);
    });

    test("models outside it are APIError 403 model_not_in_plan, streamed or not", async () => {
      await refused(() => client.responses.create({ model: "openai/gpt-4o", input: "hi", max_output_tokens: 100 }));
      await refused(() =>
        client.responses.create({ model: "openai/gpt-4o", input: "hi", max_output_tokens: 100, stream: true }),
      );
      await refused(() => client.embeddings.create({ model: "openai/text-embedding-3-large", input: "hi" }));
    });
  });
}
