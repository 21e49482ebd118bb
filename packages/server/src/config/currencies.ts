/**
 * Currencies whose smallest unit is the whole unit (an amount of 500 is ¥500), as Stripe lists
 * them (stripe.com/docs/currencies#zero-decimal). A price in one of these is written without
 * decimals.
 */
export const ZERO_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set([
  "bif",
  "clp",
  "djf",
  "gnf",
  "jpy",
  "kmf",
  "krw",
  "mga",
  "pyg",
  "rwf",
  "ugx",
  "vnd",
  "vuv",
  "xaf",
  "xof",
  "xpf",
]);

/** Currencies with three decimals (ISO 4217; Stripe lists the same five). */
export const THREE_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

/**
 * How many decimals a currency's minor unit has: 2 for most, 0 for the zero-decimal ones.
 *
 * @example
 * currencyScale("eur") // 2; currencyScale("jpy") // 0
 */
export function currencyScale(currency: string): number {
  if (ZERO_DECIMAL_CURRENCIES.has(currency)) return 0;
  if (THREE_DECIMAL_CURRENCIES.has(currency)) return 3;
  return 2;
}
