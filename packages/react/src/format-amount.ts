/**
 * An API amount (a decimal string) for people: the whole part grouped in the reader's locale,
 * the decimals kept exactly as the server wrote them (no floating point on the way).
 *
 * @example
 * formatAmount("1234567.50", "en-US") // "1,234,567.50"
 */
export function formatAmount(text: string, locale?: string): string {
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!match) return text;
  const whole = BigInt(match[2] ?? "0").toLocaleString(locale);
  const decimalSeparator = (1.5).toLocaleString(locale).charAt(1);
  const fraction = match[3] ? `${decimalSeparator}${match[3].slice(1)}` : "";
  return `${match[1]}${whole}${fraction}`;
}

/** A date for people, in the reader's locale and time zone. */
export function formatDate(iso: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(iso));
}
