import { type RoundingDirection, validateModelPrice } from "@tollgate/core";
import { assertFeatureName, definePricingConfig, type FeatureDefinition, type PricingConfig } from "@tollgate/metering";
import * as z from "zod";
import { amountMinor, amountText, rateText } from "./amounts.ts";
import { type ResolveContext, unitAt } from "./resolve-context.ts";
import { oneOf, settings } from "./settings.ts";

/** Limits on what a file may declare: a typo that repeats a block a thousand times is caught here. */
const FEATURES_MAX = 1000;
const MARKUPS_MAX = 1000;
const DESCRIPTION_LENGTH_MAX = 500;
const OUTPUT_TOKENS_MAX = 10_000_000;
const ROUNDINGS = ["up", "down", "half_even"] as const satisfies readonly RoundingDirection[];

const markupRate = rateText({ zero: true });

function markupTable(options: { lowerCase: boolean }) {
  // Calls are matched on lower-cased provider and model ids, so "GPT-4o" here would never apply.
  const key = options.lowerCase
    ? z.string().refine((name) => name === name.toLowerCase(), {
        error: (issue) =>
          `must be lower case ("${String(issue.input).toLowerCase()}"): models are matched in lower case`,
      })
    : z.string();
  return z
    .record(key, markupRate, { error: 'must be an object such as { "pro": "1.5" }' })
    .refine((table) => Object.keys(table).length <= MARKUPS_MAX, { error: `has more than ${MARKUPS_MAX} markups` });
}

const featureName = z.string().superRefine((name, ctx) => {
  try {
    assertFeatureName(name);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
  }
});

const featureSchema = settings(
  {
    unit: z.string({ error: "must be a unit name (a string)" }),
    cost: z
      .string({ error: 'must be a decimal string in the unit\'s scale such as "3" or "0.01" (never a JSON number)' })
      .pipe(amountText),
    description: z
      .string({ error: `must be a string of at most ${DESCRIPTION_LENGTH_MAX} characters` })
      .max(DESCRIPTION_LENGTH_MAX, { error: `must be a string of at most ${DESCRIPTION_LENGTH_MAX} characters` })
      .optional(),
  },
  'an object such as { "unit": "credits", "cost": "3" }',
);

/** A model price, checked by the price book's own validator so the file and `tollgate pricing set` agree. */
const fallbackPrice = z.unknown().transform((value, ctx) => {
  if (value === null) return null;
  try {
    return validateModelPrice(value);
  } catch (error) {
    ctx.issues.push({
      code: "custom",
      message: `${(error as Error).message} (USD per million tokens, e.g. { "input_mtok": "3", "output_mtok": "15" })`,
      input: value,
    });
    return z.NEVER;
  }
});

/**
 * The `pricing` section's shape (the first pass). Amounts are decimal strings whose scale is the
 * pricing unit's, checked by `resolvePricing`.
 *
 * @example
 * pricingSection.parse({ creditsPerUsd: "10000", markup: "2" })
 */
export const pricingSection = settings(
  {
    unit: z.string({ error: "must be a unit name (a string)" }).nullable().optional(),
    creditsPerUsd: rateText({ zero: false }).optional(),
    markup: z
      .union(
        [
          markupRate,
          settings(
            {
              default: markupRate.optional(),
              plans: markupTable({ lowerCase: false }).optional(),
              models: markupTable({ lowerCase: true }).optional(),
            },
            'a decimal string such as "2", or { "default", "plans", "models" }',
          ),
        ],
        { error: 'must be a decimal string such as "2", or { "default", "plans", "models" }' },
      )
      .optional(),
    rounding: oneOf(ROUNDINGS).optional(),
    minimumCharge: z
      .string({ error: 'must be a decimal string in the unit\'s scale such as "3" or "0.01" (never a JSON number)' })
      .pipe(amountText)
      .optional(),
    minimumAvailable: z
      .string({ error: 'must be a decimal string in the unit\'s scale such as "3" or "0.01" (never a JSON number)' })
      .pipe(amountText)
      .optional(),
    costSource: oneOf(["catalog", "provider_reported"]).optional(),
    fallbackPrice: fallbackPrice.optional(),
    chargeFailedCalls: z.boolean({ error: "must be true or false" }).optional(),
    defaultMaxOutputTokens: z
      .int({ error: `must be a whole number of tokens from 1 to ${OUTPUT_TOKENS_MAX}` })
      .min(1, { error: `must be a whole number of tokens from 1 to ${OUTPUT_TOKENS_MAX}` })
      .max(OUTPUT_TOKENS_MAX, { error: `must be a whole number of tokens from 1 to ${OUTPUT_TOKENS_MAX}` })
      .optional(),
    features: z
      .record(featureName, featureSchema, {
        error: 'must be an object such as { "generate_goal": { "unit": "credits", "cost": "3" } }',
      })
      .refine((features) => Object.keys(features).length <= FEATURES_MAX, {
        error: `has more than ${FEATURES_MAX} features`,
      })
      .optional(),
  },
  'an object such as { "unit": "tokens", "creditsPerUsd": "10000" }',
);

