import {
  AMOUNT_MINOR_MAX,
  compareRational,
  type LedgerConfig,
  parseDecimal,
  parseDecimalToMinor,
  type RoundingDirection,
  validateModelPrice,
  ZERO,
} from "@tollgate/core";
import { assertFeatureName, definePricingConfig, type FeatureDefinition, type PricingConfig } from "@tollgate/metering";
import { ConfigError } from "./config-error.ts";

const PRICING_KEYS = [
  "unit",
  "creditsPerUsd",
  "markup",
  "rounding",
  "minimumCharge",
  "minimumAvailable",
  "costSource",
  "fallbackPrice",
  "chargeFailedCalls",
  "defaultMaxOutputTokens",
  "features",
];
const MARKUP_KEYS = ["default", "plans", "models"];
const FEATURE_KEYS = ["unit", "cost", "description"];
const ROUNDINGS: readonly RoundingDirection[] = ["up", "down", "half_even"];
const COST_SOURCES: ReadonlyArray<PricingConfig["costSource"]> = ["catalog", "provider_reported"];
/** Limits on what a file may declare: a typo that repeats a block a thousand times is caught here. */
const FEATURES_MAX = 1000;
const MARKUPS_MAX = 1000;
const DESCRIPTION_LENGTH_MAX = 500;
const OUTPUT_TOKENS_MAX = 10_000_000;

type At = (path: string) => string;
type Units = LedgerConfig["units"];

/**
 * Turns the configuration file's `pricing` section into a `PricingConfig`, as strictly as the
 * ledger section: unknown keys are refused, amounts are decimal strings in their unit's scale
 * (`"0.01"` of a `usd` unit is 1 minor unit at scale 2), multipliers are decimal strings, and
 * every unit named must be one of the ledger's. Absent, it gives the defaults.
 *
 * @example
 * parsePricingConfig({ unit: "tokens", creditsPerUsd: "10000", markup: "2" }, { source: "tollgate.config.json", ledger })
 */
export function parsePricingConfig(json: unknown, options: { source: string; ledger: LedgerConfig }): PricingConfig {
  if (json === undefined) return definePricingConfig();
  const at: At = (path) => `${options.source}: pricing${path ? `.${path}` : ""}`;
  const root = asObject(json, at(""), 'an object such as { "unit": "tokens", "creditsPerUsd": "10000" }');
  refuseUnknownKeys(root, PRICING_KEYS, at);
  const { units } = options.ledger;
  const unit = parsePricingUnit(root.unit, units, at("unit"));
  const scale = unitScale(units, unit ?? options.ledger.defaultUnit);
  const overrides: NonNullable<Parameters<typeof definePricingConfig>[0]> = { unit };
  if (root.creditsPerUsd !== undefined) {
    overrides.creditsPerUsd = decimalText(root.creditsPerUsd, at("creditsPerUsd"), { zero: false });
  }
  if (root.markup !== undefined) overrides.markup = parseMarkup(root.markup, at);
  if (root.rounding !== undefined) overrides.rounding = oneOf(root.rounding, ROUNDINGS, at("rounding"));
  if (root.minimumCharge !== undefined) {
    overrides.minimumChargeMinor = amountMinor(root.minimumCharge, scale, at("minimumCharge"));
  }
  if (root.minimumAvailable !== undefined) {
    overrides.minimumAvailableMinor = amountMinor(root.minimumAvailable, scale, at("minimumAvailable"));
  }
  if (root.costSource !== undefined) overrides.costSource = oneOf(root.costSource, COST_SOURCES, at("costSource"));
  if (root.fallbackPrice !== undefined) overrides.fallbackPrice = parseFallbackPrice(root.fallbackPrice, at);
  if (root.chargeFailedCalls !== undefined) {
    if (typeof root.chargeFailedCalls !== "boolean")
      throw new ConfigError(at("chargeFailedCalls"), "must be true or false");
    overrides.chargeFailedCalls = root.chargeFailedCalls;
  }
  if (root.defaultMaxOutputTokens !== undefined) {
    const tokens = root.defaultMaxOutputTokens;
    if (!Number.isSafeInteger(tokens) || (tokens as number) < 1 || (tokens as number) > OUTPUT_TOKENS_MAX) {
      throw new ConfigError(
        at("defaultMaxOutputTokens"),
        `must be a whole number of tokens from 1 to ${OUTPUT_TOKENS_MAX}`,
      );
    }
    overrides.defaultMaxOutputTokens = tokens as number;
  }
  if (root.features !== undefined) overrides.features = parseFeatures(root.features, units, at);
  return definePricingConfig(overrides);
}

function parsePricingUnit(value: unknown, units: Units, where: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || !units.some((candidate) => candidate.unit === value)) {
    throw new ConfigError(where, `must be one of the units (${unitNames(units)})`);
  }
  return value;
}

/** `"2"` is shorthand for `{ "default": "2" }`. */
function parseMarkup(value: unknown, at: At): PricingConfig["markup"] {
  if (typeof value === "string")
    return { default: decimalText(value, at("markup"), { zero: true }), plans: {}, models: {} };
  const markup = asObject(value, at("markup"), 'a decimal string such as "2", or { "default", "plans", "models" }');
  refuseUnknownKeys(markup, MARKUP_KEYS, (key) => at(`markup.${key}`));
  return {
    default: markup.default === undefined ? "1" : decimalText(markup.default, at("markup.default"), { zero: true }),
    plans: parseMarkupTable(markup.plans, at("markup.plans"), { lowerCase: false }),
    models: parseMarkupTable(markup.models, at("markup.models"), { lowerCase: true }),
  };
}

