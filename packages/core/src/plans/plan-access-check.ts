import type { AccountState, BatchContext } from "../account-state.ts";
import { type Failure, fail } from "../result-codes.ts";
import { allows, plansAllowing } from "./access.ts";
import { planInForce } from "./subscription.ts";

/** What a spend pays for, as far as the caller knows it (metering knows both for a model call). */
export interface SpendSubject {
  model?: string | undefined;
  feature?: string | undefined;
}

/**
 * Refuses a spend (hold, charge, deduction) the account's plan does not allow: the feature first,
 * then the model. Run inside the batch, under the account's row lock, on the subscription loaded
 * there, so a plan change racing the spend is decided exactly. No plan in force (none, or
 * canceled), or nothing named: no restriction. The failure names the plan that refused and, when
 * the batch knows the deployment's catalog, the plans that would allow it.
 *
 * @example
 * const refused = checkPlanAccess(ctx, state, { model: "openai/o1-preview" });
 * // { ok: false, code: "model_not_in_plan", details: { model: "openai/o1-preview", plan: "free", plans: ["pro"] } }
 */
export function checkPlanAccess(ctx: BatchContext, state: AccountState, subject: SpendSubject): Failure | null {
  const plan = planInForce(state.subscription);
  if (!plan) return null;
  if (subject.feature !== undefined && !allows(plan.features, subject.feature)) {
    return fail("feature_not_in_plan", {
      feature: subject.feature,
      plan: plan.id,
      message: `the plan "${plan.id}" does not include the feature "${subject.feature}"`,
      ...(ctx.catalog ? { plans: plansAllowing(ctx.catalog, "features", subject.feature) } : {}),
    });
  }
  if (subject.model !== undefined && !allows(plan.models, subject.model)) {
    return fail("model_not_in_plan", {
      model: subject.model,
      plan: plan.id,
      message: `the plan "${plan.id}" does not include the model "${subject.model}"`,
      ...(ctx.catalog ? { plans: plansAllowing(ctx.catalog, "models", subject.model) } : {}),
    });
  }
  return null;
}
