import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { defineLedgerConfig } from "@tollgate/core";
import { DEFAULT_PRICING_CONFIG } from "@tollgate/metering";
import { loadServerConfig } from "../config.ts";
import { ConfigError } from "../config-error.ts";
import {
  parseDeploymentConfig,
  parsePricingConfig,
  readDeploymentConfig,
  readLedgerConfigFile,
} from "./deployment-config.ts";

const EXAMPLES = fileURLToPath(new URL("../../../../docs/operating/examples/", import.meta.url));
const CONFIGURATION_DOC = fileURLToPath(new URL("../../../../docs/operating/configuration.md", import.meta.url));
const ledger = defineLedgerConfig({
  units: [
    { unit: "credits", scale: 0 },
    { unit: "usd", scale: 2 },
  ],
});
const parse = (json: unknown) => parsePricingConfig(json, { source: "f.json", ledger });

test("no pricing section gives the defaults", () => {
  assert.deepEqual(parse(undefined), DEFAULT_PRICING_CONFIG);
  assert.deepEqual(parseDeploymentConfig({}, "f.json").pricing, DEFAULT_PRICING_CONFIG);
});

test("every setting, with amounts in the pricing unit's scale", () => {
  const pricing = parse({
    unit: "usd",
    creditsPerUsd: "1",
    markup: { default: "1.5", plans: { pro: "1.2" }, models: { "openai/gpt-4o": "3", "gpt-4o-mini": "0" } },
    rounding: "half_even",
    minimumCharge: "0.01",
    minimumAvailable: "0.50",
    costSource: "provider_reported",
    fallbackPrice: { input_mtok: "3", output_mtok: { base: "15", tiers: [{ start: 200000, price: "22.5" }] } },
    chargeFailedCalls: true,
    defaultMaxOutputTokens: 8192,
    features: {
      summarize: { unit: "credits", cost: "3", description: "one summary" },
      translate: { unit: "usd", cost: "0.25" },
    },
  });
  assert.equal(pricing.unit, "usd");
  assert.equal(pricing.creditsPerUsd, "1");
  assert.deepEqual(pricing.markup, {
    default: "1.5",
    plans: { pro: "1.2" },
    models: { "openai/gpt-4o": "3", "gpt-4o-mini": "0" },
  });
  assert.equal(pricing.rounding, "half_even");
  assert.equal(pricing.minimumChargeMinor, 1n, '"0.01" usd is one cent');
  assert.equal(pricing.minimumAvailableMinor, 50n);
  assert.equal(pricing.costSource, "provider_reported");
  assert.deepEqual(pricing.fallbackPrice?.output_mtok, { base: "15", tiers: [{ start: 200000, price: "22.5" }] });
  assert.equal(pricing.chargeFailedCalls, true);
  assert.equal(pricing.defaultMaxOutputTokens, 8192);
  assert.deepEqual(pricing.features, {
    summarize: { unit: "credits", costMinor: 3n, description: "one summary" },
    translate: { unit: "usd", costMinor: 25n },
  });
  assert.ok(Object.isFrozen(pricing));
});

test("a markup string is the default markup; amounts without a unit use the ledger's default unit", () => {
  const pricing = parse({ markup: "2", minimumCharge: "7" });
  assert.deepEqual(pricing.markup, { default: "2", plans: {}, models: {} });
  assert.equal(pricing.unit, null);
  assert.equal(pricing.minimumChargeMinor, 7n, "credits, the default unit, has scale 0");
});

