import assert from "node:assert/strict";
import { test } from "node:test";
import { EMPTY_PLAN_CATALOG } from "@tollgate/core";
import { ConfigError } from "../config-error.ts";
import { parseDeploymentConfig } from "./deployment-config.ts";

const units = [
  { unit: "credits", scale: 0 },
  { unit: "usd", scale: 2 },
];
const free = { name: "Free", period: "month", allocations: { credits: "100" } };
const parse = (file: Record<string, unknown>) => parseDeploymentConfig({ units, ...file }, "f.json").plans;

test("no plans section: an empty catalog", () => {
  assert.deepEqual(parseDeploymentConfig({}, "f.json").plans, EMPTY_PLAN_CATALOG);
});

test("a free tier and a paid plan with rollover, access rules, overage and a price; short forms filled in", () => {
  const catalog = parse({
    plans: {
      free,
      pro: {
        name: "Pro",
        period: { every: "month", anchor: "anniversary", timeZone: "Europe/Paris" },
        allocations: { credits: { amount: "1000", renewal: "rollover", rolloverCap: "500" }, usd: "2.50" },
        models: { allow: ["openai/*"], deny: ["openai/o1*"] },
        features: ["generate_*"],
        overage: { allow: "200" },
        markup: "1.2",
        price: { amount: "9.00", currency: "eur" },
        stripePriceId: "price_1PqX2b",
        downgrade: "now",
      },
    },
    defaultPlans: { user: "free" },
    pricing: { markup: { plans: { pro: "1.5" } } },
  });
  const [freePlan, pro] = catalog.plans;
  assert.deepEqual(freePlan, {
    id: "free",
    name: "Free",
    period: { every: "month", anchor: "calendar", timeZone: "UTC" },
    allocations: [{ unit: "credits", amountMinor: 100n, renewal: "reset", rolloverCapMinor: null }],
    models: { allow: null, deny: [] },
    features: { allow: null, deny: [] },
    overage: { policy: "block" },
    markup: null,
    price: null,
    stripePriceId: null,
    downgrade: "period_end",
    cancel: "period_end",
  });
  assert.deepEqual(pro?.period, { every: "month", anchor: "anniversary", timeZone: "Europe/Paris" });
  assert.deepEqual(pro?.allocations, [
    { unit: "credits", amountMinor: 1000n, renewal: "rollover", rolloverCapMinor: 500n },
    { unit: "usd", amountMinor: 250n, renewal: "reset", rolloverCapMinor: null },
  ]);
  assert.deepEqual(pro?.models, { allow: ["openai/*"], deny: ["openai/o1*"] });
  assert.deepEqual(pro?.features, { allow: ["generate_*"], deny: [] });
  assert.deepEqual(pro?.overage, { policy: "allow", unit: "credits", limitMinor: 200n }, "the first allocation's unit");
  assert.deepEqual(pro?.price, { amountMinor: 900n, currency: "eur" });
  assert.deepEqual(
    [pro?.markup, pro?.stripePriceId, pro?.downgrade, pro?.cancel],
    ["1.2", "price_1PqX2b", "now", "period_end"],
  );
  assert.deepEqual(catalog.defaultPlans, { user: "free" });
});

test("a plan's markup is the pricing's markup for that plan, unless pricing.markup.plans names it too", () => {
  const { pricing } = parseDeploymentConfig(
    {
      units,
      plans: {
        free,
        pro: { name: "Pro", period: "month", markup: "1.2" },
        team: { name: "Team", period: "month", markup: "1.1" },
      },
      pricing: { markup: { default: "2", plans: { pro: "1.5" } } },
    },
    "f.json",
  );
  assert.deepEqual(pricing.markup, { default: "2", plans: { pro: "1.5", team: "1.1" }, models: {} });
});

test("packs: the default unit, a bonus, an expiry, a price in a zero-decimal currency", () => {
  const { packs } = parse({
    packs: {
      starter: {
        name: "Starter",
        amount: "1000",
        bonus: "12.5",
        expiresIn: "365d",
        price: { amount: "1200", currency: "jpy" },
      },
      dollars: { name: "Ten dollars", unit: "usd", amount: "10.00" },
    },
  });
  assert.deepEqual(packs, [
    {
      id: "starter",
      name: "Starter",
      unit: "credits",
      amountMinor: 1000n,
      bonusPercent: "12.5",
      expiresInMs: 365 * 86_400_000,
      price: { amountMinor: 1200n, currency: "jpy" },
      stripePriceId: null,
    },
    {
      id: "dollars",
      name: "Ten dollars",
      unit: "usd",
      amountMinor: 1000n,
      bonusPercent: "0",
      expiresInMs: null,
      price: null,
      stripePriceId: null,
    },
  ]);
});

