/**
 * Default prices from the catalog bundled in `@pydantic/genai-prices`, turned into Tollgate's
 * exact `ModelPrice`. The lookup mirrors genai-prices' `calcPrice` (version 0.1.8): the
 * provider by id (or its `provider_match`), the first model whose `match` logic accepts the
 * lower-cased id, then the provider's `fallback_model_providers` (one level deep), then all of
 * that again with a compact date in the id spelled out ("-20250514" → "-2025-05-14"); and the
 * conditional prices in force at `at`. Every catalog number becomes an exact decimal string
 * through its shortest round-trip text, and keys Tollgate does not price are dropped and named.
 *
 * Not mirrored: calcPrice's "litellm" provider id with a "provider/model" id (pass the real
 * provider), and its Groq Whisper rule that bills audio at 10 seconds at least (a provider's
 * billing rule about usage, not a price).
 *
 * The catalog is ~800 KB of data: it is loaded on the first lookup, not when a process
 * starts (most commands and many requests price nothing), so the lookups are asynchronous.
 *
 * @example
 * await catalogPrice({ provider: "openai", model: "gpt-4o", at: new Date() })
 * // { provider: "openai", model: "gpt-4o", modelName: "gpt 4o", contextWindow: 128000,
 * //   price: { input_mtok: "2.5", cache_read_mtok: "1.25", output_mtok: "10" },
 * //   droppedPriceKeys: ["storage_searches_kcount", "web_searches_kcount"] }
 */

import type { ModelPrice as GenaiModelPrice, MatchLogic, ModelInfo, Provider } from "@pydantic/genai-prices";
import {
  decimalFromNumber,
  type ModelPrice,
  PRICE_KEYS,
  type Price,
  type PriceKey,
  toExactDecimalString,
  validateModelPrice,
} from "@tollgate/core";

/** Which price to look up: a provider's model (ids as the caller or provider spells them) at an instant. */
export interface CatalogPriceQuery {
  readonly provider: string;
  readonly model: string;
  readonly at: Date;
}

/** A model's catalog prices in force at one instant, in Tollgate's terms. */
export interface CatalogPrice {
  /** The provider's catalog id, e.g. "openai" (also when a fallback provider had the model). */
  readonly provider: string;
  /** The catalog id of the model that matched, e.g. "gpt-4o" for "gpt-4o-2024-08-06". */
  readonly model: string;
  readonly modelName: string;
  readonly price: ModelPrice;
  readonly contextWindow?: number;
  /** Catalog price keys Tollgate does not price (e.g. "web_searches_kcount"), sorted. */
  readonly droppedPriceKeys: ReadonlyArray<string>;
}

const DAY_MS = 86_400_000;
const COMPACT_DATE = /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;
const TIME_OF_DAY = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * The catalog price of a provider's model at `at`, or null when the catalog knows neither the
 * provider nor the model (the caller answers `unknown_model_price`). Provider and model ids
 * are case-insensitive. A catalog entry that is not a valid price throws: that is a broken
 * catalog, not a missing price.
 *
 * @example
 * (await catalogPrice({ provider: "anthropic", model: "claude-sonnet-4-5", at: new Date() }))?.price.input_mtok
 * // { base: "3", tiers: [{ start: 200000, price: "6" }] }
 */
export async function catalogPrice({ provider, model, at }: CatalogPriceQuery): Promise<CatalogPrice | null> {
  if (Number.isNaN(at.getTime())) throw new RangeError("catalogPrice: `at` is an invalid Date");
  const match = matchModel(await genaiPrices(), provider, model);
  if (!match) return null;
  const { found, info } = match;
  const { price, droppedPriceKeys } = convertedPrice(pricesAt(info, at), `${found.id}/${info.id}`);
  return {
    provider: found.id,
    model: info.id,
    modelName: info.name ?? info.id,
    price,
    ...(info.context_window === undefined ? {} : { contextWindow: info.context_window }),
    droppedPriceKeys,
  };
}

type GenaiPrices = typeof import("@pydantic/genai-prices");
let loading: Promise<GenaiPrices> | undefined;

/** genai-prices, imported on first use: the module system keeps it, this keeps the promise. */
function genaiPrices(): Promise<GenaiPrices> {
  loading ??= import("@pydantic/genai-prices");
  return loading;
}

/** Most (provider, model) matches remembered: a limit on everything. */
const MATCH_CACHE_MAX = 10_000;
const matches = new Map<string, { found: Provider; info: ModelInfo } | null>();
const conversions = new WeakMap<GenaiModelPrice, { price: ModelPrice; droppedPriceKeys: string[] }>();

