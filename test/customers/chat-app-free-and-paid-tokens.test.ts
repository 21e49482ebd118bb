// A chat app on OpenRouter with a daily free tier: every user is on the free plan, 10,000
// tokens a day that reset at midnight New York time, users buy paid tokens on top and spend
// those first, each message is charged what OpenRouter reports it cost, doubled, at 1 USD =
// 10,000 tokens (at least 2 tokens), and users who had balances in the app's own tables before
// are brought in once — the configuration in
// docs/operating/examples/chat-app-free-and-paid-tokens.json, through the HTTP API only, on
// both databases.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { type CustomerServer, errorOf, startCustomerServer } from "./customer-server.ts";

interface Lot {
  source: string;
  remaining: string;
}
interface Balances {
  data: Array<{ unit: string; balance: string; available: string; lots: Lot[] }>;
}
interface Recorded {
  usageEventId: string;
  amount: string;
  balance: string;
}
interface Imported {
  summary: { applied: number; alreadyApplied: number; refused: number };
  data: Array<{ status: string }>;
}

// 10:00 in New York on 10 March 2026, two days after the clocks went forward.
const START = new Date("2026-03-10T14:00:00Z");

for (const database of await testDatabases()) {
  describe(`a chat app with a daily free tier and paid tokens on ${database.name}`, () => {
    let app: CustomerServer;
    let now = START;
    const lotsOf = async (account: string) =>
      (await app.ok<Balances>("GET", `/v1/accounts/${account}/balances`)).data[0]?.lots.map((lot) => [
        lot.source,
        lot.remaining,
      ]);
    before(async () => {
      app = await startCustomerServer(database, "chat-app-free-and-paid-tokens", {}, { clock: () => now });
    });
    after(() => app.close());

    test("a new user is on the free plan with its 10,000 tokens at once, never an uninitialized zero", async () => {
      const missing = await app.call("GET", "/v1/accounts/user:u_new/balances");
      assert.equal(errorOf(missing, 404).code, "not_found", "an account that does not exist is not found, not zero");
      await app.ok("POST", "/v1/accounts", { type: "user", externalId: "u_new" });
      assert.deepEqual(await lotsOf("user:u_new"), [["plan", "10000"]]);
      const subscription = await app.ok<{ plan: string; periodEnd: string }>(
        "GET",
        "/v1/accounts/user:u_new/subscription",
      );
      assert.deepEqual([subscription.plan, subscription.periodEnd], ["free", "2026-03-11T04:00:00.000Z"]);
    });

    test("a message costs what OpenRouter reports, doubled, and paid tokens go first", async () => {
      await app.ok("POST", "/v1/accounts/user:u_1/grants", { amount: "50000", source: "purchase" });
      const message = await app.ok<Recorded>("POST", "/v1/usage-events", {
        account: "user:u_1",
        provider: "openrouter",
        model: "anthropic/claude-sonnet-4",
        usage: { inputTokens: 12, outputTokens: 3 },
        providerReportedCostUsd: "0.0001",
        conversationId: "chat-1",
      });
      assert.deepEqual([message.amount, message.balance], ["2", "59998"]);
      assert.deepEqual(await lotsOf("user:u_1"), [
        ["purchase", "49998"],
        ["plan", "10000"],
      ]);
    });

    test("a message with no cost reported still costs the 2-token minimum: usage is never dropped", async () => {
      await app.ok("POST", "/v1/accounts", { type: "user", externalId: "u_2" });
      const free = await app.ok<Recorded>("POST", "/v1/usage-events", {
        account: "user:u_2",
        provider: "openrouter",
        model: "some-lab/unlisted-model",
        usage: { inputTokens: 1, outputTokens: 1 },
      });
      assert.equal(free.amount, "2");
    });

    test("users with balances in the app's old tables are brought in once; a rerun changes nothing", async () => {
      const rows = [
        { account: "user:old_1", amount: "7300", source: "purchase", key: "legacy-old_1" },
        { account: "user:old_2", amount: "120", source: "promo", key: "legacy-old_2" },
      ];
      const dry = await app.ok<Imported>("POST", "/v1/imports", { rows, dryRun: true });
      assert.deepEqual(
        dry.data.map((row) => row.status),
        ["would_apply", "would_apply"],
      );
      assert.equal(
        errorOf(await app.call("GET", "/v1/accounts/user:old_1"), 404).code,
        "not_found",
        "a dry run writes nothing",
      );
      const first = await app.ok<Imported>("POST", "/v1/imports", { rows });
      assert.deepEqual(first.summary, { applied: 2, alreadyApplied: 0, refused: 0 });
      const again = await app.ok<Imported>("POST", "/v1/imports", { rows });
      assert.deepEqual(again.summary, { applied: 0, alreadyApplied: 2, refused: 0 });
      assert.deepEqual(await lotsOf("user:old_1"), [
        ["purchase", "7300"],
        ["plan", "10000"],
      ]);
    });

    test("the free tier refreshes at midnight New York time: what is left expires, paid tokens stay", async () => {
      await app.ok("POST", "/v1/accounts", { type: "user", externalId: "u_daily" });
      await app.ok("POST", "/v1/usage-events", {
        account: "user:u_daily",
        provider: "openrouter",
        model: "anthropic/claude-sonnet-4",
        usage: { inputTokens: 5000, outputTokens: 500 },
        providerReportedCostUsd: "0.35",
      });
      assert.deepEqual(await lotsOf("user:u_daily"), [["plan", "3000"]], "7,000 tokens spent today");
      const stats = await app.ok<{ refreshDate: string }>("GET", "/v1/accounts/user:u_daily/stats");
      assert.equal(stats.refreshDate, "2026-03-11T04:00:00.000Z", "midnight in New York, on daylight time");

      now = new Date("2026-03-11T03:59:59Z");
      const lateAtNight = await app.ok<Recorded>("POST", "/v1/usage-events", {
        account: "user:u_daily",
        provider: "openrouter",
        model: "anthropic/claude-sonnet-4",
        usage: { inputTokens: 10, outputTokens: 10 },
        providerReportedCostUsd: "0.0001",
      });
      assert.equal(lateAtNight.balance, "2998", "a second before midnight, still today's tokens");

      now = new Date("2026-03-11T04:00:00Z");
      const firstOfTheDay = await app.ok<Recorded>("POST", "/v1/usage-events", {
        account: "user:u_daily",
        provider: "openrouter",
        model: "anthropic/claude-sonnet-4",
        usage: { inputTokens: 10, outputTokens: 10 },
        providerReportedCostUsd: "0.0001",
      });
      assert.equal(firstOfTheDay.balance, "9998", "yesterday's 2,998 expired; today's 10,000 less 2");
      const after = await app.ok<{ data: Array<{ kind: string; amount: string }> }>(
        "GET",
        "/v1/accounts/user:u_daily/transactions",
      );
      const kinds = after.data.slice(0, 3).map((line) => line.kind);
      assert.ok(kinds.includes("expiry") && kinds.includes("grant"), `the day's turn in the history: ${kinds}`);
    });

    test("the usage report explains a conversation's cost; the ledger reconciles", async () => {
      const report = await app.ok<{ data: Array<{ key: string | null; calls: number; charged: string }> }>(
        "GET",
        "/v1/accounts/user:u_1/usage?groupBy=conversation",
      );
      assert.deepEqual(
        report.data.map((row) => [row.key, row.calls, row.charged]),
        [["chat-1", 1, "2"]],
      );
      assert.equal((await app.ok<{ ok: boolean }>("GET", "/v1/reconcile")).ok, true);
    });
  });
}
