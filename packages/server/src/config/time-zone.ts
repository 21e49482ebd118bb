import { assertTimeZone } from "@tollgate/core";
import * as z from "zod";

/** Whether core's period rules take `timeZone`: the same check a plan definition meets. */
function isTimeZone(timeZone: string): boolean {
  try {
    assertTimeZone(timeZone);
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