test("every bad field is named in the error, and no number ever holds money or a rate", () => {
  const cases: Array<[unknown, string]> = [
    [[], "f.json: pricing: must be an object"],
    [{ markUp: "2" }, "f.json: pricing.markUp: is not a setting here; the settings are unit, creditsPerUsd"],
    [{ unit: "tokens" }, "f.json: pricing.unit: must be one of the units (credits, usd)"],
    [{ creditsPerUsd: 10000 }, "f.json: pricing.creditsPerUsd: must be a decimal string"],
    [{ creditsPerUsd: "0" }, "f.json: pricing.creditsPerUsd: must be above zero"],
    [{ creditsPerUsd: "ten" }, 'f.json: pricing.creditsPerUsd: "ten" is not a decimal number'],
    [{ markup: "-1" }, "f.json: pricing.markup: must not be negative"],
    [{ markup: { default: "2", plan: {} } }, "f.json: pricing.markup.plan: is not a setting here"],
    [
      { markup: { models: { "OpenAI/GPT-4o": "2" } } },
      'f.json: pricing.markup.models.OpenAI/GPT-4o: must be lower case ("openai/gpt-4o")',
    ],
    [{ markup: { plans: { pro: 2 } } }, "f.json: pricing.markup.plans.pro: must be a decimal string"],
    [{ rounding: "nearest" }, 'f.json: pricing.rounding: must be one of "up", "down", "half_even"'],
    [
      { unit: "usd", minimumCharge: "0.001" },
      'f.json: pricing.minimumCharge: "0.001" has 3 decimal places; this unit has 2',
    ],
    [{ minimumAvailable: 1 }, "f.json: pricing.minimumAvailable: must be a decimal string in the unit's scale"],
    [{ minimumAvailable: "-1" }, "f.json: pricing.minimumAvailable: must not be negative"],
    [{ costSource: "openrouter" }, 'f.json: pricing.costSource: must be one of "catalog", "provider_reported"'],
    [{ fallbackPrice: { input_mtok: 3 } }, "f.json: pricing.fallbackPrice: price.input_mtok"],
    [
      { fallbackPrice: { web_searches_kcount: "1" } },
      'f.json: pricing.fallbackPrice: unknown price key "web_searches_kcount"',
    ],
    [{ chargeFailedCalls: "yes" }, "f.json: pricing.chargeFailedCalls: must be true or false"],
    [{ defaultMaxOutputTokens: 0 }, "f.json: pricing.defaultMaxOutputTokens: must be a whole number"],
    [{ defaultMaxOutputTokens: "4096" }, "f.json: pricing.defaultMaxOutputTokens: must be a whole number"],
    [{ features: [] }, "f.json: pricing.features: must be an object"],
    [
      { features: { "Generate Goal": { unit: "credits", cost: "3" } } },
      'f.json: pricing.features.Generate Goal: "Generate Goal" is not a feature name',
    ],
    [
      { features: { goal: { unit: "gems", cost: "3" } } },
      "f.json: pricing.features.goal.unit: must be one of the units",
    ],
    [
      { features: { goal: { unit: "credits", cost: 3 } } },
      "f.json: pricing.features.goal.cost: must be a decimal string",
    ],
    [
      { features: { goal: { unit: "credits", cost: "1.5" } } },
      'f.json: pricing.features.goal.cost: "1.5" has 1 decimal places',
    ],
    [
      { features: { goal: { unit: "credits", cost: "3", costMinor: "3" } } },
      "f.json: pricing.features.goal.costMinor: is not a setting here; the settings are unit, cost, description",
    ],
    [
      { features: { goal: { unit: "credits", cost: "3", description: 5 } } },
      "f.json: pricing.features.goal.description: must be a string",
    ],
  ];
  for (const [json, message] of cases) {
    assert.throws(
      () => parse(json),
      (error: unknown) => error instanceof ConfigError && error.message.startsWith(message),
      `${JSON.stringify(json)} should fail with ${message}`,
    );
  }
});

test("the pricing section is checked against the file's own units", () => {
  const config = parseDeploymentConfig(
    { units: [{ unit: "usd", scale: 6 }], pricing: { unit: "usd", minimumAvailable: "0.01" } },
    "f.json",
  );
  assert.equal(config.pricing.minimumAvailableMinor, 10_000n, "$0.01 at scale 6");
  assert.throws(
    () => parseDeploymentConfig({ pricing: { unit: "usd" } }, "f.json"),
    /^ConfigError: f\.json: pricing\.unit: must be one of the units \(credits\)/,
  );
});

describe("files", () => {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-pricing-config-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("serve and the CLI read the pricing section with the ledger's; readLedgerConfigFile still works", () => {
    const path = join(dir, "tollgate.config.json");
    writeFileSync(path, JSON.stringify({ units: [{ unit: "tokens", scale: 0 }], pricing: { creditsPerUsd: "10000" } }));
    assert.equal(loadServerConfig({}, dir).pricing.creditsPerUsd, "10000");
    assert.equal(readLedgerConfigFile(path).defaultUnit, "tokens");
    writeFileSync(path, JSON.stringify({ pricing: { creditsPerUsd: 10000 } }));
    assert.throws(() => readLedgerConfigFile(path), /pricing\.creditsPerUsd: must be a decimal string/);
    assert.equal(loadServerConfig({ TOLLGATE_CONFIG: "" }, join(dir, "nowhere")).pricing, DEFAULT_PRICING_CONFIG);
  });
});

