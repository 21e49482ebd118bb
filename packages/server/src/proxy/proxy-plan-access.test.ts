// The account's plan decides which models the proxy may call, as for /v1/holds: a model outside
// it is 403 model_not_in_plan in the provider's format (OpenAI's, Anthropic's), nothing held or
// charged (the upstream request, sent beside the hold, is aborted: proxy-concurrent-hold.test.ts).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic, { PermissionDeniedError } from "@anthropic-ai/sdk";
import type { PlanCatalog } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError } from "openai";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";

/** 1,000 credits a month, gpt-4o-mini and claude-haiku-4-5 only. */
const mini = testPlan({
  id: "mini",
  allocations: [allocation({ amountMinor: 1_000n })],
  models: { allow: ["openai/gpt-4o-mini", "anthropic/claude-haiku-4-5"], deny: [] },
});
const catalog: PlanCatalog = { plans: [mini], packs: [], defaultPlans: {} };

for (const database of await testDatabases()) {
  describe(`the proxy and the plan's models on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    let client: OpenAI;
    let claude: Anthropic;
    let accountId = "";
    before(async () => {
      proxy = await openProxyTestApp(database, { catalog });
      const account = { type: "user" as const, externalId: "mia" };
      assert.ok((await proxy.ledger.subscribe({ account, plan: mini, idempotencyKey: "sub" })).ok);
      accountId = (await proxy.ledger.ensureAccount(account)).accountId;
      const { token } = await proxy.keys.create({ kind: "customer", name: "mia", accountId });
      client = new OpenAI({ baseURL: proxy.baseURL, apiKey: token });
      claude = new Anthropic({ baseURL: proxy.anthropicBaseURL, apiKey: token });
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

    test("on /anthropic, a Claude model the plan allows is charged, one outside it is a 403 PermissionDeniedError", async () => {
      const request = { max_tokens: 100, messages: [{ role: "user" as const, content: "hi" }] };
      const before = await proxy.credits(accountId);
      await claude.messages.create({ ...request, model: "claude-haiku-4-5" });
      // Haiku 4.5 per million: 100×1 + 400×1.25 + 1000×0.1 + 200×5 = 1,700 µUSD, × 2 × 10,000.
      const charged = await proxy.credits(accountId);
      assert.equal(charged.balanceMinor, before.balanceMinor - 34n);
      const error = await claude.messages.create({ ...request, model: "claude-sonnet-4-5" }).then(
        () => null,
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof PermissionDeniedError, String(error));
      assert.equal(error.type, "permission_error");
      assert.equal(error.errorCode, "model_not_in_plan");
      assert.deepEqual(await proxy.credits(accountId), charged);
    });
  });
}
