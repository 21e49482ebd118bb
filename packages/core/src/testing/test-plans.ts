import type { PackDefinition, PeriodRule, PlanAllocation, PlanDefinition } from "../plans/plan.ts";

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

/**
 * A pack definition for tests: 1,000 credits with a 12.5% bonus (a lot of 1,125), sold for $5.00,
 * never expiring; any field overridden.
 *
 * @example
 * const monthly = testPack({ expiresInMs: 30 * 86_400_000 });
 */
export function testPack(overrides: Partial<PackDefinition> = {}): PackDefinition {
  return {
    id: "starter",
    name: "Starter pack",
    unit: "credits",
    amountMinor: 1000n,
    bonusPercent: "12.5",
    expiresInMs: null,
    price: { amountMinor: 500n, currency: "usd" },
    stripePriceId: null,
    ...overrides,
  };
}
