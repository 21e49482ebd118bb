import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Meter } from "@tollgate/metering";
import { loadServerConfig, openLedger } from "@tollgate/server";
import { cliWorkspace, json, refused, tollgate } from "./cli-harness.ts";

/**
 * End to end: the `pricing`, `features` and `usage` commands of the real `tollgate` binary in
 * child processes, on PGlite and (when reachable) PostgreSQL. Usage is recorded through the
 * library on the same store between commands, never while a command holds it.
 */
const CONFIG = {
  units: [
    { unit: "tokens", scale: 0 },
    { unit: "goal_generation", scale: 0 },
  ],
  signupGrants: { user: [{ unit: "tokens", amount: "10000", expiresIn: null }] },
  pricing: {
    unit: "tokens",
    creditsPerUsd: "10000",
    markup: "2",
    features: { generate_goal: { unit: "goal_generation", cost: "3", description: "a goal" } },
  },
};
const DAY_MS = 86_400_000;

const { workDir, configPath, targets } = await cliWorkspace({ prefix: "cli-metering", config: CONFIG });

for (const target of targets) {
  describe(`tollgate pricing, features and usage on ${target.name}`, () => {
    let env: Record<string, string>;
    const run = (...args: string[]) => tollgate(args, env, workDir);
    const alice = ["--type", "user", "--external-id", "alice"];
    /** The store as the CLI opens it, with a meter on the same configuration. */
    const withMeter = async (work: (meter: Meter) => Promise<void>) => {
      const config = loadServerConfig(env, workDir);
      const opened = await openLedger(config);
      const meter = await Meter.open({ ledger: opened.ledger, pricing: config.pricing });
      try {
        await work(meter);
      } finally {
        await meter.close();
        await opened.close();
      }
    };
    before(() => {
      env = { ...target.freshEnv(), TOLLGATE_CONFIG: configPath };
    });
    after(() => target.cleanup());

    test("pricing show: a catalog model's price and where it comes from", async () => {
      const shown = json(await run("pricing", "show", "OpenAI", "gpt-4o", "--json"));
      assert.deepEqual(
        [shown.provider, shown.model, shown.source, shown.effectiveFrom, shown.overrides],
        ["openai", "gpt-4o", "catalog", null, []],
      );
      assert.equal(shown.price.input_mtok, "2.5");
      assert.equal(shown.price.output_mtok, "10");
      const human = await run("pricing", "show", "openai", "gpt-4o");
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /^openai\/gpt-4o at .*: catalog price/);
      assert.match(human.stdout, /\n {2}input_mtok {7}2\.5 {3}USD per million input tokens\n/);
      assert.match(human.stdout, /no overrides/);
    });

    test("pricing set, then show: the override in effect, a scheduled one, and --at", async () => {
      const set = json(
        await run(
          "pricing",
          "set",
          "openai",
          "house-model",
          "--price",
          "input_mtok=2.5",
          "--price",
          "output_mtok=10",
          "--reason",
          "launch price",
          "--json",
        ),
      );
      assert.deepEqual(set.price, { input_mtok: "2.5", output_mtok: "10" });
      assert.equal(set.reason, "launch price");
      const tomorrow = new Date(Date.now() + DAY_MS).toISOString();
      const tiered = '{"base":"3","tiers":[{"start":200000,"price":"6"}]}';
      json(
        await run(
          "pricing",
          "set",
          "openai",
          "house-model",
          "--price",
          `input_mtok=${tiered}`,
          "--effective-from",
          tomorrow,
          "--json",
        ),
      );
      const shown = json(await run("pricing", "show", "openai", "house-model", "--json"));
      assert.equal(shown.source, "override");
      assert.equal(shown.effectiveFrom, set.effectiveFrom);
      assert.deepEqual(shown.price, { input_mtok: "2.5", output_mtok: "10" });
      assert.deepEqual(
        shown.overrides.map((row: { status: string; reason: string | null }) => [row.status, row.reason]),
        [
          ["scheduled", null],
          ["in_effect", "launch price"],
        ],
        "newest first",
      );
      const later = json(
        await run(
          "pricing",
          "show",
          "openai",
          "house-model",
          "--at",
          new Date(Date.now() + 2 * DAY_MS).toISOString(),
          "--json",
        ),
      );
      assert.deepEqual(later.price.input_mtok, { base: "3", tiers: [{ start: 200000, price: "6" }] });
      assert.deepEqual(
        later.overrides.map((row: { status: string }) => row.status),
        ["in_effect", "superseded"],
      );
      const human = await run("pricing", "show", "openai", "house-model");
      assert.match(human.stdout, /override in effect from /);
      assert.match(
        human.stdout,
        /overrides, newest first:\n.*scheduled {2}input_mtok 3; above 200000 input tokens 6\n.*in effect {2}input_mtok 2\.5, output_mtok 10 +"launch price"/,
      );
    });

    test("a bad price or time exits 2 and changes nothing; an unpriced model exits 1", async () => {
      const price = (...args: string[]) => run("pricing", "set", "openai", "house-model", ...args);
      refused(await price("--price", "input_mtok=abc"), /price: price\.input_mtok: "abc" is not a decimal number/);
      refused(await price("--price", "input_mtok=-1"), /price: price\.input_mtok must not be negative/);
      refused(await price("--price", "web_searches_kcount=1"), /--price: unknown price key "web_searches_kcount"/);
      refused(await price("--price", "input_mtok"), /--price must be key=value/);
      refused(await price("--price", "input_mtok=1", "--price", "input_mtok=2"), /input_mtok is given twice/);
      refused(await price("--price", "cache_read_mtok=1"), /cache_read_mtok is set but price\.input_mtok is not/);
      refused(await price("--price", "input_mtok={base"), /--price input_mtok: a tiered price is JSON/);
      refused(
        await price("--price", "input_mtok=1", "--effective-from", "tomorrow"),
        /--effective-from must be an ISO 8601/,
      );
      refused(
        await price("--price", "input_mtok=1", "--effective-from", "2020-01-01T00:00:00Z"),
        /effectiveFrom: a price cannot take effect in the past/,
      );
      refused(await price(), /required option '--price <key=value>'|--price/);
      refused(await run("pricing", "set", "Open AI", "x", "--price", "input_mtok=1"), /"Open AI" is not a provider id/);
      refused(await run("pricing", "show", "openai", "gpt-4o", "--at", "soon"), /--at must be an ISO 8601/);
      const shown = json(await run("pricing", "show", "openai", "house-model", "--json"));
      assert.equal(shown.overrides.length, 2, "no refused price was written");
      const unknown = await run("pricing", "show", "openai", "no-such-model-9000", "--json");
      assert.equal(unknown.code, 1);
      assert.equal(JSON.parse(unknown.stdout).error.code, "unknown_model_price");
      assert.match(JSON.parse(unknown.stdout).error.message, /tollgate pricing set/);
    });

    test("features: list, set, and one account's override", async () => {
      const listed = json(await run("features", "list", "--json"));
      assert.deepEqual(
        listed.features.map((row: Record<string, unknown>) => [row.feature, row.unit, row.cost, row.fromConfig]),
        [["generate_goal", "goal_generation", "3", true]],
        "the configuration file's features are there",
      );
      const set = json(
        await run(
          "features",
          "set",
          "summarize",
          "--unit",
          "tokens",
          "--cost",
          "40",
          "--description",
          "a summary",
          "--json",
        ),
      );
      assert.deepEqual([set.feature, set.unit, set.cost, set.description], ["summarize", "tokens", "40", "a summary"]);
      const human = await run("features", "list");
      assert.match(human.stdout, /generate_goal {2}3 {3}goal_generation {2}config file {2}a goal\n/);
      assert.match(human.stdout, /summarize {6}40 {2}tokens {11}database {5}a summary/);

      refused(
        await run("features", "set", "generate_goal", "--unit", "tokens", "--cost", "1"),
        /defined in the configuration file/,
      );
      refused(
        await run("features", "set", "Summarize", "--unit", "tokens", "--cost", "1"),
        /"Summarize" is not a feature name/,
      );
      refused(await run("features", "set", "translate", "--unit", "gems", "--cost", "1"), /unknown unit "gems"/);
      refused(
        await run("features", "set", "translate", "--unit", "tokens", "--cost", "1.5"),
        /cost: "1\.5" has 1 decimal places/,
      );
      assert.equal(json(await run("features", "list", "--json")).features.length, 2, "nothing was written");

      const missing = await run("features", "override", "summarize", ...alice, "--cost", "10", "--json");
      assert.equal(missing.code, 1);
      assert.equal(JSON.parse(missing.stdout).error.code, "account_not_found");
      json(await run("accounts", "create", ...alice, "--json"));
      const overridden = json(await run("features", "override", "summarize", ...alice, "--cost", "10", "--json"));
      assert.deepEqual(
        [overridden.cost, overridden.featureCost, overridden.overridden, overridden.changed],
        ["10", "40", true, true],
      );
      refused(
        await run("features", "override", "summarize", ...alice, "--cost", "1", "--clear"),
        /--cost <decimal> .* or --clear/,
      );
      refused(await run("features", "override", "summarize", ...alice), /--cost <decimal> .* or --clear/);
      const unknown = await run("features", "override", "translate", ...alice, "--cost", "1", "--json");
      assert.equal(unknown.code, 1);
      assert.equal(JSON.parse(unknown.stdout).error.code, "feature_not_found");
      await withMeter(async (meter) => {
        const accountId = await meter.ledger.accounts.findId({ type: "user", externalId: "alice" });
        assert.deepEqual(await meter.features.costFor(accountId, "summarize"), {
          feature: "summarize",
          unit: "tokens",
          costMinor: 10n,
          overridden: true,
        });
      });
      const cleared = json(await run("features", "override", "summarize", ...alice, "--clear", "--json"));
      assert.deepEqual([cleared.cost, cleared.overridden, cleared.changed], ["40", false, true]);
    });

    describe("usage, after calls recorded through the library", () => {
      before(async () => {
        await withMeter(async (meter) => {
          const account = { type: "user" as const, externalId: "alice" };
          const record = async (input: Omit<Parameters<Meter["recordUsage"]>[0], "account">) => {
            const result = await meter.recordUsage({ account, ...input });
            assert.ok(
              result.ok,
              JSON.stringify(result, (_key, value) => (typeof value === "bigint" ? `${value}` : value)),
            );
          };
          // $0.0075 × 2 × 10,000 = 150 tokens
          await record({
            idempotencyKey: "call-1",
            provider: "openai",
            model: "gpt-4o",
            usage: { inputTokens: 1000, outputTokens: 500 },
            conversationId: "chat-1",
          });
          // $0.000375 × 2 × 10,000 = 7.5, rounded up to 8 tokens
          await record({
            idempotencyKey: "call-2",
            provider: "openai",
            model: "gpt-4o-mini",
            usage: { inputTokens: 500, outputTokens: 500 },
            conversationId: "chat-1",
          });
          // A failed call is recorded ($0.0025 of input) and charged nothing.
          await record({
            idempotencyKey: "call-3",
            provider: "openai",
            model: "gpt-4o",
            usage: { inputTokens: 1000 },
            success: false,
          });
          await meter.ledger.grant({
            account,
            unit: "goal_generation",
            amountMinor: 10n,
            source: "plan",
            idempotencyKey: "pro-allocation",
          });
          const goal = await meter.chargeFeature({ account, feature: "generate_goal", idempotencyKey: "goal-1" });
          assert.ok(goal.ok);
        });
      });

      test("by model: calls, failures, tokens, provider cost, the charge in its unit, the margin", async () => {
        const report = json(await run("usage", ...alice, "--json"));
        assert.equal(report.groupBy, "model");
        assert.equal(report.timeZone, "UTC");
        const byKey = Object.fromEntries(report.rows.map((row: { key: string | null }) => [row.key, row]));
        assert.deepEqual(byKey["openai/gpt-4o"], {
          key: "openai/gpt-4o",
          unit: "tokens",
          calls: 2,
          failedCalls: 1,
          inputTokens: "2000",
          cacheReadTokens: "0",
          cacheWriteTokens: "0",
          outputTokens: "500",
          reasoningTokens: "0",
          images: "0",
          audioSeconds: byKey["openai/gpt-4o"].audioSeconds,
          providerCostUsd: byKey["openai/gpt-4o"].providerCostUsd,
          charged: "150",
          chargedUsd: byKey["openai/gpt-4o"].chargedUsd,
          marginUsd: byKey["openai/gpt-4o"].marginUsd,
        });
        const exact = (text: string) => text.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
        assert.equal(exact(byKey["openai/gpt-4o"].providerCostUsd), "0.01", "0.0075 + the failed call's 0.0025");
        assert.equal(exact(byKey["openai/gpt-4o"].chargedUsd), "0.015");
        assert.equal(exact(byKey["openai/gpt-4o"].marginUsd), "0.005");
        assert.deepEqual(
          [byKey["openai/gpt-4o-mini"].charged, byKey["openai/gpt-4o-mini"].calls],
          ["8", 1],
          "rounded up once, in the operator's favour",
        );
        assert.equal(byKey.null?.unit, "goal_generation", "a feature's use has no model");
        assert.equal(byKey.null?.charged, "3");
        assert.equal(byKey.null?.marginUsd, null, "a feature unit has no USD value");
        const human = await run("usage", ...alice);
        assert.equal(human.code, 0, human.stderr);
        assert.match(human.stdout, /usage by model\n/);
        assert.match(
          human.stdout,
          /model +unit +calls +failed +tokens in +tokens out +provider USD +charged +margin USD\n/,
        );
        assert.match(human.stdout, /openai\/gpt-4o +tokens +2 +1 +2000 +500 +0\.01 +150 +0\.005\n/);
        assert.match(human.stdout, /\(none\) +goal_generation +1 +0 +0 +0 +0 +3 +-/);
      });

      test("by feature, by day in a time zone, one unit, and a range with nothing in it", async () => {
        const byFeature = json(await run("usage", ...alice, "--by", "feature", "--json"));
        assert.deepEqual(
          byFeature.rows.map((row: Record<string, unknown>) => [row.key, row.unit, row.calls, row.charged]),
          [
            [null, "tokens", 3, "158"],
            ["generate_goal", "goal_generation", 1, "3"],
          ],
        );
        const byDay = json(await run("usage", ...alice, "--by", "day", "--time-zone", "Europe/Paris", "--json"));
        assert.equal(byDay.timeZone, "Europe/Paris");
        assert.deepEqual(
          byDay.rows.map((row: { unit: string }) => row.unit),
          ["goal_generation", "tokens"],
        );
        for (const row of byDay.rows) assert.match(row.key, /^\d{4}-\d{2}-\d{2}$/);
        const tokensOnly = json(await run("usage", ...alice, "--by", "provider", "--unit", "tokens", "--json"));
        assert.deepEqual(
          tokensOnly.rows.map((row: Record<string, unknown>) => [row.key, row.calls, row.charged]),
          [["openai", 3, "158"]],
        );
        const tomorrow = new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);
        const empty = json(await run("usage", ...alice, "--from", tomorrow, "--json"));
        assert.deepEqual([empty.from, empty.rows], [`${tomorrow}T00:00:00.000Z`, []]);
        const limited = json(await run("usage", ...alice, "--limit", "1", "--json"));
        assert.deepEqual(
          limited.rows.map((row: { key: string }) => row.key),
          ["openai/gpt-4o"],
          "largest charge first",
        );
      });

      test("--conversation: one conversation's totals", async () => {
        const chat = json(await run("usage", ...alice, "--conversation", "chat-1", "--json"));
        assert.equal(chat.conversationId, "chat-1");
        assert.equal(chat.calls, 2);
        assert.ok(Date.parse(chat.firstAt) <= Date.parse(chat.lastAt));
        assert.deepEqual(
          chat.rows.map((row: Record<string, unknown>) => [row.key, row.unit, row.calls, row.inputTokens, row.charged]),
          [["chat-1", "tokens", 2, "1500", "158"]],
        );
        const human = await run("usage", ...alice, "--conversation", "chat-1");
        assert.match(human.stdout, /conversation chat-1, 2 calls from /);
        const none = await run("usage", ...alice, "--conversation", "chat-404", "--json");
        assert.equal(none.code, 1);
        assert.equal(JSON.parse(none.stdout).error.code, "conversation_not_found");
      });

      test("bad input exits 2 naming the flag; an unknown account exits 1", async () => {
        refused(await run("usage", ...alice, "--by", "colour"), /--by must be one of model, provider, feature/);
        refused(await run("usage", ...alice, "--from", "yesterday"), /--from must be an ISO 8601/);
        refused(
          await run("usage", ...alice, "--to", "2026-03-01T10:00"),
          /--to must be an ISO 8601 date or time with its zone/,
        );
        refused(
          await run("usage", ...alice, "--from", "2026-03-02", "--to", "2026-03-01"),
          /--from must be before --to/,
        );
        refused(await run("usage", ...alice, "--time-zone", "Mars/Olympus"), /--time-zone must be an IANA time zone/);
        refused(await run("usage", ...alice, "--limit", "0"), /--limit must be a whole number from 1 to 1000/);
        refused(
          await run("usage", ...alice, "--conversation", "chat-1", "--by", "day"),
          /--conversation .* takes no --by/,
        );
        refused(await run("usage", "--by", "model"), /name the account/);
        refused(await run("usage", "stats", ...alice, "--by", "model"), /usage stats takes no --by/);
        const nobody = await run("usage", "--type", "user", "--external-id", "nobody", "--json");
        assert.equal(nobody.code, 1);
        assert.equal(JSON.parse(nobody.stdout).error.code, "account_not_found");
      });

      test("usage stats: balance, used and allocated per unit and in total; no plan, no refresh date", async () => {
        const stats = json(await run("usage", "stats", ...alice, "--json"));
        assert.deepEqual(stats.byUnit, [
          { unit: "goal_generation", balance: "7", available: "7", used: "3", allocated: "10" },
          { unit: "tokens", balance: "9842", available: "9842", used: "158", allocated: "10000" },
        ]);
        assert.deepEqual(
          [stats.totalBalance, stats.totalUsed, stats.totalAllocated, stats.refreshDate],
          ["9849", "161", "10010", null],
        );
        const human = await run("usage", "stats", ...alice);
        assert.equal(human.code, 0, human.stderr);
        assert.match(human.stdout, /total {2}balance 9849 {2}used 161 {2}allocated 10010\n/);
        assert.match(human.stdout, / {2}tokens {11}balance 9842 {2}available 9842 {2}used 158 {2}allocated 10000\n/);
        assert.match(human.stdout, /refresh date: none \(no plan\)/);
      });
    });
  });
}
