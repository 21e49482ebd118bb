/**
 * From what a call consumed (`Usage`) and a model's prices (`ModelPrice`) to its exact cost in
 * USD. The semantics are `@pydantic/genai-prices`' `calcPrice`, restricted to Tollgate's price
 * keys, so a catalog price gives the catalog's cost, but computed on rationals: no float
 * touches the amount, and the one rounding happens later, into minor units (`credits.ts`).
 *
 * @example
 * costOfUsage({ inputTokens: 1000, outputTokens: 500 }, { input_mtok: "2.5", output_mtok: "10" })
 * // { totalUsd: 3/400 (= $0.0075), byPriceKey: { input_mtok: 1/400, output_mtok: 1/200 } }
 */

import {
  addRational,
  compareRational,
  multiplyRational,
  parseDecimal,
  type Rational,
  rational,
  subtractRational,
  ZERO,
} from "./decimal.ts";
import { type ModelPrice, PRICE_KEYS, type Price, type PriceKey, type Usage } from "./usage.ts";

/** A call's cost: the total and, for every key the price prices (zero included), its share. */
export interface UsageCost {
  readonly totalUsd: Rational;
  /** Sums to `totalUsd`; stored on the usage event so each charge can be explained. */
  readonly byPriceKey: Readonly<Partial<Record<PriceKey, Rational>>>;
}

/** Most tiers one price may have: a limit on everything (the catalog uses one). */
export const PRICE_TIERS_MAX = 16;

/** How much of a key's quantity one price applies to: per million tokens, per thousand requests, per hour of seconds. */
const PER_QUANTITY: Record<PriceKey, Rational> = {
  input_mtok: rational(1n, 1_000_000n),
  cache_read_mtok: rational(1n, 1_000_000n),
  cache_write_mtok: rational(1n, 1_000_000n),
  output_mtok: rational(1n, 1_000_000n),
  output_reasoning_mtok: rational(1n, 1_000_000n),
  images_count: rational(1n),
  audio_hours: rational(1n, 3600n),
  requests_kcount: rational(1n, 1000n),
};

/** A part's total: a part priced on its own is taken out of its total before the total's price applies. */
const TOTAL_OF_PART: Partial<Record<PriceKey, PriceKey>> = {
  cache_read_mtok: "input_mtok",
  cache_write_mtok: "input_mtok",
  output_reasoning_mtok: "output_mtok",
};

const COUNT_FIELDS = [
  "inputTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
  "outputTokens",
  "reasoningTokens",
  "images",
  "requests",
] as const;

/**
 * Checks a usage as a provider reported it; throws a RangeError naming the field (the HTTP
 * edge answers `invalid_request`). Counts are whole numbers ≥ 0, a part never exceeds its
 * total, `audioSeconds` is a decimal ≥ 0.
 *
 * @example
 * validateUsage({ inputTokens: 10, cacheReadTokens: 20 }) // RangeError: usage.cacheReadTokens + ...
 */
export function validateUsage(usage: Usage): void {
  for (const field of COUNT_FIELDS) {
    const value = usage[field];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new RangeError(`usage.${field} must be a whole number ≥ 0, got ${String(value)}`);
    }
  }
  if (usage.audioSeconds !== undefined) nonNegativeDecimal("usage.audioSeconds", usage.audioSeconds);
  // In bigint: two safe integers may sum past 2^53, where a number comparison is unreliable.
  const cached = BigInt(usage.cacheReadTokens ?? 0) + BigInt(usage.cacheWriteTokens ?? 0);
  if (cached > BigInt(usage.inputTokens ?? 0)) {
    throw new RangeError(
      `usage.cacheReadTokens + usage.cacheWriteTokens (${cached}) exceed usage.inputTokens (${usage.inputTokens ?? 0}): cached tokens are counted in the input too`,
    );
  }
  if ((usage.reasoningTokens ?? 0) > (usage.outputTokens ?? 0)) {
    throw new RangeError(
      `usage.reasoningTokens (${usage.reasoningTokens}) exceed usage.outputTokens (${usage.outputTokens ?? 0}): reasoning tokens are counted in the output too`,
    );
  }
}

/**
 * The exact USD cost of a usage at a price. The usage is validated (RangeError naming the
 * field); the price should have passed `validateModelPrice`, and its decimals are parsed
 * again here, so a malformed one throws rather than prices silently.
 *
 * @example
 * costOfUsage({ inputTokens: 1200, cacheReadTokens: 1000 }, { input_mtok: "3", cache_read_mtok: "0.3" })
 * // input leaf 200 × $3/M + 1000 × $0.3/M = $0.0009
 */
export function costOfUsage(usage: Usage, price: ModelPrice): UsageCost {
  validateUsage(usage);
  const reported = reportedQuantities(usage);
  const byPriceKey: Partial<Record<PriceKey, Rational>> = {};
  let totalUsd = ZERO;
  for (const key of PRICE_KEYS) {
    const keyPrice = price[key];
    if (keyPrice === undefined) continue;
    const unitPrice = multiplyRational(PER_QUANTITY[key], priceFor(keyPrice, reported.input_mtok));
    const cost = multiplyRational(unitPrice, leafQuantity(key, reported, price));
    byPriceKey[key] = cost;
    totalUsd = addRational(totalUsd, cost);
  }
  return { totalUsd, byPriceKey };
}

