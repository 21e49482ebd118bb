import { PRICE_KEYS } from "@tollgate/core";
import { table } from "./output.ts";

/** A price as the HTTP API carries it: a decimal string, or a base with tiers above token counts. */
export type Price = string | { base: string; tiers: Array<{ start: number; price: string }> };

/** A model's price per key (`input_mtok`, …), as `/v1/prices` answers it. */
export type PriceJson = Record<string, Price>;

/** What each price key is per, for people reading a price. */
const PER: Record<(typeof PRICE_KEYS)[number], string> = {
  input_mtok: "USD per million input tokens",
  cache_read_mtok: "USD per million cache-read tokens",
  cache_write_mtok: "USD per million cache-write tokens",
  output_mtok: "USD per million output tokens",
  output_reasoning_mtok: "USD per million reasoning tokens",
  images_count: "USD per image",
  audio_hours: "USD per hour of audio",
  requests_kcount: "USD per thousand requests",
};

/**
 * "2.5", or "3; above 200000 input tokens 6" for a tiered price.
 *
 * @example
 * priceText({ base: "3", tiers: [{ start: 200000, price: "6" }] }) // "3; above 200000 input tokens 6"
 */
export function priceText(price: Price): string {
  if (typeof price === "string") return price;
  return [price.base, ...price.tiers.map((tier) => `above ${tier.start} input tokens ${tier.price}`)].join("; ");
}

/**
 * One aligned line per key the price sets, in the catalog's key order, with what it is per.
 *
 * @example
 * priceLines({ input_mtok: "2.5" }, "  ") // ["  input_mtok  2.5  USD per million input tokens"]
 */
export function priceLines(price: PriceJson, indent: string): string[] {
  const rows = PRICE_KEYS.flatMap((key) => {
    const value = price[key];
    return value === undefined ? [] : [[key, priceText(value), PER[key]]];
  });
  return rows.length === 0 ? [`${indent}(no price keys: every call is free)`] : table(rows, indent);
}

/**
 * A price on one line.
 *
 * @example
 * priceInline({ input_mtok: "2.5", output_mtok: "10" }) // "input_mtok 2.5, output_mtok 10"
 */
export function priceInline(price: PriceJson): string {
  return PRICE_KEYS.flatMap((key) => {
    const value = price[key];
    return value === undefined ? [] : [`${key} ${priceText(value)}`];
  }).join(", ");
}
