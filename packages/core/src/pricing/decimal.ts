/**
 * Exact rational numbers on `bigint`, for USD amounts that are smaller than any unit's minor
 * unit: $2.50 per million tokens makes one token cost $0.0000025, and a call's cost is a sum
 * of such products. Floats would drift; a rational keeps every digit until the one rounding
 * into minor units (`creditsForCost`), which goes through money.ts like every other rounding.
 *
 * @example
 * const price = parseDecimal("2.5"); // 5/2 USD per million tokens
 * const cost = multiplyRational(price, rational(1000n, 1_000_000n)); // 1/400 USD
 * toDecimalString(cost, 6, "up"); // "0.002500"
 */

import { divideRounding, formatMinor, type RoundingDirection } from "../money.ts";

/** A fraction in lowest terms with a positive denominator, so equal values are deep-equal. */
export interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/** Longest decimal text accepted: a limit on everything, far above any real price. */
export const DECIMAL_TEXT_LENGTH_MAX = 64;

/** Largest exponent magnitude accepted, so "1e999999999" cannot build a gigantic bigint. */
export const DECIMAL_EXPONENT_MAX = 60;

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

export const ZERO: Rational = Object.freeze({ numerator: 0n, denominator: 1n });

/**
 * Builds a normalized rational. A zero denominator is a programmer error.
 *
 * @example
 * rational(6n, -4n) // { numerator: -3n, denominator: 2n }
 */
export function rational(numerator: bigint, denominator = 1n): Rational {
  if (denominator === 0n) throw new RangeError("a rational's denominator must not be zero");
  const sign = denominator < 0n ? -1n : 1n;
  const divisor = greatestCommonDivisor(numerator, denominator);
  return Object.freeze({ numerator: (sign * numerator) / divisor, denominator: (sign * denominator) / divisor });
}

/**
 * Parses a decimal string, with an optional exponent: "2.5", "0.000001", "1e-7", "1.5E+3",
 * "-3". Anything else ("", ".5", "1,5", "0x10", " 1", "Infinity") is a RangeError naming the
 * text. A sign is accepted; whether a negative value makes sense is the caller's check.
 *
 * @example
 * parseDecimal("1.5E+3") // { numerator: 1500n, denominator: 1n }
 */
export function parseDecimal(text: string): Rational {
  const match = text.length <= DECIMAL_TEXT_LENGTH_MAX ? DECIMAL.exec(text) : null;
  if (!match) throw new RangeError(`"${text}" is not a decimal number (expected e.g. "2.5", "0.000001" or "1e-7")`);
  const [, sign, whole = "", fraction = "", exponentText = "0"] = match;
  if (Math.abs(Number(exponentText)) > DECIMAL_EXPONENT_MAX) {
    throw new RangeError(`"${text}" has an exponent beyond ±${DECIMAL_EXPONENT_MAX}`);
  }
  const exponent = Number(exponentText) - fraction.length;
  const digits = BigInt(whole + fraction) * (sign ? -1n : 1n);
  return exponent >= 0 ? rational(digits * 10n ** BigInt(exponent)) : rational(digits, 10n ** BigInt(-exponent));
}

/**
 * Reads a JS number (a catalog price) as the decimal it was written as: `String(n)` is the
 * shortest text that round-trips, so 0.15 becomes exactly 15/100, not the binary float
 * 0.1499999999999999944488848768742172978818416595458984375. This is the one place a float
 * is touched, and only to print it.
 *
 * @example
 * decimalFromNumber(0.15) // { numerator: 3n, denominator: 20n }
 */
export function decimalFromNumber(value: number): Rational {
  if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
  return parseDecimal(String(value));
}

/** @example addRational(rational(1n, 3n), rational(1n, 6n)) // 1/2 */
export function addRational(a: Rational, b: Rational): Rational {
  return rational(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator);
}

/** @example subtractRational(rational(1n, 2n), rational(1n, 3n)) // 1/6 */
export function subtractRational(a: Rational, b: Rational): Rational {
  return addRational(a, { numerator: -b.numerator, denominator: b.denominator });
}

/** @example multiplyRational(rational(5n, 2n), rational(1n, 1_000_000n)) // 1/400000 */
export function multiplyRational(a: Rational, b: Rational): Rational {
  return rational(a.numerator * b.numerator, a.denominator * b.denominator);
}

/** Returns -1, 0 or 1 as `a` is less than, equal to or greater than `b`. @example compareRational(ZERO, rational(1n)) // -1 */
export function compareRational(a: Rational, b: Rational): -1 | 0 | 1 {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** @example isZero(parseDecimal("0.000")) // true */
export function isZero(value: Rational): boolean {
  return value.numerator === 0n;
}

/**
 * Prints with exactly `scale` decimal places, no exponent and no trimmed zeros (so columns
 * line up and the precision is visible): the value is rounded once, by money.ts's
 * `divideRounding`, in the named direction.
 *
 * @example
 * toDecimalString(rational(7n, 20000n), 12, "up") // "0.000350000000"
 * toDecimalString(rational(1n, 3n), 4, "down") // "0.3333"
 */
export function toDecimalString(value: Rational, scale: number, direction: RoundingDirection): string {
  if (!Number.isSafeInteger(scale) || scale < 0) throw new RangeError(`scale must be a whole number ≥ 0, got ${scale}`);
  const scaled = divideRounding(value.numerator * 10n ** BigInt(scale), value.denominator, direction);
  return formatMinor(scaled, scale);
}

/**
 * Prints a value that has a finite decimal expansion with just the digits it needs
 * ("0.15", "3", "0.0000001"), for decimal strings stored in JSON. A value such as 1/3 has no
 * such expansion: that is a RangeError, never a silent rounding; use `toDecimalString`.
 *
 * @example
 * toExactDecimalString(decimalFromNumber(1e-7)) // "0.0000001"
 */
export function toExactDecimalString(value: Rational): string {
  let rest = value.denominator;
  let twos = 0;
  let fives = 0;
  for (; rest % 2n === 0n; rest /= 2n) twos += 1;
  for (; rest % 5n === 0n; rest /= 5n) fives += 1;
  if (rest !== 1n) {
    throw new RangeError(`${value.numerator}/${value.denominator} has no finite decimal expansion`);
  }
  return toDecimalString(value, Math.max(twos, fives), "down");
}

/** The greatest common divisor of two integers (1 for two zeros, so it always divides). */
export function greatestCommonDivisor(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

/**
 * A named decimal ≥ 0 (a price, a markup, a duration): a RangeError naming the field for
 * anything else.
 *
 * @example
 * parseNonNegativeDecimal("markup", "1.5") // 3/2
 */
export function parseNonNegativeDecimal(name: string, text: unknown): Rational {
  if (typeof text !== "string") throw new RangeError(`${name} must be a decimal string, got ${typeof text}`);
  let value: Rational;
  try {
    value = parseDecimal(text);
  } catch (error) {
    throw new RangeError(`${name}: ${(error as Error).message}`);
  }
  if (value.numerator < 0n) throw new RangeError(`${name} must not be negative, got "${text}"`);
  return value;
}
