import { z } from "@hono/zod-openapi";
import {
  type AccessRule,
  type DisplayPrice,
  formatMinor,
  type PackDefinition,
  type PlanDefinition,
  packLotAmountMinor,
  type SubscriptionView,
} from "@tollgate/core";
import type { Ledger, PlanVersionCount } from "@tollgate/store";
import { currencyScale } from "../../config/currencies.ts";
import { lookupKeyOf } from "../../stripe/stripe-lookup-keys.ts";
import { Amount } from "./schemas.ts";
import { unitScale } from "./unit-scale.ts";

const Price = z
  .object({
    amount: z.string().openapi({ description: "In the currency's decimals", example: "20.00" }),
    currency: z.string().openapi({ description: "ISO 4217, lower case", example: "usd" }),
  })
  .openapi("DisplayPrice");

const Access = z
  .object({
    allow: z.array(z.string()).nullable().openapi({ description: "Globs allowed; null: all" }),
    deny: z.array(z.string()).openapi({ description: "Globs refused even when allowed" }),
  })
  .openapi("AccessRule");

/** A configured plan as `GET /v1/plans` shows it: amounts in their unit's scale. */
export const PlanJson = z
  .object({
    id: z.string().openapi({ example: "pro" }),
    name: z.string(),
    version: z.number().int().openapi({ description: "The stored version new subscribers get" }),
    price: Price.nullable().openapi({ description: "The price shown to customers; null: free" }),
    stripePriceId: z
      .string()
      .nullable()
      .openapi({ description: "The Stripe price the configuration names; null: none set by hand" }),
    stripeLookupKey: z.string().nullable().openapi({
      description:
        "The lookup key of the Stripe price `tollgate stripe push` keeps for it (priced, and no stripePriceId set); null otherwise",
      example: "tollgate_plan_pro",
    }),
    period: z.object({
      every: z.enum(["day", "week", "month", "year"]),
      anchor: z.enum(["calendar", "anniversary"]),
      timeZone: z.string().openapi({ example: "UTC" }),
    }),
    allocations: z.array(
      z.object({
        unit: z.string(),
        amount: Amount,
        renewal: z.enum(["reset", "rollover"]),
        rolloverCap: Amount.nullable().openapi({ description: "Rollover only; null: no cap" }),
      }),
    ),
    models: Access,
    features: Access,
    overage: z.object({
      policy: z.enum(["block", "allow"]),
      unit: z.string().optional(),
      limit: Amount.optional().openapi({ description: "How far below zero available may go" }),
    }),
    markup: z.string().nullable(),
    downgrade: z.enum(["now", "period_end"]),
    cancel: z.enum(["now", "period_end"]),
  })
  .openapi("Plan");

/** A stored version of a plan with its live subscriber count. */
export const PlanVersionJson = z
  .object({
    version: z.number().int(),
    createdAt: z.string().openapi({ format: "date-time" }),
    subscribers: z.number().int().openapi({ description: "Subscriptions on it that are not canceled" }),
  })
  .openapi("PlanVersion");

/** A configured pack as `GET /v1/packs` shows it. */
export const PackJson = z
  .object({
    id: z.string().openapi({ example: "topup_1000" }),
    name: z.string(),
    unit: z.string(),
    amount: Amount.openapi({ description: "What the pack sells, before its bonus" }),
    bonusPercent: z.string().openapi({ example: "10" }),
    lotAmount: Amount.openapi({ description: "What one purchase grants: the amount plus the bonus, rounded down" }),
    expiresInMs: z.number().int().nullable().openapi({ description: "Lifetime of its lot; null: never expires" }),
    price: Price.nullable(),
    stripePriceId: z
      .string()
      .nullable()
      .openapi({ description: "The Stripe price the configuration names; null: none set by hand" }),
    stripeLookupKey: z.string().nullable().openapi({
      description:
        "The lookup key of the Stripe price `tollgate stripe push` keeps for it (priced, and no stripePriceId set); null otherwise",
      example: "tollgate_plan_pro",
    }),
  })
  .openapi("Pack");

