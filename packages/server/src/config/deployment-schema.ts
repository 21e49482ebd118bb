import { ACCOUNT_TYPES, type LedgerConfig, type PlanCatalog, type PlanDefinition } from "@tollgate/core";
import type { PricingConfig } from "@tollgate/metering";
import * as z from "zod";
import { catalogId } from "./ids.ts";
import { ledgerShape, resolveLedger, resolveUnits } from "./ledger-section.ts";
import { packsSection, resolvePacks } from "./packs-section.ts";
import { plansSection, resolvePlans } from "./plans-section.ts";
import { pricingSection, resolvePricing } from "./pricing-section.ts";
import { contextOf } from "./resolve-context.ts";
import { keyedBy, settings } from "./settings.ts";
import { resolveWebhooks, type WebhookConfig, webhooksSection } from "./webhooks-section.ts";

/** Everything a deployment's configuration file sets: the ledger's rules, pricing, webhooks, plans and packs. */
export interface DeploymentConfig {
  ledger: LedgerConfig;
  pricing: PricingConfig;
  /** Outgoing webhooks: default low-balance thresholds, retries, timeout (docs/concepts/webhooks.md). */
  webhooks: WebhookConfig;
  /** What the deployment sells: plans, packs, and the plan each new account starts on. */
  plans: PlanCatalog;
}

/**
 * The file as written (the first pass): every field's shape, strict at every level. Its JSON
 * Schema is docs/reference/tollgate.config.schema.json.
 *
 * @example
 * deploymentFileSchema.safeParse({ units: [{ unit: "usd", scale: 2 }] }).success // true
 */
export const deploymentFileSchema = settings(
  {
    $schema: z.string({ error: "must be the path or URL of the JSON Schema (a string)" }).optional(),
    ...ledgerShape,
    pricing: pricingSection.optional(),
    webhooks: webhooksSection.optional(),
    plans: plansSection.optional(),
    packs: packsSection.optional(),
    defaultPlans: keyedBy(
      ACCOUNT_TYPES,
      "an account type",
      catalogId,
      'an object such as { "user": "free" }',
    ).optional(),
  },
  "an object",
);

/**
 * The file read into a `DeploymentConfig`: the first pass, then the second, which knows the
 * file's units and plans and checks what names them (a unit named is one of `units`, an amount
 * fits its unit's decimals, a default plan is one of `plans`).
 *
 * @example
 * deploymentSchema.parse({ plans: { free: { name: "Free", period: "month" } }, defaultPlans: { user: "free" } }).plans.defaultPlans // { user: "free" }
 */
export const deploymentSchema = deploymentFileSchema.transform((file, ctx): DeploymentConfig => {
  const root = contextOf(ctx, { units: [], planIds: null });
  const units = resolveUnits(file.units, root.issue);
  const planIds = file.plans === undefined ? null : new Set(Object.keys(file.plans));
  const context = contextOf(ctx, { units, planIds });
  const ledger = resolveLedger(file, context);
  const { defaultUnit } = ledger;
  const pricing = resolvePricing(file.pricing, { ...contextOf(ctx, { units, planIds }, ["pricing"]), defaultUnit });
  const webhooks = resolveWebhooks(file.webhooks, contextOf(ctx, { units, planIds }, ["webhooks"]));
  const plans = resolvePlans(file.plans, { ...context, defaultUnit });
  const packs = resolvePacks(file.packs, { ...context, defaultUnit });
  const defaultPlans = file.defaultPlans ?? {};
  for (const [type, plan] of Object.entries(defaultPlans)) {
    if (plan !== undefined && !planIds?.has(plan)) {
      context.issue(
        ["defaultPlans", type],
        `"${plan}" is not a plan in plans (${[...(planIds ?? [])].join(", ") || "none"})`,
      );
    }
  }
  return {
    ledger,
    pricing: withPlanMarkups(pricing, plans),
    webhooks,
    plans: Object.freeze({ plans, packs, defaultPlans: Object.freeze({ ...defaultPlans }) }),
  };
});

/**
 * A plan's own `markup` as the pricing's markup for that plan, unless `pricing.markup.plans`
 * names the plan too (the pricing section's table wins: it is where a pricing change is made).
 * It applies to the calls that name their plan (a usage event's `plan`): pricing runs before the
 * ledger's batch, where the account's subscription is read, so finding the plan itself would
 * cost every call a database read (docs/concepts/plans.md, "Markup").
 */
function withPlanMarkups(pricing: PricingConfig, plans: readonly PlanDefinition[]): PricingConfig {
  const fromPlans = Object.fromEntries(
    plans.flatMap((plan) => (plan.markup === null ? [] : [[plan.id, plan.markup] as const])),
  );
  if (Object.keys(fromPlans).length === 0) return pricing;
  const markup = Object.freeze({ ...pricing.markup, plans: Object.freeze({ ...fromPlans, ...pricing.markup.plans }) });
  return Object.freeze({ ...pricing, markup });
}
