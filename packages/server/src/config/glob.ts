import * as z from "zod";

/**
 * What a plan's `models` and `features` lists hold: a name or a glob whose `*` matches any run of
 * characters (`openai/*`, `generate_*`, `*`). Stricter than core's `assertGlob`, which takes any
 * text but other dialects' syntax: a configuration names models and features as metering writes
 * them (lower case, these characters), so anything else in the file is a typo to point at.
 */
const GLOB = /^[a-z0-9_.:/@*-]{1,200}$/;

/**
 * A model or feature glob.
 *
 * @example
 * globText.parse("openai/*")
 */
export const globText = z.string({ error: 'must be a name or glob such as "openai/*"' }).regex(GLOB, {
  error: (issue) =>
    `"${String(issue.input)}" is not a name or glob: lowercase letters, digits, _ . : / @ - and *, up to 200 characters`,
});
