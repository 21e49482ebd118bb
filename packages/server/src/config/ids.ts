import { PLAN_ID_PATTERN } from "@tollgate/core";
import * as z from "zod";

/**
 * A plan's or a pack's id, as a key of `plans` or `packs` or as a value naming one.
 *
 * @example
 * catalogId.parse("pro-monthly") // "pro-monthly"; "Pro" fails
 */
export const catalogId = z.string({ error: "must be a plan id (a string)" }).regex(PLAN_ID_PATTERN, {
  error: (issue) => `"${String(issue.input)}" is not an id: lowercase letters, digits, _ and -, 1 to 64 characters`,
});