test("every bad field of plans, packs and defaultPlans is named in the error", () => {
  const plan = (fields: Record<string, unknown>) => ({ plans: { pro: { ...free, ...fields } } });
  const pack = (fields: Record<string, unknown>) => ({
    packs: { starter: { name: "Starter", amount: "10", ...fields } },
  });
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ plans: [] }, "f.json: plans: must be an object of plans keyed by plan id"],
    [{ plans: { Pro: free } }, 'f.json: plans.Pro: "Pro" is not an id'],
    [{ plans: { ["x".repeat(65)]: free } }, `f.json: plans.${"x".repeat(65)}: "${"x".repeat(65)}" is not an id`],
    [plan({ title: "Pro" }), "f.json: plans.pro.title: is not a setting here; the settings are name, period"],
    [plan({ name: 5 }), 'f.json: plans.pro.name: must be a name such as "Pro"'],
    [plan({ name: "" }), "f.json: plans.pro.name: must not be empty"],
    [plan({ period: undefined }), 'f.json: plans.pro.period: must be "day", "week", "month", "year"'],
    [plan({ period: "monthly" }), 'f.json: plans.pro.period: must be "day", "week", "month", "year"'],
    [plan({ period: { every: "fortnight" } }), 'f.json: plans.pro.period.every: must be one of "day", "week"'],
    [
      plan({ period: { every: "month", anchor: "start" } }),
      'f.json: plans.pro.period.anchor: must be one of "calendar", "anniversary"',
    ],
    [
      plan({ period: { every: "month", timeZone: "Mars/Olympus" } }),
      'f.json: plans.pro.period.timeZone: "Mars/Olympus" is not a time zone',
    ],
    [plan({ period: { every: "month", zone: "UTC" } }), "f.json: plans.pro.period.zone: is not a setting here"],
    [
      plan({ allocations: { credits: 100 } }),
      'f.json: plans.pro.allocations.credits: must be a decimal string such as "1000"',
    ],
    [
      plan({ allocations: { gems: "100" } }),
      "f.json: plans.pro.allocations.gems: must be one of the units (credits, usd)",
    ],
    [
      plan({ allocations: { usd: "1.005" } }),
      'f.json: plans.pro.allocations.usd: "1.005" has 3 decimal places; this unit has 2',
    ],
    [plan({ allocations: { credits: "0" } }), "f.json: plans.pro.allocations.credits: must be positive"],
    [
      plan({ allocations: { credits: { amount: 5 } } }),
      "f.json: plans.pro.allocations.credits.amount: must be a decimal string",
    ],
    [
      plan({ allocations: { credits: { amount: "5", renewal: "carry" } } }),
      'f.json: plans.pro.allocations.credits.renewal: must be one of "reset", "rollover"',
    ],
    [
      plan({ allocations: { credits: { amount: "5", rolloverCap: "2" } } }),
      'f.json: plans.pro.allocations.credits.rolloverCap: applies only with "renewal": "rollover"',
    ],
    [
      plan({ allocations: { credits: { amount: "5", renewal: "rollover", rolloverCap: "-2" } } }),
      "f.json: plans.pro.allocations.credits.rolloverCap: must not be negative",
    ],
    [plan({ models: "openai/*" }), 'f.json: plans.pro.models: must be an array of globs such as ["openai/*"]'],
    [plan({ models: ["OpenAI/*"] }), 'f.json: plans.pro.models[0]: "OpenAI/*" is not a name or glob'],
    [
      plan({ features: { allow: ["a"], block: [] } }),
      "f.json: plans.pro.features.block: is not a setting here; the settings are allow, deny",
    ],
    [
      plan({ features: { deny: ["bad glob"] } }),
      'f.json: plans.pro.features.deny[0]: "bad glob" is not a name or glob',
    ],
    [plan({ overage: "allow" }), 'f.json: plans.pro.overage: must be "block" or { "allow": "200" }'],
    [plan({ overage: { allow: 200 } }), "f.json: plans.pro.overage.allow: must be a decimal string"],
    [
      plan({ overage: { unit: "gems", allow: "200" } }),
      "f.json: plans.pro.overage.unit: must be one of the units (credits, usd)",
    ],
    [
      plan({ overage: { unit: "usd", allow: "0.001" } }),
      'f.json: plans.pro.overage.allow: "0.001" has 3 decimal places; this unit has 2',
    ],
    [plan({ markup: 1.5 }), "f.json: plans.pro.markup: must be a decimal string"],
    [plan({ markup: "-1" }), "f.json: plans.pro.markup: must not be negative"],
    [
      plan({ price: { amount: "9.001", currency: "eur" } }),
      'f.json: plans.pro.price.amount: "9.001" has 3 decimal places; this unit has 2',
    ],
    [
      plan({ price: { amount: "9.50", currency: "jpy" } }),
      'f.json: plans.pro.price.amount: "9.50" has 2 decimal places; this unit has 0',
    ],
    [
      plan({ price: { amount: "9", currency: "EUR" } }),
      "f.json: plans.pro.price.currency: must be an ISO 4217 currency code in lower case",
    ],
    [
      plan({ price: "9" }),
      'f.json: plans.pro.price: must be an object such as { "amount": "9.00", "currency": "eur" }',
    ],
    [
      plan({ stripePriceId: "prod_123" }),
      'f.json: plans.pro.stripePriceId: must be a Stripe Price id such as "price_1PqX2b"',
    ],
    [plan({ downgrade: "later" }), 'f.json: plans.pro.downgrade: must be one of "period_end", "now"'],
    [plan({ cancel: true }), 'f.json: plans.pro.cancel: must be one of "period_end", "now"'],
    [{ packs: { Starter: { name: "S", amount: "1" } } }, 'f.json: packs.Starter: "Starter" is not an id'],
    [pack({ amount: 10 }), "f.json: packs.starter.amount: must be a decimal string"],
    [pack({ amount: "0" }), "f.json: packs.starter.amount: must be positive"],
    [pack({ unit: "gems" }), "f.json: packs.starter.unit: must be one of the units (credits, usd)"],
    [
      pack({ unit: "usd", amount: "1.001" }),
      'f.json: packs.starter.amount: "1.001" has 3 decimal places; this unit has 2',
    ],
    [pack({ bonus: 10 }), "f.json: packs.starter.bonus: must be a decimal string"],
    [pack({ bonus: "-5" }), "f.json: packs.starter.bonus: must not be negative"],
    [pack({ bonus: "1000.5" }), "f.json: packs.starter.bonus: must be at most 1000"],
    [pack({ expiresIn: "1 year" }), 'f.json: packs.starter.expiresIn: "1 year" is not a duration'],
    [
      pack({ price: { amount: "1", currency: "eur", tax: "0" } }),
      "f.json: packs.starter.price.tax: is not a setting here",
    ],
    [pack({ gift: true }), "f.json: packs.starter.gift: is not a setting here; the settings are name, unit, amount"],
    [{ defaultPlans: { user: "free" } }, 'f.json: defaultPlans.user: "free" is not a plan in plans (none)'],
    [
      { plans: { free }, defaultPlans: { guest: "guest" } },
      'f.json: defaultPlans.guest: "guest" is not a plan in plans (free)',
    ],
    [
      { plans: { free }, defaultPlans: { admin: "free" } },
      "f.json: defaultPlans.admin: is not an account type (user, organization, guest)",
    ],
    [
      { plans: { free }, pricing: { markup: { plans: { pro: "1.5" } } } },
      "f.json: pricing.markup.plans.pro: is not a plan in plans (free)",
    ],
  ];
  for (const [file, message] of cases) {
    assert.throws(
      () => parse(file),
      (error: unknown) => error instanceof ConfigError && error.message.startsWith(message),
      `${JSON.stringify(file)} should fail with ${message}`,
    );
  }
});

test("pricing.markup.plans is not checked when the file has no plans (plans may live elsewhere)", () => {
  const { pricing } = parseDeploymentConfig({ pricing: { markup: { plans: { pro: "1.5" } } } }, "f.json");
  assert.deepEqual(pricing.markup.plans, { pro: "1.5" });
});

test("every problem is listed after the first, each with its field", () => {
  assert.throws(
    () => parse({ plans: { free: { ...free, period: "monthly", markup: 2 } }, packs: { starter: { name: "S" } } }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.where === "f.json: plans.free.period" &&
      error.others.length === 2 &&
      error.others.some((other) => other.startsWith("f.json: plans.free.markup: ")) &&
      error.others.some((other) => other.startsWith("f.json: packs.starter.amount: ")),
  );
});
