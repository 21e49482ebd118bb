import * as z from "zod";

/**
 * Whether Intl knows `timeZone` (an IANA name such as "Europe/Paris", or "UTC"). Private to the
 * configuration until core's own check (plans/periods.ts) is merged.
 *
 * @example
 * isTimeZone("Europe/Paris") // true; isTimeZone("Mars/Olympus") // false
 */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * An IANA time zone, checked against the running Node's own list.
 *
 * @example
 * timeZoneText.parse("America/New_York")
 */
export const timeZoneText = z
  .string({ error: 'must be an IANA time zone such as "UTC" or "Europe/Paris"' })
  .max(64, { error: "must be at most 64 characters" })
  .refine(isTimeZone, {
    error: (issue) =>
      `"${String(issue.input)}" is not a time zone this Node knows (an IANA name such as "Europe/Paris")`,
  });
