// X-Tollgate-Conversation and X-Tollgate-Feature on proxied calls: kept on the usage events (a
// chat's cost by conversation, usage by feature), and the feature checked against the plan.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { PlanCatalog } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError } from "openai";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";
import { until } from "./until.ts";

/** 1,000 credits a month, for the chat feature only. */
const chatOnly = testPlan({
  id: "chat-only",
  allocations: [allocation({ amountMinor: 1_000n })],
  features: { allow: ["chat"], deny: [] },
});
const catalog: PlanCatalog = { plans: [chatOnly], packs: [], defaultPlans: {} };
const REQUEST = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Say hello." }],
  max_tokens: 100,
};

async function refusal(call: Promise<unknown>): Promise<APIError> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof APIError, `an APIError: ${String(error)}`);
  return error;
}

for (const database of await testDatabases()) {
  describe(`conversation and feature headers on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    let accountId = "";
    let token = "";
    before(async () => {
      proxy = await openProxyTestApp(database, { catalog });
      const account = { type: "user" as const, externalId: "noa" };
      assert.ok((await proxy.ledger.subscribe({ account, plan: chatOnly, idempotencyKey: "sub" })).ok);
      accountId = (await proxy.ledger.ensureAccount(account)).accountId;
      token = (await proxy.keys.create({ kind: "customer", name: "noa", accountId })).token;
    });
    after(() => proxy.close());

    const clientWith = (headers: Record<string, string>) =>
      new OpenAI({ baseURL: proxy.baseURL, apiKey: token, maxRetries: 0, defaultHeaders: headers });

    test("a conversation's calls, streamed or not, are its usage, with their feature", async () => {
      const client = clientWith({ "X-Tollgate-Conversation": "conv-1", "X-Tollgate-Feature": "chat" });
      await client.chat.completions.create(REQUEST);
      const stream = await client.chat.completions.create({ ...REQUEST, stream: true });
      for await (const _chunk of stream) {
      }
      const conversation = () => proxy.meter.conversationUsage({ account: { accountId }, conversationId: "conv-1" });
      await until("both calls recorded", async () => (await conversation())?.calls === 2);
      assert.equal((await conversation())?.rows[0]?.chargedMinor, 48n);
      const byFeature = await proxy.meter.usageReport({ account: { accountId }, groupBy: "feature" });
      assert.deepEqual(
        byFeature?.map((row) => [row.key, row.calls]),
        [["chat", 2]],
      );
    });

    test("a feature outside the plan is 403 feature_not_in_plan, and nothing is charged", async () => {
      const before = await proxy.credits(accountId);
      const error = await refusal(clientWith({ "X-Tollgate-Feature": "images" }).chat.completions.create(REQUEST));
      assert.equal(error.status, 403);
      assert.equal(error.code, "feature_not_in_plan");
      assert.deepEqual(await proxy.credits(accountId), before);
    });

    for (const [header, value] of [
      ["X-Tollgate-Feature", "Not A Name"],
      ["X-Tollgate-Conversation", "c".repeat(201)],
    ] as const) {
      test(`a malformed ${header} is 400 invalid_request naming it`, async () => {
        const before = await proxy.credits(accountId);
        const error = await refusal(clientWith({ [header]: value }).chat.completions.create(REQUEST));
        assert.equal(error.status, 400);
        assert.equal(error.code, "invalid_request");
        assert.equal(error.param, header);
        assert.deepEqual(await proxy.credits(accountId), before);
      });
    }
  });
}