function parseMarkupTable(value: unknown, where: string, options: { lowerCase: boolean }): Record<string, string> {
  if (value === undefined) return {};
  const table = asObject(value, where, 'an object such as { "pro": "1.5" }');
  const entries = Object.entries(table);
  if (entries.length > MARKUPS_MAX) throw new ConfigError(where, `has more than ${MARKUPS_MAX} markups`);
  const result: Record<string, string> = {};
  for (const [key, markup] of entries) {
    // Calls are matched on lower-cased provider and model ids, so "GPT-4o" here would never apply.
    if (options.lowerCase && key !== key.toLowerCase()) {
      throw new ConfigError(
        `${where}.${key}`,
        `must be lower case ("${key.toLowerCase()}"): models are matched in lower case`,
      );
    }
    result[key] = decimalText(markup, `${where}.${key}`, { zero: true });
  }
  return result;
}

function parseFallbackPrice(value: unknown, at: At): PricingConfig["fallbackPrice"] {
  if (value === null) return null;
  try {
    return validateModelPrice(value);
  } catch (error) {
    throw new ConfigError(
      at("fallbackPrice"),
      `${(error as Error).message} (USD per million tokens, e.g. { "input_mtok": "3", "output_mtok": "15" })`,
    );
  }
}

function parseFeatures(value: unknown, units: Units, at: At): Record<string, FeatureDefinition> {
  const features = asObject(
    value,
    at("features"),
    'an object such as { "generate_goal": { "unit": "credits", "cost": "3" } }',
  );
  const entries = Object.entries(features);
  if (entries.length > FEATURES_MAX) throw new ConfigError(at("features"), `has more than ${FEATURES_MAX} features`);
  const result: Record<string, FeatureDefinition> = {};
  for (const [name, item] of entries) {
    const where = (key: string) => at(`features.${name}${key ? `.${key}` : ""}`);
    try {
      assertFeatureName(name);
    } catch (error) {
      throw new ConfigError(where(""), (error as Error).message);
    }
    const feature = asObject(item, where(""), 'an object such as { "unit": "credits", "cost": "3" }');
    refuseUnknownKeys(feature, FEATURE_KEYS, where);
    const unit = units.find((candidate) => candidate.unit === feature.unit);
    if (!unit) throw new ConfigError(where("unit"), `must be one of the units (${unitNames(units)})`);
    const definition: FeatureDefinition = {
      unit: unit.unit,
      costMinor: amountMinor(feature.cost, unit.scale, where("cost")),
    };
    if (feature.description !== undefined) {
      if (typeof feature.description !== "string" || feature.description.length > DESCRIPTION_LENGTH_MAX) {
        throw new ConfigError(where("description"), `must be a string of at most ${DESCRIPTION_LENGTH_MAX} characters`);
      }
      definition.description = feature.description;
    }
    result[name] = definition;
  }
  return result;
}

/** A decimal string ≥ 0 (or > 0), exactly as written: a JSON number is refused so no float holds a rate. */
function decimalText(value: unknown, where: string, options: { zero: boolean }): string {
  if (typeof value !== "string") {
    throw new ConfigError(where, 'must be a decimal string such as "2" or "0.5" (never a JSON number)');
  }
  let sign: number;
  try {
    sign = compareRational(parseDecimal(value), ZERO);
  } catch (error) {
    throw new ConfigError(where, (error as Error).message);
  }
  if (sign < 0 || (sign === 0 && !options.zero))
    throw new ConfigError(where, options.zero ? "must not be negative" : "must be above zero");
  return value;
}

/** An amount in a unit's scale ("0.01" of usd at scale 2 → 1n), zero allowed, never rounded. */
function amountMinor(value: unknown, scale: number, where: string): bigint {
  if (typeof value !== "string") {
    throw new ConfigError(
      where,
      'must be a decimal string in the unit\'s scale such as "3" or "0.01" (never a JSON number)',
    );
  }
  let minor: bigint;
  try {
    minor = parseDecimalToMinor(value, scale);
  } catch (error) {
    throw new ConfigError(where, (error as Error).message);
  }
  if (minor < 0n || minor > AMOUNT_MINOR_MAX)
    throw new ConfigError(where, "must be from 0 to the largest amount one operation may move");
  return minor;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(where, `must be one of ${allowed.map((item) => `"${item}"`).join(", ")}`);
  }
  return value as T;
}

function refuseUnknownKeys(object: Record<string, unknown>, known: readonly string[], at: At): void {
  const unknown = Object.keys(object).find((key) => !known.includes(key));
  if (unknown !== undefined)
    throw new ConfigError(at(unknown), `is not a setting here; the settings are ${known.join(", ")}`);
}

function unitScale(units: Units, name: string): number {
  return units.find((candidate) => candidate.unit === name)?.scale ?? 0;
}

function unitNames(units: Units): string {
  return units.map((unit) => unit.unit).join(", ");
}

function asObject(value: unknown, where: string, expected: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ConfigError(where, `must be ${expected}`);
  return value as Record<string, unknown>;
}
