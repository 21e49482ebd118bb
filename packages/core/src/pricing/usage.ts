/**
 * What one AI call consumed, as its provider reported it, and what a model's usage costs.
 * The field names follow `@pydantic/genai-prices` so catalog prices apply without
 * translation: a total includes its parts (`inputTokens` counts cached tokens too,
 * `outputTokens` counts reasoning tokens too), and a part priced on its own is taken out of
 * its total before the total's price applies.
 *
 * @example
 * const usage: Usage = { inputTokens: 1200, cacheReadTokens: 1000, outputTokens: 300 };
 */
export interface Usage {
  /** Every input token, cached ones included. */
  inputTokens?: number;
  /** Input tokens read from the provider's prompt cache (part of `inputTokens`). */
  cacheReadTokens?: number;
  /** Input tokens written to the provider's prompt cache (part of `inputTokens`). */
  cacheWriteTokens?: number;
  /** Every output token, reasoning tokens included. */
  outputTokens?: number;
  /** Output tokens spent reasoning (part of `outputTokens`). */
  reasoningTokens?: number;
  /** Images generated. */
  images?: number;
  /** Seconds of audio, a decimal string ("12.5"): durations are not always whole. */
  audioSeconds?: string;
  /** Requests made; one call is one request unless the provider says otherwise. */
  requests?: number;
}

/**
 * The price keys Tollgate prices usage with, each in USD per its quantity: `_mtok` per
 * million tokens, `_kcount` per thousand, `_count` per one, `_hours` per hour of seconds.
 * All but `images_count` are `@pydantic/genai-prices`' own (its 0.1.8 catalog prices no
 * image count, so that key comes only from a deployment's own prices).
 */
export const PRICE_KEYS = [
  "input_mtok",
  "cache_read_mtok",
  "cache_write_mtok",
  "output_mtok",
  "output_reasoning_mtok",
  "images_count",
  "audio_hours",
  "requests_kcount",
] as const;

export type PriceKey = (typeof PRICE_KEYS)[number];

/**
 * One price: a decimal string of USD, or tiers chosen by the call's total input tokens
 * (the catalog's long-context prices): `base` applies up to the first tier's `start`, and
 * once `inputTokens` exceeds a tier's `start` that tier's price applies to every unit of
 * this key in the call (output too: the threshold is always the input). Tiers are listed in
 * ascending `start` order; `validateModelPrice` checks it.
 */
export type Price = string | { base: string; tiers: ReadonlyArray<{ start: number; price: string }> };

/**
 * A model's prices. A part with no price of its own (cache reads, cache writes, reasoning)
 * is priced as its total; images, audio and requests with no price cost nothing, as in the
 * catalog.
 */
export type ModelPrice = Readonly<Partial<Record<PriceKey, Price>>>;
