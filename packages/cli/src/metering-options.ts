import { AMOUNT_MINOR_MAX, parseDecimalToMinor, type Unit } from "@tollgate/core";
import { invalidInput } from "./cli-error.ts";

/** A date (UTC midnight), or a date and time with its zone: a time without one would be read in local time. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * An ISO 8601 time given to `option` ("2026-03-01" or "2026-03-01T12:00:00Z"); absent stays
 * undefined, anything else is invalid input naming the option.
 *
 * @example
 * timeOption("2026-03-01T00:00:00Z", "--from") // Date
 */
export function timeOption(text: string | undefined, option: string): Date | undefined {
  if (text === undefined) return undefined;
  const at = new Date(text);
  if (!ISO_TIME.test(text) || Number.isNaN(at.getTime())) {
    throw invalidInput(
      `${option} must be an ISO 8601 date or time with its zone, such as 2026-03-01 or 2026-03-01T09:30:00Z; got "${text}"`,
    );
  }
  return at;
}

/**
 * A cost in the unit's scale ("3", "0.25"); zero is allowed (a free feature), a negative or
 * too precise one is invalid input naming the option.
 *
 * @example
 * costOption("0.25", { unit: "usd", scale: 2 }) // 25n
 */
export function costOption(text: string, unit: Unit, option = "--cost"): bigint {
  let minor: bigint;
  try {
    minor = parseDecimalToMinor(text, unit.scale);
  } catch (error) {
    throw invalidInput(`${option}: ${(error as Error).message}`);
  }
  if (minor < 0n) throw invalidInput(`${option} must not be negative; got "${text}"`);
  if (minor > AMOUNT_MINOR_MAX) throw invalidInput(`${option} is larger than one operation may move`);
  return minor;
}

/**
 * Runs a library call whose RangeError means the input was refused (a bad provider id, a
 * price in the past): that becomes invalid input naming the option, exit 2.
 *
 * @example
 * await refusingInput("--effective-from", () => meter.prices.setPrice(input));
 */
export async function refusingInput<T>(option: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RangeError) throw invalidInput(`${option}: ${error.message}`);
    throw error;
  }
}

/**
 * The same, for a synchronous check.
 *
 * @example
 * refusingInputNow("<name>", () => assertFeatureName(name));
 */
export function refusingInputNow<T>(option: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof RangeError) throw invalidInput(`${option}: ${error.message}`);
    throw error;
  }
}
