import { ACCOUNT_TYPES, checkPlanDefinition, type PlanCatalog, type Unit } from "@tollgate/core";

/**
 * Checks a catalog before anything of it is stored: every plan as the ledger needs it
 * (`checkPlanDefinition`), every default plan defined, and a guest's default free (guests cannot
 * purchase, so a priced plan could never be theirs). A RangeError names the first problem, so a
 * server refuses to start on a catalog it could not honour rather than failing each signup.
 *
 * @example
 * assertPlanCatalog(config.plans, { units: ledger.units, now: new Date() });
 */
export function assertPlanCatalog(catalog: PlanCatalog, context: { units: ReadonlyMap<string, Unit>; now: Date }) {
  for (const plan of catalog.plans) {
    const refused = checkPlanDefinition(plan, context);
    if (refused) throw new RangeError(`plan "${plan.id}": ${refused.details.message ?? refused.code}`);
  }
  for (const [type, planId] of Object.entries(catalog.defaultPlans)) {
    if (!(ACCOUNT_TYPES as readonly string[]).includes(type)) {
      throw new RangeError(`a default plan is given for "${type}", which is not an account type`);
    }
    const plan = catalog.plans.find((candidate) => candidate.id === planId);
    if (!plan) throw new RangeError(`the default plan for ${type} accounts, "${planId}", is not a defined plan`);
    if (type === "guest" && plan.price !== null) {
      throw new RangeError(`the default plan for guests, "${planId}", has a price: guests may have free plans only`);
    }
  }
}
