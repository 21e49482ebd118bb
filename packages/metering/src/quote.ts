import {
  costOfUsage,
  creditsForCost,
  multiplyRational,
  parseDecimal,
  type Rational,
  rational,
  toDecimalString,
  toExactDecimalString,
  type Unit,
  type Usage,
} from "@tollgate/core";
import type { PriceSnapshot } from "@tollgate/store";
import type { ResolvedPrice } from "./price-book.ts";
import { priceSnapshot } from "./price-snapshot.ts";
import { markupFor, type PricingConfig } from "./pricing-config.ts";

/** What a model call costs the provider, and what it is charged, with the snapshot to explain it. */
export interface CallQuote {
  providerCostUsd: Rational;
  costSource: "catalog" | "override" | "fallback" | "provider_reported";
  unit: string;
  chargeMinor: bigint;
  /** The charge in USD at this quote's conversion: margin = chargedUsd - providerCostUsd. */
  chargedUsd: Rational;
  snapshot: PriceSnapshot;
}

/**
 * Prices one model call: the provider's cost from the price book (or the provider's own
 * report, when the deployment prefers it and there is one), then markup, conversion and one
 * rounding. Returns null when nothing prices the model: the caller fails closed.
 */
export function quoteModelCall(input: {
  config: PricingConfig;
  unit: Unit;
  provider: string;
  model: string;
  plan?: string | null;
  usage: Usage;
  price: ResolvedPrice | null;
  providerReportedCostUsd?: string | null;
}): CallQuote | null {
  const { config, unit, price } = input;
  const reported = input.providerReportedCostUsd ?? null;
  const useReported = config.costSource === "provider_reported" && reported !== null;
  if (!useReported && price === null) return null;
  const cost = useReported ? null : costOfUsage(input.usage, (price as ResolvedPrice).price);
  const providerCostUsd = useReported ? parseDecimal(reported) : (cost?.totalUsd ?? rational(0n));
  const markup = markupFor(config, input);
  const chargeMinor = creditsForCost({
    costUsd: providerCostUsd,
    unitScale: unit.scale,
    markup,
    creditsPerUsd: config.creditsPerUsd,
    rounding: config.rounding,
    minimumChargeMinor: config.minimumChargeMinor,
  });
  const perUsdMinor = multiplyRational(parseDecimal(config.creditsPerUsd), rational(10n ** BigInt(unit.scale)));
  const chargedUsd = multiplyRational(rational(chargeMinor), rational(perUsdMinor.denominator, perUsdMinor.numerator));
  return {
    providerCostUsd,
    costSource: useReported ? "provider_reported" : (price as ResolvedPrice).source,
    unit: unit.unit,
    chargeMinor,
    chargedUsd,
    snapshot: snapshotOf({ config, unit, price, provider: input.provider, model: input.model, markup }),
  };
}

const priceIds = new WeakMap<object, number>();
let lastPriceId = 0;

/**
 * What a quote was computed with: the prices, their source and start, and the rules. The
 * cost per price key is not kept: it follows from the usage and the prices.
 */
function snapshotOf(input: {
  config: PricingConfig;
  unit: Unit;
  price: ResolvedPrice | null;
  provider: string;
  model: string;
  markup: string;
}): PriceSnapshot {
  const { config, unit, price, markup } = input;
  let priceId = price ? priceIds.get(price.price) : 0;
  if (price && priceId === undefined) {
    priceId = ++lastPriceId;
    priceIds.set(price.price, priceId);
  }
  const effectiveFrom = price?.effectiveFrom?.toISOString() ?? null;
  const key = [priceId, input.provider, input.model, price?.source, effectiveFrom, markup, config.creditsPerUsd]
    .concat([unit.unit, String(unit.scale), config.rounding, config.minimumChargeMinor.toString()])
    .join("\u0000");
  return priceSnapshot(key, () => ({
    provider: input.provider,
    model: input.model,
    priceSource: price?.source ?? null,
    ...(price ? { prices: price.price } : {}),
    ...(effectiveFrom ? { effectiveFrom } : {}),
    markup,
    creditsPerUsd: config.creditsPerUsd,
    unit: unit.unit,
    scale: unit.scale,
    rounding: config.rounding,
    minimumChargeMinor: config.minimumChargeMinor.toString(),
  }));
}

/**
 * A USD amount as stored: exact when its decimal expansion ends (every token and request
 * price does), else rounded half-even at 18 places (a per-hour audio price over odd seconds).
 */
export function usdText(value: Rational): string {
  try {
    return toExactDecimalString(value);
  } catch {
    return toDecimalString(value, 18, "half_even");
  }
}
