import { AMOUNT_MINOR_MAX, compareRational, parseDecimal, parseDecimalToMinor, ZERO } from "@tollgate/core";
import * as z from "zod";
import type { ResolveContext } from "./resolve-context.ts";

/** What `parseDecimalToMinor` reads: no exponent, no leading zeros, no "+", no spaces. */
const CANONICAL_DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/**
 * An amount as the file writes it: a decimal string ("12.50"), never a JSON number, so no float
 * ever holds money. Its scale is its unit's, known only once the units are read: `amountMinor`
 * turns it into minor units in the second pass.
 *
 * @example
 * amountText.parse("12.50") // "12.50"; amountText.parse(12.5) fails: must be a decimal string
 */
export const amountText = z
  .string({ error: 'must be a decimal string such as "10000" or "12.50" (never a JSON number)' })
  .regex(CANONICAL_DECIMAL, {
    error: (issue) =>
      `"${String(issue.input)}" is not a decimal number in canonical form (no leading zeros, "+" or spaces)`,
  });

/**
 * A rate or a percentage: a decimal string ("1.5", "1e-7") kept exactly as written, at least 0
 * (or above 0 with `{ zero: false }`).
 *
 * @example
 * rateText({ zero: false }).parse("0") // fails: must be above zero
 */
export function rateText(options: { zero: boolean; max?: bigint }) {
  return z
    .string({ error: 'must be a decimal string such as "2" or "0.5" (never a JSON number)' })
    .superRefine((value, ctx) => {
      let sign: number;
      let aboveMax = false;
      try {
        const rate = parseDecimal(value);
        sign = compareRational(rate, ZERO);
        if (options.max !== undefined)
          aboveMax = compareRational(rate, { numerator: options.max, denominator: 1n }) > 0;
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return;
      }
      if (sign < 0 || (sign === 0 && !options.zero)) {
        ctx.addIssue({ code: "custom", message: options.zero ? "must not be negative" : "must be above zero" });
      } else if (aboveMax) {
        ctx.addIssue({ code: "custom", message: `must be at most ${options.max}` });
      }
    });
}

/**
 * `text` in minor units of a unit with `scale` decimal places ("0.01" at scale 2 → 1n), never
 * rounded: more decimals than the unit has is an issue at `path`. `positive` refuses 0.
 *
 * @example
 * amountMinor(context, ["signupGrants", "user", 0, "amount"], "12.345", { scale: 2, positive: true }) // issue: has 3 decimal places; this unit has 2
 */
export function amountMinor(
  context: ResolveContext,
  path: readonly PropertyKey[],
  text: string,
  options: { scale: number; positive: boolean },
): bigint {
  let minor: bigint;
  try {
    minor = parseDecimalToMinor(text, options.scale);
  } catch (error) {
    context.issue(path, (error as Error).message);
    return 0n;
  }
  if (options.positive ? minor <= 0n : minor < 0n) {
    context.issue(path, options.positive ? "must be positive" : "must not be negative");
  } else if (minor > AMOUNT_MINOR_MAX) {
    context.issue(path, `must be at most ${AMOUNT_MINOR_MAX} minor units, the largest amount one operation may move`);
  }
  return minor;
}
