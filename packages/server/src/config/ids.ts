import * as z from "zod";

/** Plan and pack ids: what a URL, a Stripe metadata value and a log line all carry unchanged. */
const ID = /^[a-z0-9_-]{1,64}$/;

/**
 * A plan's or a pack's id, as a key of `plans` or `packs` or as a value naming one.
 *
 * @example
 * catalogId.parse("pro-monthly") // "pro-monthly"; "Pro" fails
 */
export const catalogId = z.string({ error: "must be a plan id (a string)" }).regex(ID, {
  error: (issue) => `"${String(issue.input)}" is not an id: lowercase letters, digits, _ and -, 1 to 64 characters`,
});
