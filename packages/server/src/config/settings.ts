import * as z from "zod";

/**
 * An object of named settings: an unknown key is an error that names it and lists the settings,
 * so a typo (`markUp`) is caught rather than silently ignored. `$schema` is accepted but not listed.
 *
 * @example
 * const retry = settings({ maxAttempts: z.int().optional() }, "an object");
 */
export function settings<Shape extends z.ZodRawShape>(shape: Shape, expected: string) {
  const names = Object.keys(shape).filter((name) => name !== "$schema");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `is not a setting here; the settings are ${names.join(", ")}`
        : `must be ${expected}`,
  });
}

/**
 * An object keyed by a fixed list of names (account types, grant sources), each optional.
 *
 * @example
 * keyedBy(["user", "organization", "guest"], "an account type", z.string())
 */
export function keyedBy<Name extends string, Value extends z.ZodType>(
  names: readonly Name[],
  what: string,
  value: Value,
  expected = "an object",
) {
  const shape = Object.fromEntries(names.map((name) => [name, value.optional()])) as Record<Name, z.ZodOptional<Value>>;
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `is not ${what} (${names.join(", ")})` : `must be ${expected}`,
  });
}

/**
 * One of a few strings, and an error that lists them.
 *
 * @example
 * oneOf(["up", "down", "half_even"]) // "nearest" → must be one of "up", "down", "half_even"
 */
export function oneOf<const Value extends string>(values: readonly [Value, ...Value[]]) {
  return z.enum(values, { error: `must be one of ${values.map((value) => `"${value}"`).join(", ")}` });
}

/**
 * A JSON string, or the named error (the file's JSON numbers and booleans are refused, not coerced).
 *
 * @example
 * text('a name such as "Pro"', 200)
 */
export function text(expected: string, lengthMax: number) {
  return z
    .string({ error: `must be ${expected}` })
    .min(1, { error: "must not be empty" })
    .max(lengthMax, { error: `must be at most ${lengthMax} characters` });
}
