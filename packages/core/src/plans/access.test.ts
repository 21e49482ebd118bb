import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { allows, plansAllowing } from "./access.ts";
import type { AccessRule, PlanCatalog, PlanDefinition } from "./plan.ts";

describe("allows", () => {
  const everything: AccessRule = { allow: null, deny: [] };
  const nothing: AccessRule = { allow: [], deny: [] };
  const openaiButO1: AccessRule = { allow: ["openai/*"], deny: ["openai/o1*"] };
  const allButExpensive: AccessRule = { allow: null, deny: ["*/o1*", "anthropic/claude-opus-*"] };
  const twoFeatures: AccessRule = { allow: ["generate_goal", "summarize_*"], deny: [] };
  const rows: Array<[name: string, rule: AccessRule, candidate: string, allowed: boolean]> = [
    ["allow null allows any model", everything, "openai/gpt-4o", true],
    ["allow null allows any feature", everything, "generate_goal", true],
    ["allow [] allows no feature (a starter plan)", nothing, "generate_goal", false],
    ["allow [] allows no model", nothing, "openai/gpt-4o", false],
    ["a model matching allow", openaiButO1, "openai/gpt-4o-mini", true],
    ["a model matching allow and deny: deny wins", openaiButO1, "openai/o1-preview", false],
    ["a model matching neither", openaiButO1, "anthropic/claude-sonnet-4", false],
    ["allow null with a deny: the denied model", allButExpensive, "openrouter/openai/o1", false],
    ["allow null with a deny: another model", allButExpensive, "anthropic/claude-sonnet-4", true],
    ["models ignore case: an upper-case request", openaiButO1, "OpenAI/GPT-4o", true],
    ["models ignore case: deny is not side-stepped by a capital", openaiButO1, "openai/O1-mini", false],
    ["models ignore case: an upper-case glob", { allow: ["Anthropic/*"], deny: [] }, "anthropic/claude-sonnet-4", true],
    ["a feature named exactly", twoFeatures, "generate_goal", true],
    ["a feature matching a glob", twoFeatures, "summarize_chat", true],
    ["a feature matching nothing", twoFeatures, "generate_image", false],
    ["features ignore case too", twoFeatures, "Generate_Goal", true],
    ["an empty name is never allowed", everything, "", false],
    ["a name over 256 characters is never allowed", everything, `openai/${"x".repeat(250)}`, false],
    ["a name of 256 characters is matched", everything, `openai/${"x".repeat(249)}`, true],
    ["regex characters in a name are themselves", { allow: ["openai/gpt-4.1"], deny: [] }, "openai/gpt-4x1", false],
  ];
  for (const [name, rule, candidate, allowed] of rows) {
    test(name, () => assert.equal(allows(rule, candidate), allowed));
  }
});

describe("plansAllowing", () => {
  const plan = (id: string, models: AccessRule, features: AccessRule): PlanDefinition => ({
    id,
    name: id,
    period: { every: "month", anchor: "anniversary", timeZone: "UTC" },
    allocations: [],
    models,
    features,
    overage: { policy: "block" },
    markup: null,
    price: null,
    stripePriceId: null,
    downgrade: "period_end",
    cancel: "period_end",
  });
  const catalog: PlanCatalog = {
    plans: [
      plan("starter", { allow: ["openai/gpt-4o-mini"], deny: [] }, { allow: [], deny: [] }),
      plan("pro", { allow: ["openai/*", "anthropic/*"], deny: ["anthropic/claude-opus-*"] }, { allow: null, deny: [] }),
      plan("team", { allow: null, deny: [] }, { allow: null, deny: ["admin_*"] }),
    ],
    packs: [],
    defaultPlans: { user: "starter" },
  };
  const rows: Array<[kind: "models" | "features", name: string, planIds: string[]]> = [
    ["models", "openai/gpt-4o-mini", ["starter", "pro", "team"]],
    ["models", "anthropic/claude-sonnet-4", ["pro", "team"]],
    ["models", "anthropic/claude-opus-4", ["team"]],
    ["models", "google/gemini-2.5-pro", ["team"]],
    ["features", "generate_goal", ["pro", "team"]],
    ["features", "admin_export", ["pro"]],
  ];
  for (const [kind, name, planIds] of rows) {
    test(`${kind} ${name}: ${planIds.join(", ")}`, () => assert.deepEqual(plansAllowing(catalog, kind, name), planIds));
  }

  test("no plan: an empty list", () => {
    assert.deepEqual(plansAllowing({ ...catalog, plans: [] }, "models", "openai/gpt-4o"), []);
  });
});