type PricingFields = z.output<typeof pricingSection>;

/**
 * The second pass over `pricing`: the unit is one of the file's, amounts are in its scale, each
 * feature's cost in its own unit's, and `markup.plans` names plans the file declares. Paths are
 * relative to the section.
 *
 * @example
 * resolvePricing({ unit: "usd", minimumCharge: "0.01" }, context).minimumChargeMinor // 1n at scale 2
 */
export function resolvePricing(
  section: PricingFields | undefined,
  context: ResolveContext & { defaultUnit: string },
): PricingConfig {
  if (section === undefined) return definePricingConfig();
  const unitName = section.unit ?? null;
  // No unit: the ledger's default, whose own check is `defaultUnit`'s.
  const unit =
    unitName === null
      ? (context.units.find((candidate) => candidate.unit === context.defaultUnit) ?? null)
      : unitAt(context, ["unit"], unitName);
  const scale = unit?.scale ?? 0;
  const overrides: NonNullable<Parameters<typeof definePricingConfig>[0]> = { unit: unitName };
  if (section.creditsPerUsd !== undefined) overrides.creditsPerUsd = section.creditsPerUsd;
  if (section.markup !== undefined) overrides.markup = resolveMarkup(section.markup, context);
  if (section.rounding !== undefined) overrides.rounding = section.rounding;
  if (section.minimumCharge !== undefined && unit) {
    overrides.minimumChargeMinor = amountMinor(context, ["minimumCharge"], section.minimumCharge, {
      scale,
      positive: false,
    });
  }
  if (section.minimumAvailable !== undefined && unit) {
    overrides.minimumAvailableMinor = amountMinor(context, ["minimumAvailable"], section.minimumAvailable, {
      scale,
      positive: false,
    });
  }
  if (section.costSource !== undefined) overrides.costSource = section.costSource;
  if (section.fallbackPrice !== undefined) overrides.fallbackPrice = section.fallbackPrice;
  if (section.chargeFailedCalls !== undefined) overrides.chargeFailedCalls = section.chargeFailedCalls;
  if (section.defaultMaxOutputTokens !== undefined) overrides.defaultMaxOutputTokens = section.defaultMaxOutputTokens;
  if (section.features !== undefined) overrides.features = resolveFeatures(section.features, context);
  return definePricingConfig(overrides);
}

/** `"2"` is shorthand for `{ "default": "2" }`. */
function resolveMarkup(markup: NonNullable<PricingFields["markup"]>, context: ResolveContext): PricingConfig["markup"] {
  if (typeof markup === "string") return { default: markup, plans: {}, models: {} };
  const plans = markup.plans ?? {};
  const { planIds } = context;
  if (planIds !== null) {
    for (const plan of Object.keys(plans)) {
      if (!planIds.has(plan)) {
        context.issue(["markup", "plans", plan], `is not a plan in plans (${[...planIds].join(", ")})`);
      }
    }
  }
  return { default: markup.default ?? "1", plans, models: markup.models ?? {} };
}

function resolveFeatures(
  features: NonNullable<PricingFields["features"]>,
  context: ResolveContext,
): Record<string, FeatureDefinition> {
  const result: Record<string, FeatureDefinition> = {};
  for (const [name, feature] of Object.entries(features)) {
    const unit = unitAt(context, ["features", name, "unit"], feature.unit);
    const definition: FeatureDefinition = {
      unit: feature.unit,
      costMinor: unit
        ? amountMinor(context, ["features", name, "cost"], feature.cost, { scale: unit.scale, positive: false })
        : 0n,
    };
    if (feature.description !== undefined) definition.description = feature.description;
    result[name] = definition;
  }
  return result;
}
