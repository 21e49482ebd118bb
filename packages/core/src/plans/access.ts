import { GLOB_LENGTH_MAX, globMatches } from "./glob.ts";
import type { AccessRule, PlanCatalog } from "./plan.ts";

export { assertGlob } from "./glob.ts";

/**
 * Which models and features a plan allows: the check behind `model_not_in_plan` and
 * `feature_not_in_plan`.
 *
 * Matching ignores case, for models and for features alike. Model ids are lower-cased wherever
 * they are priced, so `OpenAI/GPT-4o` is the model `openai/gpt-4o` and must meet the same rule.
 * Feature ids are lower case by definition (a feature with a capital cannot be defined), so
 * folding case lets through no feature that exists, and it keeps a deny list from being side-stepped
 * by a capital letter should any layer fold case later: the fail-safe choice for both.
 */

/**
 * Whether `name` (a model such as "openai/gpt-4o" or a feature such as "generate_goal") passes
 * `rule`. `deny` wins over `allow`; `allow: null` allows all; `allow: []` allows none. A name that
 * is empty or over 256 characters is never allowed: no id is, and it bounds the matching.
 *
 * @example
 * allows({ allow: ["openai/*"], deny: ["openai/o1*"] }, "openai/gpt-4o"); // true
 * allows({ allow: ["openai/*"], deny: ["openai/o1*"] }, "openai/o1-preview"); // false
 * allows({ allow: [], deny: [] }, "generate_goal"); // false: a plan on which every feature is blocked
 */
export function allows(rule: AccessRule, name: string): boolean {
  if (typeof name !== "string" || name.length === 0 || name.length > GLOB_LENGTH_MAX) return false;
  const folded = name.toLowerCase();
  const matches = (glob: string) => globMatches(glob.toLowerCase(), folded);
  if (rule.deny.some(matches)) return false;
  return rule.allow === null || rule.allow.some(matches);
}

/**
 * The ids of the catalog's plans whose rule for `kind` allows `name`, in catalog order: what a
 * 403 names, so the customer knows which plan to move to.
 *
 * @example
 * plansAllowing(catalog, "models", "anthropic/claude-sonnet-4"); // ["pro", "team"]
 */
export function plansAllowing(catalog: PlanCatalog, kind: "models" | "features", name: string): string[] {
  return catalog.plans.filter((plan) => allows(plan[kind], name)).map((plan) => plan.id);
}