describe("the example apps' configuration files in docs/operating/examples", () => {
  const read = (name: string) => readDeploymentConfig(join(EXAMPLES, name));

  test("every example parses, and configuration.md shows each one as it is", () => {
    const files = readdirSync(EXAMPLES).filter((name) => name.endsWith(".json"));
    assert.equal(files.length, 5);
    const doc = readFileSync(CONFIGURATION_DOC, "utf8");
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)\n```/g)].map((match) => JSON.parse(match[1] as string));
    for (const name of files) {
      read(name);
      const file = JSON.parse(readFileSync(join(EXAMPLES, name), "utf8"));
      assert.ok(
        blocks.some((block) => JSON.stringify(block) === JSON.stringify(file)),
        `configuration.md shows ${name} as it is`,
      );
    }
  });

  test("a chat app: tokens, 1 USD = 10,000, markup 2, the provider's reported cost, paid first, 10,000 a day free", () => {
    const { ledger, pricing, plans } = read("chat-app-free-and-paid-tokens.json");
    assert.deepEqual(ledger.signupGrants.user, []);
    assert.deepEqual(plans.defaultPlans, { user: "free" });
    const free = plans.plans.find((plan) => plan.id === "free");
    assert.deepEqual(free?.period, { every: "day", anchor: "calendar", timeZone: "America/New_York" });
    assert.deepEqual(free?.allocations, [
      { unit: "tokens", amountMinor: 10_000n, renewal: "reset", rolloverCapMinor: null },
    ]);
    assert.equal(ledger.sourcePriorities.purchase < ledger.sourcePriorities.plan, true);
    assert.deepEqual(
      [pricing.unit, pricing.creditsPerUsd, pricing.markup.default, pricing.costSource],
      ["tokens", "10000", "2", "provider_reported"],
    );
  });

  test("an assistant: actions with a fixed token cost, overridable per account", () => {
    const { pricing } = read("assistant-actions-with-fixed-costs.json");
    assert.deepEqual(pricing.features.chat_conversation, {
      unit: "tokens",
      costMinor: 100n,
      description: "one assistant reply",
    });
    assert.equal(pricing.chargeFailedCalls, false);
  });

  test("a fitness app: 1 token = $0.001, from the catalog, rounded up; seven plans from 9€ to 99€, four packs", () => {
    const { pricing, plans } = read("fitness-app-tokens-at-a-tenth-of-a-cent.json");
    assert.deepEqual([pricing.creditsPerUsd, pricing.rounding, pricing.costSource], ["1000", "up", "catalog"]);
    const sold = plans.plans.filter((plan) => plan.price !== null);
    assert.deepEqual(
      sold.map((plan) => [plan.id, plan.price?.amountMinor, plan.allocations[0]?.amountMinor]),
      [
        ["essential", 900n, 1000n],
        ["pro", 1900n, 3000n],
        ["elite", 2900n, 5000n],
        ["champion", 3900n, 8000n],
        ["master", 4900n, 12_000n],
        ["legend", 5900n, 18_000n],
        ["titan", 9900n, 35_000n],
      ],
    );
    assert.deepEqual(
      plans.packs.map((pack) => [pack.id, pack.amountMinor, pack.bonusPercent, pack.price?.amountMinor]),
      [
        ["starter", 2000n, "0", 1900n],
        ["basic", 3200n, "10", 2900n],
        ["plus", 5700n, "15", 4900n],
        ["premium", 12_500n, "25", 9900n],
      ],
    );
    assert.deepEqual(plans.defaultPlans, { user: "free" }, "the free tier of 100 tokens a month");
  });

  test("a team workspace: one unit per feature family, the features' costs, and plans per family", () => {
    const { ledger, pricing, plans } = read("team-workspace-per-feature-units.json");
    assert.deepEqual(plans.defaultPlans, { organization: "starter" });
    assert.deepEqual(plans.plans.find((plan) => plan.id === "starter")?.features, { allow: [], deny: [] });
    assert.deepEqual(
      ledger.units.map((unit) => unit.unit),
      ["general", "goal_generation", "lead_generation", "strategy_analysis", "forecast"],
    );
    const costs = Object.fromEntries(
      Object.entries(pricing.features).map(([name, feature]) => [name, [feature.unit, feature.costMinor]]),
    );
    assert.deepEqual(costs, {
      generate_goal: ["goal_generation", 3n],
      generate_leads: ["lead_generation", 5n],
      analyze_strategy: ["strategy_analysis", 2n],
      forecast_revenue: ["forecast", 4n],
      generate_insight: ["general", 1n],
    });
  });

  test("a pay-as-you-go chat: micro-dollars at provider cost, and $0.01 needed to start a call", () => {
    const { ledger, pricing } = read("pay-as-you-go-dollar-balance.json");
    assert.deepEqual(ledger.units, [{ unit: "usd", scale: 6 }]);
    assert.deepEqual(ledger.signupGrants.user, [{ unit: "usd", amountMinor: 10_000_000n, expiresInMs: null }]);
    assert.deepEqual(
      [pricing.creditsPerUsd, pricing.markup.default, pricing.minimumAvailableMinor],
      ["1", "1", 10_000n],
    );
  });
});
