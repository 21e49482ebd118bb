// A plan's access rule through every route that spends, and through /v1/check, on both databases:
// 403 feature_not_in_plan / model_not_in_plan naming the plans that would allow the call, nothing written.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { PlanCatalog } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { definePricingConfig } from "@tollgate/metering";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

/** 100 credits a month, gpt-4o-mini and `summarize` only. */
const free = testPlan({
  id: "free",
  models: { allow: ["openai/gpt-4o-mini"], deny: [] },
  features: { allow: ["summarize"], deny: [] },
});
/** Every model and feature blocked: an app that sells calls only to payers. */
const locked = testPlan({
  id: "locked",
  allocations: [allocation({ amountMinor: 0n })],
  models: { allow: [], deny: [] },
  features: { allow: [], deny: [] },
});
const pro = testPlan({ id: "pro", allocations: [allocation({ amountMinor: 1_000n })] });
const catalog: PlanCatalog = { plans: [free, locked, pro], packs: [], defaultPlans: {} };

const messages = [{ role: "user", content: "hello" }];

for (const database of await testDatabases()) {
  describe(`plan access through the routes on ${database.name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await openTestApi(database, {
        catalog,
        pricing: definePricingConfig({
          creditsPerUsd: "100000",
          features: { summarize: { unit: "credits", costMinor: 3n }, translate: { unit: "credits", costMinor: 3n } },
        }),
      });
      const subscribe = async (externalId: string, plan = free) =>
        assert.ok(
          (await api.ledger.subscribe({ account: { type: "user", externalId }, plan, idempotencyKey: "s" })).ok,
        );
      await subscribe("alice");
      await subscribe("locked", locked);
    });
    after(() => api.close());

    const balance = async (account = "user:alice") =>
      ((await api.call<{ data: Array<{ balance: string }> }>("GET", `/v1/accounts/${account}/balances`)).body.data ??
        [])[0]?.balance;

    /** A refusal: 403 with the code, the refused name, the plan and the plans that allow it. */
    const assertRefused = (
      answer: { status: number; body: ErrorAnswer },
      code: string,
      expected: Record<string, unknown>,
    ) => {
      assert.equal(answer.status, 403, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, code);
      assert.deepEqual({ ...answer.body.error.details }, { reason: code, ...expected });
    };

    test("charges: a feature or an amount for a model the plan refuses is 403; what it allows is charged", async () => {
      const start = await balance();
      assertRefused(
        await api.call<ErrorAnswer>("POST", "/v1/charges", { account: "user:alice", feature: "translate" }),
        "feature_not_in_plan",
        { feature: "translate", plan: "free", plans: ["pro"] },
      );
      assertRefused(
        await api.call<ErrorAnswer>("POST", "/v1/charges", {
          account: "user:alice",
          amount: "2",
          model: "anthropic/claude-sonnet-4",
        }),
        "model_not_in_plan",
        { model: "anthropic/claude-sonnet-4", plan: "free", plans: ["pro"] },
      );
      assert.equal(await balance(), start, "a refusal writes nothing");
      const charged = await api.call("POST", "/v1/charges", { account: "user:alice", feature: "summarize" });
      assert.equal(charged.status, 200);
      const bad = await api.call<ErrorAnswer>("POST", "/v1/charges", {
        account: "user:alice",
        feature: "summarize",
        model: "x",
      });
      assert.equal(bad.status, 400, "model is taken with an amount only");
    });

    test("holds, usage events, usage batches and deductions pass the model and feature through", async () => {
      const hold = await api.call<ErrorAnswer>("POST", "/v1/holds", {
        account: "user:alice",
        provider: "openai",
        model: "gpt-4o",
        messages,
        maxTokens: 10,
      });
      assertRefused(hold, "model_not_in_plan", { model: "openai/gpt-4o", plan: "free", plans: ["pro"] });
      const featureHold = await api.call<ErrorAnswer>("POST", "/v1/holds", {
        account: "user:alice",
        amount: "1",
        feature: "translate",
      });
      assertRefused(featureHold, "feature_not_in_plan", { feature: "translate", plan: "free", plans: ["pro"] });

      const usage = { account: "user:alice", provider: "openai", usage: { inputTokens: 100, outputTokens: 10 } };
      assertRefused(
        await api.call<ErrorAnswer>("POST", "/v1/usage-events", { ...usage, model: "gpt-4o" }),
        "model_not_in_plan",
        { model: "openai/gpt-4o", plan: "free", plans: ["pro"] },
      );
      const batch = await api.call<{ data: Array<{ id: string; ok: boolean; error?: ErrorAnswer["error"] }> }>(
        "POST",
        "/v1/usage-events/batch",
        {
          events: [
            { ...usage, id: "b1", model: "gpt-4o-mini" },
            { ...usage, id: "b2", model: "gpt-4o-mini", feature: "translate" },
          ],
        },
      );
      assert.equal(batch.status, 200);
      assert.deepEqual(
        batch.body.data.map((item) => [item.id, item.ok, item.error?.code ?? null, item.error?.details.plans ?? null]),
        [
          ["b1", true, null, null],
          ["b2", false, "feature_not_in_plan", ["pro"]],
        ],
      );

      const account = await api.ledger.accounts.findId({ type: "user", externalId: "alice" });
      const deduction = await api.call<ErrorAnswer>("POST", `/v1/accounts/${account}/deductions`, {
        amount: "1",
        reason: "manual",
        model: "openai/o1",
      });
      assertRefused(deduction, "model_not_in_plan", { model: "openai/o1", plan: "free", plans: ["pro"] });
    });

    test("/v1/check answers the plan's refusal, before the balance: a plan blocking every feature reads as blocked", async () => {
      const check = async (body: object) =>
        (await api.call<Record<string, unknown>>("POST", "/v1/check", body, { key: null })).body;
      const locked = await check({ account: "user:locked", feature: "summarize" });
      assert.deepEqual(
        [locked.allowed, locked.reason, locked.plan, locked.plans],
        [false, "feature_not_in_plan", "locked", ["free", "pro"]],
        "not insufficient_credits, though the account has nothing",
      );
      const model = await check({ account: "user:alice", provider: "openai", model: "gpt-4o", messages });
      assert.deepEqual(
        [model.allowed, model.reason, model.plan, model.plans],
        [false, "model_not_in_plan", "free", ["pro"]],
      );
      const allowed = await check({ account: "user:alice", feature: "summarize" });
      assert.deepEqual([allowed.allowed, allowed.reason, allowed.plan, allowed.plans], [true, null, null, null]);
    });
  });
}
