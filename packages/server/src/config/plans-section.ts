import { PERIOD_KINDS, type PeriodRule, type PlanAllocation, type PlanDefinition } from "@tollgate/core";
import * as z from "zod";
import { accessRuleSchema } from "./access-rule.ts";
import { amountMinor, amountText, rateText } from "./amounts.ts";
import { catalogId } from "./ids.ts";
import { priceSchema, resolvePrice, stripePriceId } from "./price.ts";
import { type ResolveContext, unitAt } from "./resolve-context.ts";
import { oneOf, settings, text } from "./settings.ts";
import { timeZoneText } from "./time-zone.ts";

const PLANS_MAX = 200;
const changeTiming = oneOf(["period_end", "now"]);

const periodSchema = z.union(
  [
    oneOf(PERIOD_KINDS),
    settings(
      {
        every: oneOf(PERIOD_KINDS),
        anchor: oneOf(["calendar", "anniversary"]).default("calendar"),
        timeZone: timeZoneText.default("UTC"),
      },
      'an object such as { "every": "month", "anchor": "calendar", "timeZone": "UTC" }',
    ),
  ],
  { error: 'must be "day", "week", "month", "year" or { "every", "anchor", "timeZone" }' },
);

const allocationSchema = z.union(
  [
    amountText,
    settings(
      {
        amount: amountText,
        renewal: oneOf(["reset", "rollover"]).default("reset"),
        rolloverCap: amountText.optional(),
      },
      'an object such as { "amount": "1000", "renewal": "rollover", "rolloverCap": "500" }',
    ),
  ],
  { error: 'must be a decimal string such as "1000", or { "amount", "renewal", "rolloverCap" }' },
);

const overageSchema = z.union(
  [
    z.literal("block"),
    settings(
      { unit: z.string({ error: "must be a unit name (a string)" }).optional(), allow: amountText },
      'an object such as { "allow": "200" }',
    ),
  ],
  { error: 'must be "block" or { "allow": "200" } (optionally with a "unit")' },
);

const planSchema = settings(
  {
    name: text('a name such as "Pro"', 200),
    period: periodSchema,
    allocations: z
      .record(z.string(), allocationSchema, { error: 'must be an object such as { "credits": "1000" }' })
      .optional(),
    models: accessRuleSchema,
    features: accessRuleSchema,
    overage: overageSchema.default("block"),
    markup: rateText({ zero: true }).optional(),
    price: priceSchema.optional(),
    stripePriceId: stripePriceId.optional(),
    downgrade: changeTiming.default("period_end"),
    cancel: changeTiming.default("period_end"),
  },
  'an object such as { "name": "Pro", "period": "month", "allocations": { "credits": "1000" } }',
);

/**
 * The `plans` section's shape (the first pass): plans keyed by id.
 *
 * @example
 * plansSection.parse({ pro: { name: "Pro", period: "month", allocations: { credits: "1000" } } })
 */
export const plansSection = z
  .record(catalogId, planSchema, { error: "must be an object of plans keyed by plan id" })
  .refine((plans) => Object.keys(plans).length <= PLANS_MAX, { error: `has more than ${PLANS_MAX} plans` });

type PlanFields = z.output<typeof planSchema>;

/**
 * The second pass over `plans`: allocation and overage units are the file's, amounts fit their
 * unit's scale, a rollover cap only with `rollover`. Paths are from the file's root.
 *
 * @example
 * resolvePlans({ free: { name: "Free", period: "month", ... } }, context)[0].period // { every: "month", anchor: "calendar", timeZone: "UTC" }
 */
export function resolvePlans(
  plans: Record<string, PlanFields> | undefined,
  context: ResolveContext & { defaultUnit: string },
): PlanDefinition[] {
  return Object.entries(plans ?? {}).map(([id, plan]) => resolvePlan(id, plan, ["plans", id], context));
}

function resolvePlan(
  id: string,
  plan: PlanFields,
  path: readonly PropertyKey[],
  context: ResolveContext & { defaultUnit: string },
): PlanDefinition {
  const period: PeriodRule =
    typeof plan.period === "string" ? { every: plan.period, anchor: "calendar", timeZone: "UTC" } : plan.period;
  const allocations = Object.entries(plan.allocations ?? {}).flatMap(([unitName, allocation]) => {
    const at = [...path, "allocations", unitName];
    const unit = unitAt(context, at, unitName);
    return unit ? [resolveAllocation(unit, allocation, at, context)] : [];
  });
  let overage: PlanDefinition["overage"] = { policy: "block" };
  if (plan.overage !== "block") {
    const unitName = plan.overage.unit ?? allocations[0]?.unit ?? context.defaultUnit;
    const unit = unitAt(context, [...path, "overage", "unit"], unitName);
    const limitMinor = unit
      ? amountMinor(context, [...path, "overage", "allow"], plan.overage.allow, { scale: unit.scale, positive: false })
      : 0n;
    overage = { policy: "allow", unit: unitName, limitMinor };
  }
  return {
    id,
    name: plan.name,
    period,
    allocations,
    models: plan.models,
    features: plan.features,
    overage,
    markup: plan.markup ?? null,
    price: resolvePrice(plan.price, [...path, "price"], context),
    stripePriceId: plan.stripePriceId ?? null,
    downgrade: plan.downgrade,
    cancel: plan.cancel,
  };
}

function resolveAllocation(
  unit: { unit: string; scale: number },
  allocation: z.output<typeof allocationSchema>,
  path: readonly PropertyKey[],
  context: ResolveContext,
): PlanAllocation {
  const written = typeof allocation === "string" ? { amount: allocation, renewal: "reset" as const } : allocation;
  const amountPath = typeof allocation === "string" ? path : [...path, "amount"];
  const allocationMinor = amountMinor(context, amountPath, written.amount, { scale: unit.scale, positive: true });
  let rolloverCapMinor: bigint | null = null;
  if ("rolloverCap" in written && written.rolloverCap !== undefined) {
    if (written.renewal !== "rollover") {
      context.issue([...path, "rolloverCap"], 'applies only with "renewal": "rollover"');
    }
    rolloverCapMinor = amountMinor(context, [...path, "rolloverCap"], written.rolloverCap, {
      scale: unit.scale,
      positive: false,
    });
  }
  return { unit: unit.unit, amountMinor: allocationMinor, renewal: written.renewal, rolloverCapMinor };
}
