// The meter on real databases: the example apps' economics, fail-closed pricing,
// effective-dated overrides, idempotent usage events, features with per-account costs.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig, PAID_FIRST } from "@tollgate/core";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { Meter } from "./meter.ts";
import { definePricingConfig } from "./pricing-config.ts";

const HOUR_MS = 3_600_000;
const show = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? `${v}n` : v));
const user = (externalId: string) => ({ type: "user" as const, externalId });

async function usageEventOf(meter: Meter, usageEventId: string) {
  const [row] = await meter.ledger.sql.query<Record<string, unknown>>(
    "select * from usage_events where usage_event_id = $1",
    [usageEventId],
  );
  assert.ok(row, `usage event ${usageEventId} is stored`);
  return row;
}

for (const database of await testDatabases()) {
  describe(`metering on ${database.name}`, () => {
    let now = new Date("2026-03-01T12:00:00Z");
    const clock = () => now;
    const open = async (
      units: Array<{ unit: string; scale: number }>,
      pricing: Parameters<typeof definePricingConfig>[0],
    ) => {
      const ledger = await openTestLedger(database, {
        clock,
        config: defineLedgerConfig({ units, defaultUnit: units[0]?.unit, sourcePriorities: PAID_FIRST }),
      });
      const meter = await Meter.open({ ledger, pricing: definePricingConfig(pricing) });
      return Object.assign(meter, {
        async dispose() {
          await meter.close();
          await ledger.dispose();
        },
      });
    };

    describe("a chat app on OpenRouter: its's reported cost, 2x markup, 1 USD = 10,000 tokens", () => {
      let meter: Awaited<ReturnType<typeof open>>;
      before(async () => {
        meter = await open([{ unit: "tokens", scale: 0 }], {
          creditsPerUsd: "10000",
          markup: { default: "2" },
          costSource: "provider_reported",
        });
      });
      after(() => meter.dispose());

      test("a $0.0001 call costs 2 tokens, and its usage event says why", async () => {
        await meter.ledger.grant({
          account: user("kroniq"),
          amountMinor: 10_000n,
          source: "signup",
          idempotencyKey: "free",
        });
        const result = await meter.recordUsage({
          account: user("kroniq"),
          idempotencyKey: "gen-1",
          provider: "openrouter",
          model: "anthropic/claude-sonnet-4",
          usage: { inputTokens: 12, outputTokens: 3 },
          providerReportedCostUsd: "0.0001",
          conversationId: "chat-1",
        });
        assert.ok(result.ok, show(result));
        assert.equal(result.value.amountMinor, 2n);
        assert.equal(result.value.balanceMinor, 9_998n);
        const event = await usageEventOf(meter, result.value.usageEventId);
        assert.equal(event.cost_source, "provider_reported");
        assert.equal(String(event.provider_cost_usd), "0.0001");
        assert.equal(String(event.charged_usd), "0.0002");
        assert.equal(event.transaction_id, result.value.transactionId);
        assert.equal(event.conversation_id, "chat-1");
      });

      test("a replay returns the first result, even after the price changed", async () => {
        const input = {
          account: user("kroniq"),
          idempotencyKey: "gen-2",
          provider: "openrouter",
          model: "openai/gpt-4o-mini",
          usage: { inputTokens: 100, outputTokens: 10 },
          providerReportedCostUsd: "0.00025",
        };
        const first = await meter.recordUsage(input);
        assert.ok(first.ok);
        assert.equal(first.value.amountMinor, 5n);
        await meter.prices.setPrice({
          provider: "openrouter",
          model: "openai/gpt-4o-mini",
          price: { input_mtok: "99" },
        });
        const again = await meter.recordUsage(input);
        assert.ok(again.ok);
        assert.equal(again.replayed, true);
        assert.deepEqual({ ...again.value }, { ...first.value });
        const conflict = await meter.recordUsage({ ...input, usage: { inputTokens: 101, outputTokens: 10 } });
        assert.equal(conflict.ok, false);
        assert.equal(!conflict.ok && conflict.code, "idempotency_conflict");
        const [{ count }] = (await meter.ledger.sql.query<{ count: bigint }>(
          "select count(*) as count from usage_events where idempotency_key = 'gen-2'",
        )) as [{ count: bigint }];
        assert.equal(count, 1n);
      });
    });

    describe("a fitness app: 1 token = $0.001, priced from the catalog", () => {
      let meter: Awaited<ReturnType<typeof open>>;
      before(async () => {
        meter = await open([{ unit: "credits", scale: 0 }], { creditsPerUsd: "1000" });
      });
      after(() => meter.dispose());

      test("gpt-4o, 1,000 in and 500 out: $0.0075, 7.5 rounded up to 8 tokens", async () => {
        await meter.ledger.grant({ account: user("twin"), amountMinor: 100n, source: "plan", idempotencyKey: "plan" });
        const result = await meter.recordUsage({
          account: user("twin"),
          idempotencyKey: "chat-ai-1",
          provider: "openai",
          model: "gpt-4o",
          usage: { inputTokens: 1000, outputTokens: 500 },
        });
        assert.ok(result.ok, show(result));
        assert.equal(result.value.amountMinor, 8n);
        const event = await usageEventOf(meter, result.value.usageEventId);
        assert.equal(event.cost_source, "catalog");
        assert.equal(String(event.provider_cost_usd), "0.0075");
        assert.equal(String(event.charged_usd), "0.008");
      });

      test("a model nothing prices fails closed and changes nothing", async () => {
        const before = await meter.ledger.getBalances(user("twin"));
        const result = await meter.recordUsage({
          account: user("twin"),
          idempotencyKey: "unknown-1",
          provider: "openai",
          model: "no-such-model-9000",
          usage: { inputTokens: 10 },
        });
        assert.equal(!result.ok && result.code, "unknown_model_price");
        assert.deepEqual(await meter.ledger.getBalances(user("twin")), before);
      });

      test("an override applies from its start, and earlier usage keeps its price", async () => {
        await meter.prices.setPrice({
          provider: "openai",
          model: "gpt-4o",
          price: { input_mtok: "5", output_mtok: "20" },
          effectiveFrom: new Date(now.getTime() + HOUR_MS),
          reason: "price rise",
        });
        const before = await meter.recordUsage({
          account: user("twin"),
          idempotencyKey: "chat-ai-2",
          provider: "openai",
          model: "gpt-4o",
          usage: { inputTokens: 1000, outputTokens: 500 },
        });
        assert.ok(before.ok);
        assert.equal(before.value.amountMinor, 8n, "the override is not in effect yet");
        now = new Date(now.getTime() + 2 * HOUR_MS);
        const afterChange = await meter.recordUsage({
          account: user("twin"),
          idempotencyKey: "chat-ai-3",
          provider: "openai",
          model: "gpt-4o",
          usage: { inputTokens: 1000, outputTokens: 500 },
        });
        assert.ok(afterChange.ok);
        assert.equal(afterChange.value.amountMinor, 15n, "$0.015 at the new price");
        const first = await usageEventOf(meter, before.value.usageEventId);
        assert.equal(String(first.provider_cost_usd), "0.0075", "stored usage is never repriced");
        await assert.rejects(
          meter.prices.setPrice({
            provider: "openai",
            model: "gpt-4o",
            price: { input_mtok: "1" },
            effectiveFrom: new Date(0),
          }),
          /cannot take effect in the past/,
        );
      });

      test("a failed call is recorded and not charged", async () => {
        const before = (await meter.ledger.getBalances(user("twin")))?.[0]?.balanceMinor;
        const result = await meter.recordUsage({
          account: user("twin"),
          idempotencyKey: "chat-ai-failed",
          provider: "openai",
          model: "gpt-4o",
          usage: { inputTokens: 1000 },
          success: false,
          latencyMs: 1200,
        });
        assert.ok(result.ok, show(result));
        assert.equal(result.value.amountMinor, 0n);
        assert.equal(result.value.transactionId, null);
        assert.equal((await meter.ledger.getBalances(user("twin")))?.[0]?.balanceMinor, before);
        const event = await usageEventOf(meter, result.value.usageEventId);
        assert.equal(event.success, false);
        assert.equal(event.latency_ms, 1200);
        assert.equal(String(event.provider_cost_usd), "0.005", "what the provider would bill is still recorded");
      });
    });

    describe("a fallback price, and failed calls charged what the provider billed", () => {
      let meter: Awaited<ReturnType<typeof open>>;
      before(async () => {
        meter = await open([{ unit: "credits", scale: 0 }], {
          creditsPerUsd: "1000",
          fallbackPrice: { input_mtok: "10", output_mtok: "30" },
          chargeFailedCalls: true,
        });
      });
      after(() => meter.dispose());

      test("a model nothing else prices takes the fallback; a failed call still pays", async () => {
        await meter.ledger.grant({ account: user("fb"), amountMinor: 100n, source: "promo", idempotencyKey: "fund" });
        const result = await meter.recordUsage({
          account: user("fb"),
          idempotencyKey: "in-house-1",
          provider: "acme-ai",
          model: "acme-large",
          usage: { inputTokens: 1000, outputTokens: 1000 },
          success: false,
        });
        assert.ok(result.ok, show(result));
        // 1,000 × 10/1e6 + 1,000 × 30/1e6 = $0.04 → 40 credits, charged although the call failed.
        assert.equal(result.value.amountMinor, 40n);
        const event = await usageEventOf(meter, result.value.usageEventId);
        assert.equal(event.cost_source, "fallback");
        assert.equal(event.success, false);
      });
    });

    describe("a team workspace: features with fixed costs in their own units", () => {
      let meter: Awaited<ReturnType<typeof open>>;
      before(async () => {
        meter = await open(
          [
            { unit: "credits", scale: 0 },
            { unit: "goal_generation", scale: 0 },
            { unit: "lead_generation", scale: 0 },
          ],
          {
            features: {
              generate_goal: { unit: "goal_generation", costMinor: 3n },
              generate_leads: { unit: "lead_generation", costMinor: 5n },
            },
          },
        );
      });
      after(() => meter.dispose());

      test("generate_goal costs 3 goal_generation, an account's override replaces it", async () => {
        const org = { type: "organization" as const, externalId: "acme" };
        await meter.ledger.grant({
          account: org,
          unit: "goal_generation",
          amountMinor: 20n,
          source: "plan",
          idempotencyKey: "pro",
        });
        const first = await meter.chargeFeature({ account: org, feature: "generate_goal", idempotencyKey: "goal-1" });
        assert.ok(first.ok, show(first));
        assert.equal(first.value.amountMinor, 3n);
        assert.equal(first.value.balanceMinor, 17n);
        const accountId = await meter.ledger.accounts.findId(org);
        assert.ok(accountId);
        assert.equal(await meter.features.setAccountCost(accountId, "generate_goal", 1n), true);
        const second = await meter.chargeFeature({ account: org, feature: "generate_goal", idempotencyKey: "goal-2" });
        assert.ok(second.ok);
        assert.equal(second.value.amountMinor, 1n);
        const refused = await meter.chargeFeature({
          account: org,
          feature: "generate_leads",
          idempotencyKey: "leads-1",
        });
        assert.equal(!refused.ok && refused.code, "insufficient_credits");
        const unknown = await meter.chargeFeature({ account: org, feature: "forecast_revenue", idempotencyKey: "f-1" });
        assert.equal(!unknown.ok && unknown.code, "feature_not_found");
      });
    });

    describe("a pay-as-you-go chat: a USD balance charged at provider cost", () => {
      let meter: Awaited<ReturnType<typeof open>>;
      before(async () => {
        meter = await open([{ unit: "usd", scale: 6 }], { creditsPerUsd: "1", minimumAvailableMinor: 10_000n });
      });
      after(() => meter.dispose());

      test("a gpt-4o-mini message costs its exact provider cost in micro-dollars", async () => {
        await meter.ledger.grant({
          account: user("chat"),
          amountMinor: 10_000_000n,
          source: "signup",
          idempotencyKey: "welcome",
        });
        // 500 × 0.15/1e6 + 500 × 0.6/1e6 = $0.000375
        const result = await meter.recordUsage({
          account: user("chat"),
          idempotencyKey: "msg-1",
          provider: "openai",
          model: "gpt-4o-mini",
          usage: { inputTokens: 500, outputTokens: 500 },
          conversationId: "chat-42",
        });
        assert.ok(result.ok, show(result));
        assert.equal(result.value.amountMinor, 375n);
        assert.equal(result.value.balanceMinor, 9_999_625n);
      });
    });
  });
}
