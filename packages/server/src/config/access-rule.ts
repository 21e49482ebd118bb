import type { AccessRule } from "@tollgate/core";
import * as z from "zod";
import { globText } from "./glob.ts";
import { settings } from "./settings.ts";

const GLOBS_MAX = 1000;
const globs = z
  .array(globText, { error: 'must be an array of names or globs such as ["openai/*"]' })
  .max(GLOBS_MAX, { error: `must list at most ${GLOBS_MAX} names` });

/**
 * A plan's `models` or `features`: `{ "allow": [...], "deny": [...] }`, or an array as the allow
 * list. Absent, everything is allowed.
 *
 * @example
 * accessRuleSchema.parse(["openai/*"]) // { allow: ["openai/*"], deny: [] }
 */
export const accessRuleSchema = z
  .union(
    [
      globs,
      settings(
        { allow: globs.optional(), deny: globs.optional() },
        'an array of globs, or { "allow": [...], "deny": [...] }',
      ),
    ],
    { error: 'must be an array of globs such as ["openai/*"], or { "allow": [...], "deny": [...] }' },
  )
  .optional()
  .transform(
    (rule): AccessRule =>
      rule === undefined
        ? { allow: null, deny: [] }
        : Array.isArray(rule)
          ? { allow: rule, deny: [] }
          : { allow: rule.allow ?? null, deny: rule.deny ?? [] },
  );
