// A fitness app that sells tokens at $0.001 each: a free tier of 100 tokens a month, seven
// monthly plans from 9€ to 99€ and four packs with a 0–25% bonus sold through Stripe (push,
// checkout, webhooks), packs spent first, every AI feature priced at the model's catalog cost
// rounded up to whole tokens, a call held before it runs and settled after, and a balance that
// never goes below zero — the configuration in
// docs/operating/examples/fitness-app-tokens-at-a-tenth-of-a-cent.json, through the HTTP API
// only (Stripe played by the local stand-in that speaks its API), on both databases.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { type StripeStandIn, startStripeStandIn } from "../stripe/stripe-stand-in.ts";
import { eventPayload, invoiceObject, signPayload, subscriptionObject } from "../stripe/subscription-event-fixtures.ts";
import { type CustomerServer, errorOf, startCustomerServer } from "./customer-server.ts";

const WEBHOOK_SECRET = "whsec_fitness_app_test";

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

    test("a bought pack with its bonus is spent before the free tier's tokens", async () => {
      // Paid for outside Stripe (an app store, say): the Basic pack, 3,200 tokens and 10% more.
      await app.ok("POST", "/v1/accounts/user:athlete/packs", { pack: "basic" });
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
          ["pack", "3512"],
          ["plan", "92"],
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
      assert.deepEqual([stats.totalBalance, stats.totalUsed, stats.totalAllocated], ["3604", "16", "3620"]);
      assert.deepEqual(
        stats.byType.map((row) => [row.unit, row.balance]),
        [["tokens", "3604"]],
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

  describe(`the fitness app selling its plans and packs through Stripe on ${database.name}`, () => {
    let app: CustomerServer;
    let standIn: StripeStandIn;
    let nowMs = Date.parse("2026-01-20T10:00:00Z");
    const seconds = () => Math.floor(nowMs / 1000);
    let events = 0;
    const deliver = async (type: string, object: unknown) => {
      const payload = eventPayload({ id: `evt_fitness${++events}`, type, createdSeconds: seconds(), object });
      const response = await fetch(`${app.server.url}/stripe/webhook`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "stripe-signature": signPayload(payload, WEBHOOK_SECRET, seconds()),
        },
        body: payload,
      });
      const body = (await response.json()) as { outcome: string };
      assert.equal(response.status, 200, JSON.stringify(body));
      assert.equal(body.outcome, "processed", `${type}: ${JSON.stringify(body)}`);
    };
    const tokensOf = async (account: string) =>
      (
        await app.ok<{ data: Array<{ lots: Array<{ source: string; remaining: string }> }> }>(
          "GET",
          `/v1/accounts/${account}/balances`,
        )
      ).data[0]?.lots.map((lot) => [lot.source, lot.remaining]);

    before(async () => {
      standIn = await startStripeStandIn({ nowSeconds: seconds });
      app = await startCustomerServer(
        database,
        "fitness-app-tokens-at-a-tenth-of-a-cent",
        { STRIPE_SECRET_KEY: "sk_test_fitness", STRIPE_API_BASE: standIn.url, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET },
        { clock: () => new Date(nowMs) },
      );
    });
    after(async () => {
      await app.close();
      await standIn.close();
    });

    test("stripe push puts the seven plans and four packs in Stripe, once", async () => {
      const dry = await app.ok<{ applied: boolean; changes: Array<{ kind: string; item: string }> }>(
        "POST",
        "/v1/stripe/push",
        { dryRun: true },
      );
      assert.equal(dry.applied, false);
      assert.equal(dry.changes.filter((change) => change.kind === "create_price").length, 11, "7 plans and 4 packs");
      assert.deepEqual(
        dry.changes.filter((change) => change.kind === "skip").map((change) => change.item),
        ["plan:free"],
        "the free tier is not sold",
      );
      assert.equal(standIn.requestsTo("POST", "/v1/prices").length, 0, "a dry run changes nothing in Stripe");
      await app.ok("POST", "/v1/stripe/push", { dryRun: false });
      const prices = standIn.requestsTo("POST", "/v1/prices").map((request) => request.params);
      const titan = prices.find((price) => price.lookup_key === "tollgate_plan_titan");
      assert.deepEqual([titan?.unit_amount, titan?.currency], ["9900", "eur"]);
      const again = await app.ok<{ changes: Array<{ kind: string }> }>("POST", "/v1/stripe/push", { dryRun: false });
      assert.ok(
        again.changes.every((change) => change.kind === "skip" || change.kind === "unchanged"),
        JSON.stringify(again.changes),
      );
      assert.equal(standIn.requestsTo("POST", "/v1/prices").length, 11, "a second push creates nothing");
    });

    test("a completed checkout for Pro moves the free tier to Pro's 3,000 tokens; the month rolls over and they reset", async () => {
      await app.ok("POST", "/v1/accounts", { type: "user", externalId: "runner" });
      assert.deepEqual(await tokensOf("user:runner"), [["plan", "100"]], "the free tier");
      const checkout = await app.ok<{ id: string; url: string }>("POST", "/v1/checkout-sessions", {
        account: "user:runner",
        plan: "pro",
        successUrl: "https://fitness.example/welcome",
        cancelUrl: "https://fitness.example/plans",
      });
      const session = standIn.tables.sessions.get(checkout.id);
      assert.ok(session, "the session is in Stripe");
      assert.equal(session.mode, "subscription");
      const { id: accountId } = await app.ok<{ id: string }>("GET", "/v1/accounts/user:runner");
      const facts = {
        subscriptionId: "sub_FitnessRunner1",
        accountId,
        customerId: String(session.customer),
        planId: "pro",
        status: "active" as const,
        cancelAtPeriodEnd: false,
      };
      // What Stripe sends when the customer pays: the checkout, the subscription, its first invoice.
      await deliver("checkout.session.completed", {
        ...session,
        status: "complete",
        payment_status: "paid",
        subscription: facts.subscriptionId,
      });
      await deliver("customer.subscription.created", subscriptionObject(facts));
      await deliver("invoice.paid", invoiceObject(facts, "in_FitnessRunner1"));
      const onPro = await app.ok<{ plan: string; status: string }>("GET", "/v1/accounts/user:runner/subscription");
      assert.deepEqual([onPro.plan, onPro.status], ["pro", "active"]);
      const lots = (await tokensOf("user:runner")) ?? [];
      assert.equal(
        lots.reduce((total, [, remaining]) => total + Number(remaining), 0),
        3000,
        `Pro's 3,000 tokens this month: ${JSON.stringify(lots)}`,
      );

      await app.ok("POST", "/v1/usage-events", {
        account: "user:runner",
        provider: "openai",
        model: "gpt-4o",
        usage: { inputTokens: 1000, outputTokens: 500 },
        feature: "meal-analyzer",
      });
      nowMs = Date.parse("2026-02-01T00:00:00Z");
      await deliver("invoice.paid", invoiceObject(facts, "in_FitnessRunner2"));
      const february = await app.ok<{ balance: string }>("POST", "/v1/usage-events", {
        account: "user:runner",
        provider: "openai",
        model: "gpt-4o",
        usage: { inputTokens: 1000, outputTokens: 500 },
        feature: "meal-analyzer",
      });
      assert.equal(february.balance, "2992", "January's unspent tokens expired; February's 3,000 less 8");
    });

    test("a pack bought at checkout is granted with its bonus once, however often Stripe delivers it", async () => {
      const checkout = await app.ok<{ id: string }>("POST", "/v1/checkout-sessions", {
        account: "user:runner",
        pack: "premium",
        successUrl: "https://fitness.example/thanks",
        cancelUrl: "https://fitness.example/shop",
      });
      const session = standIn.tables.sessions.get(checkout.id);
      assert.equal(session?.mode, "payment");
      const paid = { ...session, status: "complete", payment_status: "paid" };
      await deliver("checkout.session.completed", paid);
      const lots = (await tokensOf("user:runner")) ?? [];
      assert.deepEqual(lots[0], ["pack", "15625"], "12,500 and 25% more, spent first");
      assert.equal((await app.ok<{ ok: boolean }>("GET", "/v1/reconcile")).ok, true);
    });
  });
}
