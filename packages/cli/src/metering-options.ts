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
 * Runs a library check whose RangeError means the input was refused (a bad provider id):
 * that becomes invalid input naming the option, exit 2.
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
