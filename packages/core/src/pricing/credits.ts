/**
 * From a call's exact USD cost to what the customer pays, in the charging unit's minor units:
 * `costUsd × markup × creditsPerUsd × 10^unitScale`, computed exactly and rounded ONCE, in a
 * named direction, through money.ts. Rounding each factor would compound errors; rounding
 * once means the charge is within one minor unit of the exact product, in a known direction.
 *
 * @example
 * // A $0.0075 call, 1 token = $0.001, rounded up in the operator's favour: 7.5 → 8 tokens.
 * creditsForCost({ costUsd: parseDecimal("0.0075"), unitScale: 0, markup: "1", creditsPerUsd: "1000" }) // 8n
 */

import { divideRounding, maxBigint, type RoundingDirection } from "../money.ts";
import { compareRational, parseNonNegativeDecimal, type Rational, ZERO } from "./decimal.ts";

/** Largest `unitScale`: a unit with more decimal places than this is surely a mistake. */
export const UNIT_SCALE_MAX = 18;

/**
 * How a deployment turns USD into its credits: the price book's markup, conversion, rounding
 * and minimum charge. Immutable configuration; decimals are strings so no float enters.
 */
export interface PricingRule {
  /** Multiplier on the provider's cost, a decimal ≥ 0: "1" charges at cost, "2" doubles, "0.8" discounts. */
  readonly markup: string;
  /** How many of the unit 1 USD buys, a decimal > 0: "10000" tokens, "1000" credits, "1" for a `usd` unit. */
  readonly creditsPerUsd: string;
  /**
   * The one rounding into minor units. Default "up": towards +∞, in the operator's favour,
   * so a sliver of cost is never given away; "down" favours the customer; "half_even"
   * favours nobody on average.
   */
  readonly rounding?: RoundingDirection;
  /** Least a charged call pays, in minor units ≥ 0. Default 0n. */
  readonly minimumChargeMinor?: bigint;
  /**
   * Whether a call that cost nothing (a free model, zero usage, a failed call) still pays the
   * minimum. Default false: a customer pays for what was consumed, and a retry storm of
   * empty calls should not drain a balance. Set it for a per-call fee on everything.
   */
  readonly chargeMinimumOnZeroCost?: boolean;
}

/** What to price: the exact cost and the scale of the unit charged. */
export interface CreditsForCostOptions extends PricingRule {
  /** The call's exact cost in USD, ≥ 0 (from `costOfUsage`). */
  readonly costUsd: Rational;
  /** The charging unit's decimal places (0 for whole tokens, 6 for micro-dollars). */
  readonly unitScale: number;
}

/**
 * The charge in the unit's minor units: the exact product rounded once in `rounding`'s
 * direction, then raised to `minimumChargeMinor` when the call cost anything (or always,
 * with `chargeMinimumOnZeroCost`). Invalid options are a RangeError naming the option.
 *
 * @example
 * // A chat app: a $0.0001 call, markup 2, 1 USD = 10,000 tokens → 2 tokens.
 * creditsForCost({ costUsd: parseDecimal("0.0001"), unitScale: 0, markup: "2", creditsPerUsd: "10000" }) // 2n
 */
export function creditsForCost(options: CreditsForCostOptions): bigint {
  const { costUsd, unitScale, rounding = "up", minimumChargeMinor = 0n, chargeMinimumOnZeroCost = false } = options;
  if (compareRational(costUsd, ZERO) < 0) throw new RangeError("costUsd must not be negative");
  if (!Number.isSafeInteger(unitScale) || unitScale < 0 || unitScale > UNIT_SCALE_MAX) {
    throw new RangeError(`unitScale must be a whole number from 0 to ${UNIT_SCALE_MAX}, got ${unitScale}`);
  }
  if (minimumChargeMinor < 0n)
    throw new RangeError(`minimumChargeMinor must not be negative, got ${minimumChargeMinor}`);
  const markup = decimalOption("markup", options.markup);
  const creditsPerUsd = decimalOption("creditsPerUsd", options.creditsPerUsd);
  if (creditsPerUsd.numerator === 0n)
    throw new RangeError("creditsPerUsd must be above zero: 1 USD must buy something");

  // The exact product, unreduced: divideRounding is exact for any representation.
  const numerator =
    costUsd.numerator * markup.numerator * creditsPerUsd.numerator * (POWERS_OF_TEN[unitScale] as bigint);
  const denominator = costUsd.denominator * markup.denominator * creditsPerUsd.denominator;
  const chargeMinor = divideRounding(numerator, denominator, rounding);
  const paysMinimum = costUsd.numerator > 0n || chargeMinimumOnZeroCost;
  return paysMinimum ? maxBigint(chargeMinor, minimumChargeMinor) : chargeMinor;
}

const POWERS_OF_TEN = Array.from({ length: UNIT_SCALE_MAX + 1 }, (_, power) => 10n ** BigInt(power));

/** Parsed markups and conversions: a deployment has a handful, and every charge uses one. */
const parsedOptions = new Map<string, Rational>();
const PARSED_OPTIONS_MAX = 1000;

function decimalOption(name: string, text: string): Rational {
  const cached = parsedOptions.get(text);
  if (cached) return cached;
  const value = parseNonNegativeDecimal(name, text);
  if (parsedOptions.size >= PARSED_OPTIONS_MAX) parsedOptions.clear();
  parsedOptions.set(text, value);
  return value;
}
