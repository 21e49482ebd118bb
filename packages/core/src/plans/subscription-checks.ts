import type { AccountState, BatchContext } from "../account-state.ts";
import { AMOUNT_MINOR_MAX } from "../money.ts";
import type { SubscriptionOutcome } from "../operations.ts";
import { type Failure, fail, type Result, succeed } from "../result-codes.ts";
import { checkAmount } from "../rules/checks.ts";
import { balanceAfter } from "../rules/posting.ts";
import { periodContaining } from "./periods.ts";
import type { PlanDefinition } from "./plan.ts";
import { subscriptionView } from "./subscription.ts";

/** What a plan id looks like (the configuration's rule, and `plan_versions`' check). */
export const PLAN_ID_PATTERN = /^[a-z0-9_-]{1,64}$/;

/**
 * A plan version an operation names, checked before anything changes (see
 * `checkPlanDefinition`), and its version a positive integer (`invalid_plan`).
 */
export function checkPlan(ctx: BatchContext, plan: PlanDefinition, planVersion: number): Failure | null {
  const bad = checkPlanDefinition(plan, ctx);
  if (bad) return bad;
  if (!Number.isSafeInteger(planVersion) || planVersion < 1) {
    return fail("invalid_plan", { message: "a plan's stored version is a positive integer" });
  }
  return null;
}

/**
 * A plan definition as the ledger needs it: every allocation's unit exists (`unit_not_found`),
 * every amount and cap is from 0 to AMOUNT_MINOR_MAX (`invalid_amount`), its id is 1 to 64
 * lowercase letters, digits, `_` or `-`, and its period rule is one the period arithmetic
 * accepts (`invalid_plan`). The store checks it before storing a version, so a refused plan
 * leaves nothing behind; the configuration checks the rest when it is parsed.
 *
 * @example
 * checkPlanDefinition(plan, { units: ledger.units, now: new Date() }); // null, or the failure
 */
export function checkPlanDefinition(
  plan: PlanDefinition,
  context: { units: ReadonlyMap<string, unknown>; now: Date },
): Failure | null {
  for (const allocation of plan.allocations ?? []) {
    if (!context.units.has(allocation.unit)) {
      return fail("unit_not_found", {
        message: `plan "${plan.id}" allocates "${allocation.unit}", which is not a unit`,
      });
    }
  }
  for (const allocation of plan.allocations ?? []) {
    const bad = checkAmount(allocation.amountMinor, { allowZero: true });
    if (bad) return bad;
    const cap = allocation.rolloverCapMinor;
    if (cap !== null && (typeof cap !== "bigint" || cap < 0n || cap > AMOUNT_MINOR_MAX)) {
      return fail("invalid_amount", { message: `a rollover cap must be from 0 to ${AMOUNT_MINOR_MAX} minor units` });
    }
  }
  if (typeof plan.id !== "string" || !PLAN_ID_PATTERN.test(plan.id)) {
    return fail("invalid_plan", {
      message: `plan id "${plan.id}" must be 1 to 64 lowercase letters, digits, "_" or "-"`,
    });
  }
  try {
    // A rule the period arithmetic refuses (an unknown time zone or kind) is refused here, as a
    // result, before it is stored: renewal, which cannot refuse, then never meets it.
    periodContaining(plan.period, context.now, context.now);
  } catch (error) {
    return fail("invalid_plan", { message: error instanceof Error ? error.message : String(error) });
  }
  return null;
}

/** Per unit, what a plan allocates each period (several allocations of one unit add up). */
export function allocationByUnit(plan: PlanDefinition): Map<string, bigint> {
  const byUnit = new Map<string, bigint>();
  for (const allocation of plan.allocations) {
    byUnit.set(allocation.unit, (byUnit.get(allocation.unit) ?? 0n) + allocation.amountMinor);
  }
  return byUnit;
}

/**
 * Whether moving from `from` to `to` lowers what the account gets: some unit's allocation per
 * period (the sum of its allocations) is smaller. Units are not comparable with one another and
 * a display price may be absent (a free tier) or in another currency, so the allocations decide,
 * unit by unit; a change that lowers none is an upgrade, whatever it costs.
 *
 * @example
 * isDowngrade(pro, starter); // true: starter allocates fewer credits
 */
export function isDowngrade(from: PlanDefinition, to: PlanDefinition): boolean {
  const target = allocationByUnit(to);
  for (const [unit, amountMinor] of allocationByUnit(from)) {
    if ((target.get(unit) ?? 0n) < amountMinor) return true;
  }
  return false;
}

/** A subscription operation's success: the subscription as it now is and the balance of the plan's first unit. */
export function subscriptionSuccess(
  ctx: BatchContext,
  state: AccountState,
  transactionIds: string[],
): Result<SubscriptionOutcome> {
  const subscription = state.subscription;
  if (!subscription) throw new Error("subscriptionSuccess: the account has no subscription");
  const unit = subscription.plan.allocations[0]?.unit ?? ctx.config.defaultUnit;
  return succeed({ ...balanceAfter(state, unit), subscription: subscriptionView(subscription), transactionIds });
}

/** The failure for an account without a live subscription. */
export const noSubscription = (): Failure =>
  fail("subscription_not_found", { message: "the account has no active subscription" });