/** A subscription: its plan by id and version, its current period, and what is pending. */
export const SubscriptionJson = z
  .object({
    id: z.string().openapi({ example: "sub_019a…" }),
    accountId: z.string(),
    plan: z.string(),
    planVersion: z.number().int(),
    status: z.enum(["active", "past_due", "canceled"]),
    anchorAt: z.string().openapi({ format: "date-time" }),
    periodStart: z.string().openapi({ format: "date-time" }),
    periodEnd: z.string().openapi({ format: "date-time" }),
    pendingChange: z
      .object({ plan: z.string(), planVersion: z.number().int() })
      .nullable()
      .openapi({ description: "A downgrade that applies when the period ends" }),
    cancelAtPeriodEnd: z.boolean(),
    canceledAt: z.string().nullable().openapi({ format: "date-time" }),
  })
  .openapi("Subscription");

type Units = Pick<Ledger, "units">;

const priceJson = (price: DisplayPrice | null) =>
  price && { amount: formatMinor(price.amountMinor, currencyScale(price.currency)), currency: price.currency };

/** Where checkout finds the item's Stripe price: set by hand, or kept by `stripe push` under its lookup key. */
const stripeJson = (
  kind: "plan" | "pack",
  item: { id: string; price: DisplayPrice | null; stripePriceId: string | null },
) => ({
  stripePriceId: item.stripePriceId,
  stripeLookupKey: item.price !== null && item.stripePriceId === null ? lookupKeyOf(kind, item.id) : null,
});

const accessJson = (rule: AccessRule) => ({ allow: rule.allow && [...rule.allow], deny: [...rule.deny] });

/**
 * A plan definition as the API shows it, with its current stored version.
 *
 * @example
 * planJson(ledger, pro, 2) // { id: "pro", version: 2, allocations: [{ unit: "credits", amount: "1000", … }], … }
 */
export function planJson(ledger: Units, plan: PlanDefinition, version: number): z.infer<typeof PlanJson> {
  const { overage } = plan;
  return {
    id: plan.id,
    name: plan.name,
    version,
    price: priceJson(plan.price),
    ...stripeJson("plan", plan),
    period: { ...plan.period },
    allocations: plan.allocations.map((allocation) => {
      const scale = unitScale(ledger, allocation.unit);
      return {
        unit: allocation.unit,
        amount: formatMinor(allocation.amountMinor, scale),
        renewal: allocation.renewal,
        rolloverCap: allocation.rolloverCapMinor === null ? null : formatMinor(allocation.rolloverCapMinor, scale),
      };
    }),
    models: accessJson(plan.models),
    features: accessJson(plan.features),
    overage:
      overage.policy === "block"
        ? { policy: "block" }
        : {
            policy: "allow",
            unit: overage.unit,
            limit: formatMinor(overage.limitMinor, unitScale(ledger, overage.unit)),
          },
    markup: plan.markup,
    downgrade: plan.downgrade,
    cancel: plan.cancel,
  };
}

/** A stored plan version and its subscribers, as the API shows it. */
export const planVersionJson = (count: PlanVersionCount): z.infer<typeof PlanVersionJson> => ({
  version: count.version,
  createdAt: count.createdAt.toISOString(),
  subscribers: count.subscribers,
});

/** A pack definition as the API shows it. */
export function packJson(ledger: Units, pack: PackDefinition): z.infer<typeof PackJson> {
  return {
    id: pack.id,
    name: pack.name,
    unit: pack.unit,
    amount: formatMinor(pack.amountMinor, unitScale(ledger, pack.unit)),
    bonusPercent: pack.bonusPercent,
    lotAmount: formatMinor(packLotAmountMinor(pack), unitScale(ledger, pack.unit)),
    expiresInMs: pack.expiresInMs,
    price: priceJson(pack.price),
    ...stripeJson("pack", pack),
  };
}

/** A subscription as the API shows it. */
export function subscriptionJson(accountId: string, view: SubscriptionView): z.infer<typeof SubscriptionJson> {
  return {
    id: view.subscriptionId,
    accountId,
    plan: view.planId,
    planVersion: view.planVersion,
    status: view.status,
    anchorAt: view.anchorAt.toISOString(),
    periodStart: view.periodStart.toISOString(),
    periodEnd: view.periodEnd.toISOString(),
    pendingChange: view.pendingChange && {
      plan: view.pendingChange.planId,
      planVersion: view.pendingChange.planVersion,
    },
    cancelAtPeriodEnd: view.cancelAtPeriodEnd,
    canceledAt: view.canceledAt?.toISOString() ?? null,
  };
}
