import * as z from "zod";

/**
 * What a plan's `models` and `features` lists hold: a name or a glob whose `*` matches any run of
 * characters (`openai/*`, `generate_*`, `*`). Names are matched in lower case, so an upper-case
 * pattern would never match. Private to the configuration until core's own check
 * (plans/access.ts) is merged.
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