/**
 * The catalog entry of a provider's model. Matching walks a provider's models and their
 * patterns (OpenRouter has 701), so each answer is remembered: a charge's price lookup is
 * then a map read.
 */
function matchModel(
  catalog: GenaiPrices,
  provider: string,
  model: string,
): { found: Provider; info: ModelInfo } | null {
  const key = `${provider}\u0000${model}`;
  const cached = matches.get(key);
  if (cached !== undefined) return cached;
  const found = catalog.findProvider({ providerId: provider });
  const modelId = model.toLowerCase().trim();
  const spelledOut = modelId.replace(COMPACT_DATE, spellOutDate);
  const info = found
    ? (findModel(catalog, found, modelId) ??
      (spelledOut === modelId ? undefined : findModel(catalog, found, spelledOut)))
    : undefined;
  const match = found && info ? { found, info } : null;
  if (matches.size >= MATCH_CACHE_MAX) matches.clear();
  matches.set(key, match);
  return match;
}

/** A catalog price converted to exact decimals, once per catalog entry. */
function convertedPrice(catalog: GenaiModelPrice, name: string) {
  let converted = conversions.get(catalog);
  if (!converted) {
    converted = toModelPrice(catalog, name);
    conversions.set(catalog, converted);
  }
  return converted;
}

/** Forgets remembered matches: for tests that swap the catalog's data (`updatePrices`). */
export function clearCatalogCache(): void {
  matches.clear();
}

/**
 * The ids of the providers in the active catalog data. Asynchronous because genai-prices
 * exposes its provider list only through `waitForUpdate()`, which resolves to the bundled data
 * at once, or after a pending `updatePrices` download.
 *
 * @example
 * await catalogProviders() // ["anthropic", "arcee", ..., "openai", "openrouter", ...]
 */
export async function catalogProviders(): Promise<string[]> {
  const providers = await (await genaiPrices()).waitForUpdate();
  return (providers ?? []).map((provider) => provider.id);
}

/** A model the catalog prices: its provider's id, its own id and its display name. */
export interface CatalogModel {
  readonly provider: string;
  readonly model: string;
  readonly name: string;
}

/**
 * Every model of the active catalog data, in provider then model order (~1,700 today). What a
 * price list searches; a model's prices come from `catalogPrice`, which resolves dates.
 *
 * @example
 * (await catalogModels()).find((entry) => entry.model === "gpt-4o") // { provider: "openai", model: "gpt-4o", name: "gpt 4o" }
 */
export async function catalogModels(): Promise<CatalogModel[]> {
  const providers = await (await genaiPrices()).waitForUpdate();
  return (providers ?? [])
    .flatMap((provider) =>
      provider.models.map((info) => ({ provider: provider.id, model: info.id, name: info.name ?? info.id })),
    )
    .sort((a, b) => compareText(`${a.provider}/${a.model}`, `${b.provider}/${b.model}`));
}

/** Code point order, as the "C" collation and a cursor compare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * genai-prices' match logic: `equals`, `starts_with`, `ends_with` and `contains` compare
 * lower-cased; a `regex` is tested as written against the id (which `catalogPrice` has
 * lower-cased, as calcPrice does).
 *
 * @example
 * matchesLogic({ or: [{ equals: "gpt-4o" }, { starts_with: "gpt-4o-2024" }] }, "gpt-4o-2024-08-06") // true
 */
export function matchesLogic(logic: MatchLogic, modelId: string): boolean {
  const text = modelId.toLowerCase();
  if ("or" in logic) return logic.or.some((inner) => matchesLogic(inner, modelId));
  if ("and" in logic) return logic.and.every((inner) => matchesLogic(inner, modelId));
  if ("equals" in logic) return text === logic.equals.toLowerCase();
  if ("starts_with" in logic) return text.startsWith(logic.starts_with.toLowerCase());
  if ("ends_with" in logic) return text.endsWith(logic.ends_with.toLowerCase());
  if ("contains" in logic) return text.includes(logic.contains.toLowerCase());
  if ("regex" in logic) return new RegExp(logic.regex).test(modelId);
  return false;
}

function findModel(catalog: GenaiPrices, provider: Provider, modelId: string): ModelInfo | undefined {
  const own = provider.models.find((info) => matchesLogic(info.match, modelId));
  if (own) return own;
  for (const fallbackId of provider.fallback_model_providers ?? []) {
    const fallback = catalog.findProvider({ providerId: fallbackId });
    const info = fallback?.models.find((candidate) => matchesLogic(candidate.match, modelId));
    if (info) return info;
  }
  return undefined;
}

