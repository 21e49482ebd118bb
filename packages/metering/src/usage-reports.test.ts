// Usage reports, account stats and the hold-then-settle flow of a model call, on real databases.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { Meter } from "./meter.ts";
import { definePricingConfig } from "./pricing-config.ts";

const DAY_MS = 86_400_000;
const alice = { type: "user" as const, externalId: "alice" };
const org = { type: "organization" as const, externalId: "acme" };

for (const database of await testDatabases()) {
  describe(`usage reports on ${database.name}`, () => {
    let now = new Date("2026-05-30T22:00:00Z");
    let meter: Meter;
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let key = 0;
    const record = async (input: Partial<Parameters<Meter["recordUsage"]>[0]>) => {
      const result = await meter.recordUsage({
        account: alice,
        idempotencyKey: `call-${++key}`,
        provider: "openai",
        model: "gpt-4o",
        usage: { inputTokens: 1000, outputTokens: 500 },
        ...input,
      });
      assert.ok(result.ok, result.ok ? "" : result.code);
      return result.value;
    };

    before(async () => {
      ledger = await openTestLedger(database, {
        clock: () => now,
        config: defineLedgerConfig({
          units: [
            { unit: "credits", scale: 0 },
            { unit: "goal_generation", scale: 0 },
          ],
        }),
      });
      meter = await Meter.open({
        ledger,
        pricing: definePricingConfig({
          creditsPerUsd: "1000",
          markup: { default: "2" },
          features: { generate_goal: { unit: "goal_generation", costMinor: 3n } },
        }),
      });
      await ledger.grant({ account: alice, amountMinor: 1000n, source: "purchase", idempotencyKey: "buy" });
      await ledger.grant({
        account: alice,
        unit: "goal_generation",
        amountMinor: 20n,
        source: "plan",
        idempotencyKey: "plan",
      });
      // May 30th: two gpt-4o calls in one conversation, one failed gpt-4o-mini call.
      await record({ conversationId: "chat-1" }); // $0.0075 × 2 = 15 credits
      await record({ conversationId: "chat-1", usage: { inputTokens: 2000, outputTokens: 1000 } }); // 30
      await record({ model: "gpt-4o-mini", success: false, usage: { inputTokens: 100 } });
      // June 2nd: a Claude call and a feature.
      now = new Date(now.getTime() + 3 * DAY_MS);
      await record({
        provider: "anthropic",
        model: "claude-sonnet-4-20250514",
        usage: { inputTokens: 1000, outputTokens: 100 },
      });
      const goal = await meter.chargeFeature({ account: alice, feature: "generate_goal", idempotencyKey: "goal-1" });
      assert.ok(goal.ok);
    });
    after(async () => {
      await meter.close();
      await ledger.dispose();
    });

    test("by model: calls, tokens, provider cost, charge and margin, largest charge first", async () => {
      const rows = await meter.usageReport({ account: alice, groupBy: "model" });
      assert.ok(rows);
      const byKey = Object.fromEntries(rows.map((row) => [`${row.key}|${row.unit}`, row]));
      const gpt4o = byKey["openai/gpt-4o|credits"];
      assert.ok(gpt4o);
      assert.equal(gpt4o.calls, 2);
      assert.equal(gpt4o.inputTokens, 3000n);
      assert.equal(gpt4o.outputTokens, 1500n);
      assert.equal(gpt4o.providerCostUsd, "0.0225");
      assert.equal(gpt4o.chargedMinor, 45n);
      assert.equal(gpt4o.chargedUsd, "0.045");
      assert.equal(gpt4o.marginUsd, "0.0225");
      const failed = byKey["openai/gpt-4o-mini|credits"];
      assert.equal(failed?.failedCalls, 1);
      assert.equal(failed?.chargedMinor, 0n);
      const feature = rows.find((row) => row.unit === "goal_generation");
      assert.equal(feature?.chargedMinor, 3n);
      assert.equal(feature?.chargedUsd, null);
      assert.equal(rows[0]?.key, "openai/gpt-4o", "largest charge first");
    });

    test("by day, in the account's time zone, and bounded in time", async () => {
      const utc = await meter.usageReport({ account: alice, groupBy: "day", unit: "credits" });
      assert.deepEqual(
        utc?.map((row) => [row.key, row.calls]),
        [
          ["2026-05-30", 3],
          ["2026-06-02", 1],
        ],
      );
      const tokyo = await meter.usageReport({
        account: alice,
        groupBy: "day",
        unit: "credits",
        timeZone: "Asia/Tokyo",
      });
      assert.deepEqual(
        tokyo?.map((row) => row.key),
        ["2026-05-31", "2026-06-03"],
      );
      const june = await meter.usageReport({
        account: alice,
        groupBy: "month",
        from: new Date("2026-06-01T00:00:00Z"),
        to: new Date("2026-07-01T00:00:00Z"),
      });
      assert.deepEqual(
        june?.map((row) => [row.key, row.unit, row.calls]),
        [
          ["2026-06-01", "credits", 1],
          ["2026-06-01", "goal_generation", 1],
        ],
      );
      await assert.rejects(
        meter.usageReport({ account: alice, groupBy: "day", timeZone: "Mars/Olympus" }),
        /time zone/,
      );
      await assert.rejects(meter.usageReport({ account: alice, groupBy: "model", limit: 0 }), /limit/);
      assert.equal(
        await meter.usageReport({ account: { type: "user", externalId: "nobody" }, groupBy: "model" }),
        null,
      );
    });

    test("a conversation's usage and cost", async () => {
      const chat = await meter.conversationUsage({ account: alice, conversationId: "chat-1" });
      assert.ok(chat);
      assert.equal(chat.calls, 2);
      assert.equal(chat.rows[0]?.chargedMinor, 45n);
      assert.equal(chat.rows[0]?.providerCostUsd, "0.0225");
      assert.equal(await meter.conversationUsage({ account: alice, conversationId: "chat-404" }), null);
    });

    test("stats per unit: balance, used, allocated", async () => {
      const stats = await meter.accountStats({ account: alice });
      assert.ok(stats);
      const credits = stats.byUnit.find((row) => row.unit === "credits");
      const goals = stats.byUnit.find((row) => row.unit === "goal_generation");
      assert.equal(credits?.allocatedMinor, 1000n);
      assert.equal(credits?.usedMinor, 1000n - (credits?.balanceMinor ?? 0n));
      assert.deepEqual([goals?.allocatedMinor, goals?.usedMinor, goals?.balanceMinor], [20n, 3n, 17n]);
      assert.equal(stats.totalAllocatedMinor, 1020n);
      assert.equal(stats.refreshDate, null);
    });

    test("a model call is held before and settled after, with its usage event", async () => {
      await ledger.grant({ account: org, amountMinor: 100n, source: "purchase", idempotencyKey: "org-buy" });
      await ledger.addMember({ organization: "acme", member: "bob" });
      const hold = await meter.authorizeCall({
        account: org,
        member: "bob",
        idempotencyKey: "call-org-1",
        provider: "openai",
        model: "gpt-4o",
        messages: [{ role: "user", content: "Write a haiku about ledgers." }],
        maxTokens: 1000,
      });
      assert.ok(hold.ok, hold.ok ? "" : hold.code);
      // At most: ~20 prompt tokens × $2.5/M + 1,000 × $10/M = ~$0.01005, × 2 × 1000 → 21 credits.
      assert.equal(hold.value.estimate.usage.outputTokens, 1000);
      assert.equal(hold.value.amountMinor, 21n);
      assert.equal(hold.value.availableMinor, 79n);
      const settled = await meter.recordUsage({
        account: org,
        member: "bob",
        holdId: hold.value.holdId,
        idempotencyKey: "call-org-1-usage",
        provider: "openai",
        model: "gpt-4o",
        usage: { inputTokens: 20, outputTokens: 30 },
      });
      assert.ok(settled.ok, settled.ok ? "" : settled.code);
      // 20 × 2.5/1e6 + 30 × 10/1e6 = $0.00035, × 2 × 1000 = 0.7 → 1 credit.
      assert.equal(settled.value.amountMinor, 1n);
      assert.equal(settled.value.balanceMinor, 99n);
      assert.equal(settled.value.availableMinor, 99n);
      const byMember = await meter.usageReport({ account: org, groupBy: "member" });
      assert.deepEqual(
        byMember?.map((row) => [row.key, row.calls, row.chargedMinor]),
        [["bob", 1, 1n]],
      );
      const tooBig = await meter.authorizeCall({
        account: org,
        idempotencyKey: "call-org-2",
        provider: "openai",
        model: "gpt-4o",
        messages: [{ role: "user", content: "hi" }],
        maxTokens: 100_000,
      });
      assert.equal(!tooBig.ok && tooBig.code, "insufficient_credits");
    });
  });
}
