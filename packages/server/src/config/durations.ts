import * as z from "zod";
import { DURATION_PATTERN, parseDuration } from "../duration.ts";

/**
 * A duration as the file writes it, with its unit ("30d", "10m", "500ms"), read into
 * milliseconds. A bare number is refused: its unit would be a guess.
 *
 * @example
 * durationMs('"30d" or "10m"').parse("30d") // 2_592_000_000
 */
export function durationMs(example: string) {
  return z
    .string({ error: `must be a duration string such as ${example}` })
    .regex(DURATION_PATTERN, {
      error: (issue) => `"${String(issue.input)}" is not a duration; write it like 30d, 12h, 15m, 45s or 500ms`,
    })
    .transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch (error) {
        ctx.issues.push({ code: "custom", message: (error as Error).message, input: text });
        return z.NEVER;
      }
    });
}
