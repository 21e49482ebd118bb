import type { z } from "@hono/zod-openapi";
import { ApiError } from "../api-error.ts";

/**
 * A zod refinement that runs one of the domain's own checks of its input (they throw a
 * RangeError that says what is wrong), so a request the domain would refuse is a 400 naming
 * the field before the handler runs, and the rule is written once, where the domain keeps it.
 * A RangeError that escapes to the error handler is a programmer error (500): every route
 * checks its input here or with `refusedAs`.
 *
 * @example
 * UsageBody.superRefine(domainRule(["usage"], (body) => validateUsage(body.usage)))
 */
export function domainRule<T>(path: PropertyKey[], check: (value: T) => unknown) {
  return (value: T, context: z.RefinementCtx<T>): void => {
    try {
      check(value);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      // A copy: zod prefixes the issue's path in place as it bubbles up to the body.
      context.addIssue({ code: "custom", path: [...path], message: error.message });
    }
  };
}

/**
 * Runs a domain call whose RangeError is about the request (the shape of `messages`, which
 * only the tokenizer knows; a price already set for that instant) and answers it as a 400
 * naming `field`. For checks that cannot run in the schema.
 *
 * @example
 * const estimate = await refusedAs("messages", () => meter.estimateCall(call));
 */
export async function refusedAs<T>(field: string, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ApiError("invalid_request", `${field}: ${error.message}`, {
      fields: [{ field, message: error.message }],
    });
  }
}