/**
 * Checks prices from configuration or the catalog and returns them typed: only Tollgate's
 * keys, decimal strings ≥ 0, tiers with whole `start`s in strictly ascending order, and no
 * part (cache read, cache write, reasoning) priced without its total, which would make the
 * rest of the input or output free (genai-prices rejects that too). Throws a RangeError.
 *
 * @example
 * validateModelPrice({ input_mtok: "2.5", output_mtok: "10" }) // returns it, typed
 * validateModelPrice({ web_searches_kcount: 10 }) // RangeError: unknown price key
 */
export function validateModelPrice(price: unknown): ModelPrice {
  if (!isRecord(price)) throw new RangeError(`a model price must be an object, got ${describe(price)}`);
  for (const [key, value] of Object.entries(price)) {
    if (!isPriceKey(key)) throw new RangeError(`unknown price key "${key}"; known keys: ${PRICE_KEYS.join(", ")}`);
    if (value !== undefined) validatePrice(`price.${key}`, value);
  }
  for (const [part, total] of Object.entries(TOTAL_OF_PART)) {
    if (price[part] !== undefined && price[total] === undefined) {
      throw new RangeError(`price.${part} is set but price.${total} is not: the rest of that total would be free`);
    }
  }
  return price as ModelPrice;
}

function validatePrice(name: string, value: unknown): void {
  if (typeof value === "string") {
    nonNegativeDecimal(name, value);
    return;
  }
  if (!isRecord(value) || Object.keys(value).some((key) => key !== "base" && key !== "tiers")) {
    throw new RangeError(`${name} must be a decimal string or { base, tiers }, got ${describe(value)}`);
  }
  nonNegativeDecimal(`${name}.base`, value.base);
  const tiers = value.tiers;
  if (!Array.isArray(tiers) || tiers.length === 0 || tiers.length > PRICE_TIERS_MAX) {
    throw new RangeError(`${name}.tiers must be an array of 1 to ${PRICE_TIERS_MAX} tiers`);
  }
  let previousStart = -1;
  for (const [index, tier] of tiers.entries()) {
    const tierName = `${name}.tiers[${index}]`;
    if (!isRecord(tier) || !Number.isSafeInteger(tier.start)) {
      throw new RangeError(`${tierName} must be { start: whole number, price: decimal string }`);
    }
    const start = tier.start as number;
    if (start <= previousStart) throw new RangeError(`${tierName}.start must be ≥ 0 and above the previous tier's`);
    nonNegativeDecimal(`${tierName}.price`, tier.price);
    previousStart = start;
  }
}

/** The price that applies: the last tier whose `start` the call's total input tokens exceed, else the base. */
function priceFor(price: Price, inputTokens: Rational): Rational {
  if (typeof price === "string") return parseDecimal(price);
  let applies = price.base;
  for (const tier of price.tiers) {
    if (compareRational(inputTokens, rational(BigInt(tier.start))) > 0) applies = tier.price;
  }
  return parseDecimal(applies);
}

/** A key's quantity less its parts that have a price of their own (charged at that price instead). */
function leafQuantity(key: PriceKey, reported: Record<PriceKey, Rational>, price: ModelPrice): Rational {
  let quantity = reported[key];
  for (const part of PRICE_KEYS) {
    if (TOTAL_OF_PART[part] === key && price[part] !== undefined) quantity = subtractRational(quantity, reported[part]);
  }
  return quantity;
}

/** Each key's reported quantity, before parts are taken out of totals. */
function reportedQuantities(usage: Usage): Record<PriceKey, Rational> {
  const count = (value: number | undefined) => rational(BigInt(value ?? 0));
  return {
    input_mtok: count(usage.inputTokens),
    cache_read_mtok: count(usage.cacheReadTokens),
    cache_write_mtok: count(usage.cacheWriteTokens),
    output_mtok: count(usage.outputTokens),
    output_reasoning_mtok: count(usage.reasoningTokens),
    images_count: count(usage.images),
    audio_hours: usage.audioSeconds === undefined ? ZERO : parseDecimal(usage.audioSeconds),
    requests_kcount: count(usage.requests ?? 1),
  };
}

function nonNegativeDecimal(name: string, text: unknown): Rational {
  if (typeof text !== "string") throw new RangeError(`${name} must be a decimal string, got ${describe(text)}`);
  let value: Rational;
  try {
    value = parseDecimal(text);
  } catch (error) {
    throw new RangeError(`${name}: ${(error as Error).message}`);
  }
  if (value.numerator < 0n) throw new RangeError(`${name} must not be negative, got "${text}"`);
  return value;
}

function isPriceKey(key: string): key is PriceKey {
  return (PRICE_KEYS as ReadonlyArray<string>).includes(key);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}
