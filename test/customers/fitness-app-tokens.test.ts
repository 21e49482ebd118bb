// A fitness app that sells tokens at $0.001 each: 100 free tokens on sign-up, packs bought on
// top (spent first), every AI feature priced at the model's catalog cost rounded up to whole
// tokens, a call held before it runs and settled after, and a balance that never goes below
// zero — the configuration in docs/operating/examples/fitness-app-tokens-at-a-tenth-of-a-cent.json,
// through the HTTP API only, on both databases. (Plans and Stripe checkout come with plans.)
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { type CustomerServer, errorOf, startCustomerServer } from "./customer-server.ts";

interface Recorded {
  amount: string;
  balance: string;
}
interface Stats {
  totalBalance: string;
  totalUsed: string;
  totalAllocated: string;
  byType: Array<{ unit: string; balance: string; used: string; allocated: string }>;
}

for (const database of await testDatabases()) {
  describe(`a fitness app selling tokens at $0.001 on ${database.name}`, () => {
    let app: CustomerServer;
    before(async () => {
      app = await startCustomerServer(database, "fitness-app-tokens-at-a-tenth-of-a-cent");
    });
    after(() => app.close());

    test("a meal analysis on gpt-4o, 1,000 tokens in and 500 out, costs $0.0075: 8 tokens", async () => {
      await app.ok("POST", "/v1/accounts", { type: "user", externalId: "athlete" });
      const meal = await app.ok<Recorded>("POST", "/v1/usage-events", {
        account: "user:athlete",
        provider: "openai",
        model: "gpt-4o",
        usage: { inputTokens: 1000, outputTokens: 500 },
        feature: "meal-analyzer",
      });
      assert.deepEqual([meal.amount, meal.balance], ["8", "92"]);
    });

    test("a bought pack with its bonus is spent before the free tokens", async () => {
      await app.ok("POST", "/v1/accounts/user:athlete/grants", {
        amount: "3200",
        source: "pack",
        reason: "Basic pack: 2,910 + 10% bonus",
      });
      await app.ok("POST", "/v1/usage-events", {
        account: "user:athlete",
        provider: "openai",
        model: "gpt-4o",
        usage: { inputTokens: 1000, outputTokens: 500 },
        feature: "recipe-generator",
      });
      const balances = await app.ok<{ data: Array<{ lots: Array<{ source: string; remaining: string }> }> }>(
        "GET",
        "/v1/accounts/user:athlete/balances",
      );
      assert.deepEqual(
        balances.data[0]?.lots.map((lot) => [lot.source, lot.remaining]),
        [
          ["pack", "3192"],
          ["signup", "92"],
        ],
      );
    });

    test("a call is held before it runs; a balance that cannot cover the hold refuses it", async () => {
      await app.ok("POST", "/v1/accounts", { type: "user", externalId: "newbie" });
      const messages = [{ role: "user", content: "Plan my week of training." }];
      const small = await app.ok<{ holdId: string; amount: string }>("POST", "/v1/holds", {
        account: "user:newbie",
        provider: "openai",
        model: "gpt-4o",
        messages,
        maxTokens: 1000,
      });
      assert.ok(Number(small.amount) > 0 && Number(small.amount) <= 100);
      await app.ok("POST", `/v1/holds/${small.holdId}/release`);
      const refused = errorOf(
        await app.call("POST", "/v1/holds", {
          account: "user:newbie",
          provider: "openai",
          model: "gpt-4o",
          messages,
          maxTokens: 100_000,
        }),
        402,
      );
      assert.deepEqual(
        [refused.code, refused.details.unit, refused.details.available],
        ["insufficient_credits", "tokens", "100"],
      );
    });

    test("the usage screen's totals and per-feature report", async () => {
      const stats = await app.ok<Stats>("GET", "/v1/accounts/user:athlete/stats");
      assert.deepEqual([stats.totalBalance, stats.totalUsed, stats.totalAllocated], ["3284", "16", "3300"]);
      assert.deepEqual(
        stats.byType.map((row) => [row.unit, row.balance]),
        [["tokens", "3284"]],
      );
      const report = await app.ok<{ data: Array<{ key: string; charged: string }> }>(
        "GET",
        "/v1/accounts/user:athlete/usage?groupBy=feature",
      );
      assert.deepEqual(report.data.map((row) => [row.key, row.charged]).sort(), [
        ["meal-analyzer", "8"],
        ["recipe-generator", "8"],
      ]);
      assert.equal((await app.ok<{ ok: boolean }>("GET", "/v1/reconcile")).ok, true);
    });
  });
}
