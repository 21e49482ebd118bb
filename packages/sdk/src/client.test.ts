// Every named method of the SDK against the real server on a real port, on both databases:
// what the app calls is what the server does, typed from its own document.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { PlanCatalog } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { testDatabases } from "@tollgate/store/testing";
import { createTollgateClient, type TollgateClient, TollgateError } from "./index.ts";
import { openSdkTestServer, type SdkTestServer } from "./sdk-test-server.ts";

const catalog: PlanCatalog = {
  plans: [testPlan({ id: "pro", name: "Pro", allocations: [allocation({ amountMinor: 1000n })] })],
  defaultPlans: {},
  packs: [
    {
      id: "topup",
      name: "Top-up",
      unit: "credits",
      amountMinor: 500n,
      bonusPercent: "0",
      expiresInMs: null,
      price: { amountMinor: 500n, currency: "usd" },
      stripePriceId: null,
    },
  ],
};

async function refusal(promise: Promise<unknown>): Promise<TollgateError> {
  const caught = await promise.then(
    () => null,
    (error: unknown) => error,
  );
  assert.ok(caught instanceof TollgateError, `expected a TollgateError, got ${String(caught)}`);
  return caught;
}

for (const database of await testDatabases()) {
  describe(`the SDK's resources against the real server on ${database.name}`, () => {
    let server: SdkTestServer;
    let tollgate: TollgateClient;
    before(async () => {
      server = await openSdkTestServer(database, { catalog });
      tollgate = createTollgateClient({ baseUrl: server.baseUrl, secretKey: server.secret, maxRetries: 0 });
    });
    after(() => server.close());

    test("health and readiness", async () => {
      assert.deepEqual(await tollgate.health(), { status: "ok" });
      assert.equal((await tollgate.ready()).status, "ready");
    });

    test("accounts, grants, balances, charges, deductions, stats and transactions", async () => {
      const account = await tollgate.accounts.upsert({ type: "user", externalId: "alice" });
      assert.equal(account.created, true);
      assert.equal((await tollgate.accounts.get("user:alice")).id, account.id);
      assert.equal((await tollgate.accounts.list({ search: "ali" })).data.length, 1);

      const grant = await tollgate.grants.create("user:alice", { amount: "100", source: "promo" });
      assert.equal(grant.balance, "100");
      const charge = await tollgate.charges.create({ account: "user:alice", amount: "30", reason: "a report" });
      assert.equal(charge.balance, "70");
      const deduction = await tollgate.deductions.create("user:alice", { amount: "5", reason: "duplicate credit" });
      assert.ok(deduction);

      const [credits] = await tollgate.balances.list("user:alice");
      assert.equal(credits?.balance, "65");
      assert.equal(credits?.lots.length, 1);
      const stats = await tollgate.accounts.stats("user:alice");
      assert.equal(stats.totalBalance, "65");
      const history = await tollgate.transactions.list("user:alice", { limit: 10 });
      assert.equal(history.data.length, 3);
    });

    test("an explicit idempotency key makes a repeated write one write", async () => {
      await tollgate.grants.create("user:carol", { amount: "10", source: "promo" }, { idempotencyKey: "order-1" });
      await tollgate.grants.create("user:carol", { amount: "10", source: "promo" }, { idempotencyKey: "order-1" });
      const [credits] = await tollgate.balances.list("user:carol");
      assert.equal(credits?.balance, "10");
    });

    test("check, holds (create, capture, release) and usage events", async () => {
      await tollgate.grants.create("user:bob", { amount: "100", source: "promo" });

      const hold = await tollgate.holds.create({ account: "user:bob", amount: "40" });
      assert.equal(hold.available, "60");
      const captured = await tollgate.holds.capture(hold.holdId, { amount: "25" });
      assert.equal(captured.balance, "75");
      const released = await tollgate.holds.release(
        (await tollgate.holds.create({ account: "user:bob", amount: "10" })).holdId,
      );
      assert.equal(released.available, "75");

      await tollgate.prices.set("openai", "gpt-test", { price: { input_mtok: "1", output_mtok: "2" } });
      const price = await tollgate.prices.get("openai", "gpt-test");
      assert.ok(price);
      const check = await tollgate.check({
        account: "user:bob",
        provider: "openai",
        model: "gpt-test",
        messages: [{ role: "user", content: "hi" }],
        maxTokens: 10,
      });
      assert.equal(check.allowed, true, JSON.stringify(check));
      const usage = await tollgate.usageEvents.record({
        account: "user:bob",
        provider: "openai",
        model: "gpt-test",
        usage: { inputTokens: 1, outputTokens: 1 },
        conversationId: "chat-1",
      });
      assert.ok(usage.usageEventId);
      const conversation = await tollgate.accounts.conversation("user:bob", "chat-1");
      assert.ok(conversation);
      const byModel = await tollgate.accounts.usage("user:bob", { groupBy: "model" });
      assert.equal(byModel.data.length, 1);
    });

    test("plans, packs and subscriptions", async () => {
      assert.deepEqual(
        (await tollgate.plans.list()).data.map((plan) => plan.id),
        ["pro"],
      );
      assert.equal((await tollgate.packs.list()).data[0]?.id, "topup");
      await tollgate.accounts.upsert({ type: "user", externalId: "dana" });
      await tollgate.packs.grant("user:dana", "topup");
      await tollgate.subscriptions.create("user:dana", "pro");
      assert.equal((await tollgate.subscriptions.get("user:dana")).plan, "pro");
      await tollgate.subscriptions.cancel("user:dana");
    });

    test("keys: a customer token reads its own account and nothing else", async () => {
      await tollgate.accounts.upsert({ type: "user", externalId: "erin" });
      const minted = await tollgate.keys.create({ kind: "customer", account: "user:erin" });
      assert.ok(minted.token);
      const asErin = createTollgateClient({ baseUrl: server.baseUrl, customerToken: minted.token, maxRetries: 0 });
      assert.equal((await asErin.balances.list("user:erin")).length >= 0, true);
      const refused = await refusal(asErin.balances.list("user:alice"));
      assert.equal(refused.status, 404, "another account does not exist for this token");
      assert.ok((await tollgate.keys.list({ kind: "customer" })).data.some((key) => key.id === minted.id));
      await tollgate.keys.revoke(minted.id);
      assert.equal((await refusal(asErin.balances.list("user:erin"))).code, "unauthenticated");
    });

    test("webhook endpoints: create (with its secret once), list, disable", async () => {
      const endpoint = await tollgate.webhooks.create({ url: "http://127.0.0.1:9/hooks", eventTypes: ["balance.low"] });
      assert.match(endpoint.secret ?? "", /^whsec_/);
      assert.ok((await tollgate.webhooks.list()).data.some((listed) => listed.id === endpoint.id));
      await tollgate.webhooks.disable(endpoint.id);
    });

    test("every route is reachable typed through `api`", async () => {
      const { data } = await tollgate.api.GET("/v1/accounts/{account}/usage", {
        params: { path: { account: "user:alice" }, query: { groupBy: "day" } },
      });
      assert.ok(Array.isArray(data?.data));
      // The generic form: the method as a value, typed all the same.
      const charged = await tollgate.api.request("post", "/v1/charges", {
        body: { account: "user:alice", amount: "1", reason: "generic" },
      });
      assert.equal(charged.data?.unit, "credits");
    });

    test("a refused answer is a TollgateError with code, status, message, details and request id", async () => {
      const poor = await refusal(tollgate.charges.create({ account: "user:nobody-rich", amount: "1000", reason: "x" }));
      assert.equal(poor.code, "insufficient_credits");
      assert.equal(poor.status, 402);
      assert.ok(poor.requestId);
      const invalid = await refusal(tollgate.grants.create("user:alice", { amount: "-1", source: "promo" }));
      assert.equal(invalid.code, "invalid_request");
      assert.ok(Array.isArray(invalid.details.fields));
      const missing = await refusal(tollgate.accounts.get("user:never-seen"));
      assert.equal(missing.code, "not_found");
      assert.equal(missing.status, 404);
      assert.match(missing.message, /\S/);
    });
  });
}
