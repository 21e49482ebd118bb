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
  greatestCommonDivisor,
  multiplyRational,
  parseDecimal,
  parseNonNegativeDecimal,
  type Rational,
  rational,
} from "./decimal.ts";
import { type ModelPrice, PRICE_KEYS, type PriceKey, type Usage } from "./usage.ts";

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
  if (usage.audioSeconds !== undefined) parseNonNegativeDecimal("usage.audioSeconds", usage.audioSeconds);
  // Two safe integers may sum past 2^53, where a number comparison is unreliable: then in bigint.
  const cachedNumber = (usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0);
  const cached = Number.isSafeInteger(cachedNumber)
    ? cachedNumber
    : BigInt(usage.cacheReadTokens ?? 0) + BigInt(usage.cacheWriteTokens ?? 0);
  if (cached > (usage.inputTokens ?? 0)) {
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
  return new CostOfUsage(usage, compile(price));
}

/**
 * Every rate is an integer over the price's common denominator, so the sum needs no
 * normalizing until the end: one gcd per call, not one per operation. The share of each key
 * is built only when read (a usage event's snapshot), not on every quote.
 */
class CostOfUsage implements UsageCost {
  readonly totalUsd: Rational;
  #byPriceKey: Partial<Record<PriceKey, Rational>> | undefined;

  constructor(
    private readonly usage: Usage,
    private readonly compiled: CompiledPrice,
  ) {
    const scale = quantityScale(usage);
    let numerator = 0n;
    for (const rate of compiled.rates)
      numerator += leafQuantity(rate.key, usage, compiled, scale) * rateAt(rate, usage);
    this.totalUsd = rational(numerator, compiled.denominator * scale);
  }

  get byPriceKey(): Partial<Record<PriceKey, Rational>> {
    if (this.#byPriceKey) return this.#byPriceKey;
    const { usage, compiled } = this;
    const scale = quantityScale(usage);
    const shares: Partial<Record<PriceKey, Rational>> = {};
    for (const rate of compiled.rates) {
      const share = leafQuantity(rate.key, usage, compiled, scale) * rateAt(rate, usage);
      shares[rate.key] = rational(share, compiled.denominator * scale);
    }
    this.#byPriceKey = shares;
    return shares;
  }
}

/** A price parsed once: each key's rate per unit of quantity, over one common denominator. */
interface CompiledPrice {
  /** Whether each part has a price of its own (then it is taken out of its total). */
  cacheReadPriced: boolean;
  cacheWritePriced: boolean;
  reasoningPriced: boolean;
  denominator: bigint;
  rates: ReadonlyArray<{ key: PriceKey; base: bigint; tiers: ReadonlyArray<{ start: number; rate: bigint }> }>;
}

const compiledPrices = new WeakMap<ModelPrice, CompiledPrice>();

/**
 * Parses a price's decimals once per price object: the price book hands out the same
 * object for a model until its price changes, so a quote does no parsing.
 */
function compile(price: ModelPrice): CompiledPrice {
  const cached = compiledPrices.get(price);
  if (cached) return cached;
  const entries: Array<{ key: PriceKey; base: Rational; tiers: Array<{ start: number; rate: Rational }> }> = [];
  for (const key of PRICE_KEYS) {
    const keyPrice = price[key];
    if (keyPrice === undefined) continue;
    const perUnit = (text: string) => multiplyRational(PER_QUANTITY[key], parseDecimal(text));
    if (typeof keyPrice === "string") entries.push({ key, base: perUnit(keyPrice), tiers: [] });
    else {
      const tiers = [...keyPrice.tiers].sort((a, b) => a.start - b.start);
      entries.push({
        key,
        base: perUnit(keyPrice.base),
        tiers: tiers.map((tier) => ({ start: tier.start, rate: perUnit(tier.price) })),
      });
    }
  }
  const all = entries.flatMap((entry) => [entry.base, ...entry.tiers.map((tier) => tier.rate)]);
  const denominator = all.reduce(
    (lcm, rate) => (lcm / greatestCommonDivisor(lcm, rate.denominator)) * rate.denominator,
    1n,
  );
  const scaled = (rate: Rational) => rate.numerator * (denominator / rate.denominator);
  const compiled: CompiledPrice = {
    cacheReadPriced: price.cache_read_mtok !== undefined,
    cacheWritePriced: price.cache_write_mtok !== undefined,
    reasoningPriced: price.output_reasoning_mtok !== undefined,
    denominator,
    rates: entries.map((entry) => ({
      key: entry.key,
      base: scaled(entry.base),
      tiers: entry.tiers.map((tier) => ({ start: tier.start, rate: scaled(tier.rate) })),
    })),
  };
  compiledPrices.set(price, compiled);
  return compiled;
}

/** The rate that applies: the last tier whose `start` the call's total input tokens exceed, else the base. */
function rateAt(rate: CompiledPrice["rates"][number], usage: Usage): bigint {
  let applies = rate.base;
  const inputTokens = usage.inputTokens ?? 0;
  for (const tier of rate.tiers) if (inputTokens > tier.start) applies = tier.rate;
  return applies;
}

/**
 * A key's quantity as an integer over `quantityScale(usage)` (1 unless audio seconds have
 * decimals): a total less its parts that have a price of their own.
 */
function leafQuantity(key: PriceKey, usage: Usage, compiled: CompiledPrice, scale: bigint): bigint {
  switch (key) {
    case "input_mtok": {
      let tokens = BigInt(usage.inputTokens ?? 0);
      if (compiled.cacheReadPriced) tokens -= BigInt(usage.cacheReadTokens ?? 0);
      if (compiled.cacheWritePriced) tokens -= BigInt(usage.cacheWriteTokens ?? 0);
      return tokens * scale;
    }
    case "cache_read_mtok":
      return BigInt(usage.cacheReadTokens ?? 0) * scale;
    case "cache_write_mtok":
      return BigInt(usage.cacheWriteTokens ?? 0) * scale;
    case "output_mtok": {
      let tokens = BigInt(usage.outputTokens ?? 0);
      if (compiled.reasoningPriced) tokens -= BigInt(usage.reasoningTokens ?? 0);
      return tokens * scale;
    }
    case "output_reasoning_mtok":
      return BigInt(usage.reasoningTokens ?? 0) * scale;
    case "images_count":
      return BigInt(usage.images ?? 0) * scale;
    case "audio_hours":
      return usage.audioSeconds === undefined ? 0n : parseDecimal(usage.audioSeconds).numerator;
    case "requests_kcount":
      return BigInt(usage.requests ?? 1) * scale;
  }
}

/** The denominator every quantity is over: that of the audio seconds (1 for whole numbers). */
function quantityScale(usage: Usage): bigint {
  return usage.audioSeconds === undefined ? 1n : parseDecimal(usage.audioSeconds).denominator;
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
    parseNonNegativeDecimal(name, value);
    return;
  }
  if (!isRecord(value) || Object.keys(value).some((key) => key !== "base" && key !== "tiers")) {
    throw new RangeError(`${name} must be a decimal string or { base, tiers }, got ${describe(value)}`);
  }
  parseNonNegativeDecimal(`${name}.base`, value.base);
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
    parseNonNegativeDecimal(`${tierName}.price`, tier.price);
    previousStart = start;
  }
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
