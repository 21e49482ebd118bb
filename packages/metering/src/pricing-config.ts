import type { ModelPrice, RoundingDirection } from "@tollgate/core";

/**
 * How a deployment turns what a call cost its provider into what it charges: the rules
 * every in-house credit system hard-codes, as configuration. Decimal strings, never floats.
 *
 * @example
 * // a chat app: 2x markup, 1 USD = 10,000 tokens, OpenRouter's reported cost preferred
 * definePricingConfig({ unit: "tokens", creditsPerUsd: "10000", markup: { default: "2" }, costSource: "provider_reported" })
 */
export interface PricingConfig {
  /** The unit model calls are charged in; the ledger's default unit when absent. */
  unit: string | null;
  /** How many of `unit` one USD buys ("10000"; "1000" when 1 token = $0.001; "1" for a USD unit). */
  creditsPerUsd: string;
  /** Multiplies the provider's cost. The most specific applies: model, then plan, then default. */
  markup: {
    default: string;
    /** By plan id. */
    plans: Readonly<Record<string, string>>;
    /** By `provider/model` or by model alone. */
    models: Readonly<Record<string, string>>;
  };
  /** One rounding, after markup and conversion; `up` rounds in the operator's favour. */
  rounding: RoundingDirection;
  /** The least a charged call costs, in the unit's minor units. */
  minimumChargeMinor: bigint;
  /** The least that must be available to start a call: a hold needs its estimate or this, whichever is larger (a pay-as-you-go chat: $0.01). */
  minimumAvailableMinor: bigint;
  /**
   * `catalog` prices usage from the price book; `provider_reported` uses the cost the
   * provider reports with the response (OpenRouter's `usage.cost`) when there is one.
   */
  costSource: "catalog" | "provider_reported";
  /** Prices for a model the price book does not know; null fails closed (`unknown_model_price`). */
  fallbackPrice: ModelPrice | null;
  /** Charge failed calls what the provider billed for them (default: record, charge nothing). */
  chargeFailedCalls: boolean;
  /** The output bound of an estimate when the request sets no `max_tokens`. */
  defaultMaxOutputTokens: number;
  /** Features with a fixed cost, written to the database when the deployment starts. */
  features: Readonly<Record<string, FeatureDefinition>>;
}

export interface FeatureDefinition {
  unit: string;
  costMinor: bigint;
  description?: string;
}

export const DEFAULT_PRICING_CONFIG: PricingConfig = Object.freeze({
  unit: null,
  creditsPerUsd: "1000",
  markup: Object.freeze({ default: "1", plans: Object.freeze({}), models: Object.freeze({}) }),
  rounding: "up",
  minimumChargeMinor: 0n,
  minimumAvailableMinor: 0n,
  costSource: "catalog",
  fallbackPrice: null,
  chargeFailedCalls: false,
  defaultMaxOutputTokens: 4096,
  features: Object.freeze({}),
});

type PricingOverrides = Partial<Omit<PricingConfig, "markup">> & { markup?: Partial<PricingConfig["markup"]> };

/** Fills the defaults and freezes the result. */
export function definePricingConfig(overrides: PricingOverrides = {}): PricingConfig {
  const markup = Object.freeze({ ...DEFAULT_PRICING_CONFIG.markup, ...overrides.markup });
  return Object.freeze({ ...DEFAULT_PRICING_CONFIG, ...overrides, markup });
}

/** The markup for a call: the model's, else the plan's, else the default. */
export function markupFor(
  config: PricingConfig,
  call: { provider: string; model: string; plan?: string | null },
): string {
  const { markup } = config;
  return (
    markup.models[`${call.provider}/${call.model}`] ??
    markup.models[call.model] ??
    (call.plan ? markup.plans[call.plan] : undefined) ??
    markup.default
  );
}
