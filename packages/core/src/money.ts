/**
 * Money is a `bigint` count of a unit's minor units, everywhere. This module is the one
 * place that divides or rounds, and every rounding direction says in whose favour it goes.
 *
 * @example
 * divideRounding(7n, 2n, "up") // 4n: rounds in the operator's favour when charging
 * formatMinor(12345n, 2) // "123.45"
 */

/** How a quotient is rounded. `up`/`down` are towards +∞/−∞, whatever the sign. */
export type RoundingDirection =
  /** Towards +∞. Charging with `up` rounds in the operator's favour. */
  | "up"
  /** Towards −∞. Charging with `down` rounds in the customer's favour. */
  | "down"
  /** To nearest, ties to even (banker's rounding): favours nobody on average. */
  | "half_even";

/** Largest amount a single operation may move: a limit on everything, far from int8's edge. */
export const AMOUNT_MINOR_MAX = 10n ** 15n;

/** Largest balance an account may hold, so sums stay inside PostgreSQL's `bigint`. */
export const BALANCE_MINOR_MAX = 2n ** 62n;

/** Divides two integers, rounding in the named direction. The divisor must be positive. */
export function divideRounding(numerator: bigint, divisor: bigint, direction: RoundingDirection): bigint {
  if (divisor <= 0n) throw new RangeError(`divisor must be positive, got ${divisor}`);
  const quotient = numerator / divisor; // truncates towards zero
  const remainder = numerator % divisor;
  if (remainder === 0n) return quotient;
  const floor = numerator < 0n ? quotient - 1n : quotient;
  switch (direction) {
    case "down":
      return floor;
    case "up":
      return floor + 1n;
    case "half_even": {
      const twiceRemainder = 2n * (numerator - floor * divisor);
      if (twiceRemainder < divisor) return floor;
      if (twiceRemainder > divisor) return floor + 1n;
      return floor % 2n === 0n ? floor : floor + 1n;
    }
  }
}

/**
 * A non-negative amount as a decimal string in its one canonical form: digits with no leading
 * zero (but "0" itself), an optional fraction, no sign, no whitespace. "0001", "+5" and " 5"
 * are refused, never read as 1 or 5: an amount is written one way, so two requests for the
 * same amount look the same (to an idempotency key, a log, a reader).
 */
export const CANONICAL_AMOUNT = /^(0|[1-9]\d{0,18})(\.\d{1,18})?$/;

const DECIMAL = /^(-)?(0|[1-9]\d*)(?:\.(\d+))?$/;

/**
 * Parses a decimal string ("12.5") into minor units at `scale` decimal places. More
 * decimals than the scale holds is an error, never a silent rounding; so is any form but the
 * canonical one (a leading zero, a "+", whitespace).
 */
export function parseDecimalToMinor(text: string, scale: number): bigint {
  const match = DECIMAL.exec(text);
  if (!match) {
    throw new RangeError(`"${text}" is not a decimal number in canonical form (no leading zeros, "+" or spaces)`);
  }
  const [, sign, whole = "0", fraction = ""] = match;
  if (fraction.length > scale) {
    throw new RangeError(`"${text}" has ${fraction.length} decimal places; this unit has ${scale}`);
  }
  const minor = BigInt(whole + fraction.padEnd(scale, "0"));
  return sign ? -minor : minor;
}

/** Formats minor units as a decimal string with exactly `scale` decimal places. */
export function formatMinor(minor: bigint, scale: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? "-" : ""}${whole}${scale > 0 ? `.${fraction}` : ""}`;
}

/** Parses an integer string of minor units ("1500"), as amounts travel in JSON. */
export function parseMinor(text: string): bigint {
  if (!/^-?\d{1,19}$/.test(text)) throw new RangeError(`"${text}" is not an integer amount`);
  return BigInt(text);
}

export function minBigint(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function maxBigint(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
