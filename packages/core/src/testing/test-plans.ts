import type { PeriodRule, PlanAllocation, PlanDefinition } from "../plans/plan.ts";

/**
 * A plan definition for tests: a monthly calendar plan in UTC granting 100 credits that reset,
 * free, open to every model and feature, downgrades and cancellations at period end; any field
 * overridden.
 *
 * @example
 * const daily = testPlan({ id: "daily", period: { every: "day", anchor: "calendar", timeZone: "Europe/Paris" } });
 */
export function testPlan(overrides: Partial<PlanDefinition> = {}): PlanDefinition {
  return {
    id: "basic",
    name: "Basic",
    period: { every: "month", anchor: "calendar", timeZone: "UTC" },
    allocations: [allocation({})],
    models: { allow: null, deny: [] },
    features: { allow: null, deny: [] },
    overage: { policy: "block" },
    markup: null,
    price: null,
    stripePriceId: null,
    downgrade: "period_end",
    cancel: "period_end",
    ...overrides,
  };
}

/** One allocation: 100 credits that reset, unless overridden. */
export function allocation(overrides: Partial<PlanAllocation>): PlanAllocation {
  return { unit: "credits", amountMinor: 100n, renewal: "reset", rolloverCapMinor: null, ...overrides };
}

/** A period rule, UTC unless told. */
export function every(
  kind: PeriodRule["every"],
  anchor: PeriodRule["anchor"] = "calendar",
  timeZone = "UTC",
): PeriodRule {
  return { every: kind, anchor, timeZone };
}
