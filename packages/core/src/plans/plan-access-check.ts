import type { AccountState, BatchContext } from "../account-state.ts";
import { type Failure, fail } from "../result-codes.ts";
import { allows, plansAllowing } from "./access.ts";
import type { PlanCatalog, PlanDefinition } from "./plan.ts";
import { planInForce } from "./subscription.ts";

/** What a spend pays for, as far as the caller knows it (metering knows both for a model call). */
export interface SpendSubject {
  model?: string | undefined;
  feature?: string | undefined;
}

/**
 * Refuses a spend (hold, charge, deduction) the account's plan does not allow. Run inside the
 * batch, under the account's row lock, on the subscription loaded there, so a plan change racing
 * the spend is decided exactly. No plan in force (none, or canceled), or nothing named: no
 * restriction. See `planAccessRefusal` for the failure.
 *
 * @example
 * const refused = checkPlanAccess(ctx, state, { model: "openai/o1-preview" });
 */
export function checkPlanAccess(ctx: BatchContext, state: AccountState, subject: SpendSubject): Failure | null {
  return planAccessRefusal(planInForce(state.subscription), subject, ctx.catalog);
}

/**
 * `plan`'s refusal of what a spend pays for: the feature first, then the model; null when it
 * allows both or there is no plan. The failure names what it refused, the plan and, given the
 * deployment's catalog, the plans that would allow it (what `/v1/check` answers too).
 *
 * @example
 * planAccessRefusal(free, { model: "openai/o1-preview" }, catalog);
 * // { ok: false, code: "model_not_in_plan", details: { model: "openai/o1-preview", plan: "free", plans: ["pro"], message } }
 */
export function planAccessRefusal(
  plan: PlanDefinition | null,
  subject: SpendSubject,
  catalog?: PlanCatalog,
): Failure | null {
  if (!plan) return null;
  if (subject.feature !== undefined && !allows(plan.features, subject.feature)) {
    return fail("feature_not_in_plan", {
      feature: subject.feature,
      plan: plan.id,
      message: `the plan "${plan.id}" does not include the feature "${subject.feature}"`,
      ...(catalog ? { plans: plansAllowing(catalog, "features", subject.feature) } : {}),
    });
  }
  if (subject.model !== undefined && !allows(plan.models, subject.model)) {
    return fail("model_not_in_plan", {
      model: subject.model,
      plan: plan.id,
      message: `the plan "${plan.id}" does not include the model "${subject.model}"`,
      ...(catalog ? { plans: plansAllowing(catalog, "models", subject.model) } : {}),
    });
  }
  return null;
}