/** "-20250514" → "-2025-05-14", only when it is a real calendar date (as genai-prices does). */
function spellOutDate(compact: string, dash: string, year: string, month: string, day: string): string {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const real = date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
  return real ? `${dash}${year}-${month}-${day}` : compact;
}

/**
 * The prices in force at `at`, as genai-prices' resolver: the last entry whose constraint
 * holds wins (`start_date`: on or after that UTC midnight; `time_of_date`: within
 * [start, end) of the UTC day, wrapping past midnight when end < start), else the first.
 */
function pricesAt(info: ModelInfo, at: Date): GenaiModelPrice {
  if (!Array.isArray(info.prices)) return info.prices;
  const atMs = at.getTime();
  for (const { constraint, prices } of [...info.prices].reverse()) {
    if (constraint === undefined) return prices;
    if (constraint.type === "start_date") {
      if (atMs >= Date.parse(constraint.start_date)) return prices;
    } else if (constraint.type === "time_of_date") {
      const nowMs = ((atMs % DAY_MS) + DAY_MS) % DAY_MS;
      const startMs = timeOfDayMs(constraint.start_time);
      const endMs = timeOfDayMs(constraint.end_time);
      const within = endMs < startMs ? nowMs >= startMs || nowMs < endMs : nowMs >= startMs && nowMs < endMs;
      if (within) return prices;
    } else {
      throw new Error(`unknown price constraint for catalog model "${info.id}": ${JSON.stringify(constraint)}`);
    }
  }
  const first = info.prices[0];
  if (!first) throw new Error(`catalog model "${info.id}" has an empty list of prices`);
  return first.prices;
}

/**
 * A time of day ("00:30:00Z", "09:00:00.5+02:00") as milliseconds past UTC midnight. A Date
 * has millisecond resolution, so a finer fraction rounds up: `now >= start` and `now < end`
 * then compare exactly as with the full fraction (the catalog uses whole seconds anyway).
 */
function timeOfDayMs(text: string): number {
  const match = TIME_OF_DAY.exec(text);
  if (!match) throw new Error(`invalid time-of-day price constraint in the catalog: "${text}"`);
  const [, hours, minutes, seconds, fraction = "", zone, sign, zoneHours = "00", zoneMinutes = "00"] = match;
  const [h, m, s, zh, zm] = [hours, minutes, seconds, zoneHours, zoneMinutes].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (h > 23 || m > 59 || s > 59 || zh > 23 || zm > 59) {
    throw new Error(`invalid time-of-day price constraint in the catalog: "${text}"`);
  }
  const fractionMs = Number(fraction.slice(0, 3).padEnd(3, "0")) + (/[1-9]/.test(fraction.slice(3)) ? 1 : 0);
  const localMs = ((h * 60 + m) * 60 + s) * 1000 + fractionMs;
  const offsetMs = zone === "Z" ? 0 : (sign === "+" ? 1 : -1) * (zh * 60 + zm) * 60_000;
  return (localMs - offsetMs + DAY_MS) % DAY_MS;
}

function toModelPrice(catalog: GenaiModelPrice, name: string): { price: ModelPrice; droppedPriceKeys: string[] } {
  const price: Partial<Record<PriceKey, Price>> = {};
  const droppedPriceKeys: string[] = [];
  for (const [key, value] of Object.entries(catalog)) {
    if (value === undefined) continue;
    if (!isPriceKey(key)) {
      droppedPriceKeys.push(key);
      continue;
    }
    price[key] =
      typeof value === "number"
        ? exactDecimal(value)
        : {
            base: exactDecimal(value.base),
            tiers: [...value.tiers]
              .sort((a, b) => a.start - b.start)
              .map((tier) => ({ start: tier.start, price: exactDecimal(tier.price) })),
          };
  }
  try {
    return { price: validateModelPrice(price), droppedPriceKeys: droppedPriceKeys.sort() };
  } catch (error) {
    throw new Error(`the catalog's price for ${name} is invalid: ${(error as Error).message}`);
  }
}

function exactDecimal(value: number): string {
  return toExactDecimalString(decimalFromNumber(value));
}

function isPriceKey(key: string): key is PriceKey {
  return (PRICE_KEYS as ReadonlyArray<string>).includes(key);
}
