import type { PriceValue } from "../api/catalog-api.ts";

/** What each price key means, as the catalog prices it (USD per million tokens, per image, …). */
export const PRICE_KEY_LABELS: Record<string, string> = {
  input_mtok: "Input, per million tokens",
  cache_read_mtok: "Cache read, per million tokens",
  cache_write_mtok: "Cache write, per million tokens",
  output_mtok: "Output, per million tokens",
  input_audio_mtok: "Audio input, per million tokens",
  cache_audio_read_mtok: "Audio cache read, per million tokens",
  output_audio_mtok: "Audio output, per million tokens",
  requests_kcount: "Per thousand requests",
};

/** A price as text: the decimal itself, or its base and tiers ("3, 6 from 200000 tokens"). */
export function priceText(value: PriceValue | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return [value.base, ...value.tiers.map((tier) => `${tier.price} from ${tier.start} tokens`)].join(", ");
}
