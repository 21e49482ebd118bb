import { RawJson } from "./json-text.ts";
import type { JsonSchema } from "./openapi-routes.ts";

/** Values a realistic request would send for fields of these names, so one defect is what gets tested. */
export type FieldExamples = Readonly<Record<string, unknown>>;

/** Amount-like strings that a decimal pattern such as `^\d{1,19}(\.\d{1,18})?$` must refuse. */
export const BAD_DECIMALS = [
  "-1",
  "-0",
  "+1",
  "1e3",
  "1E-2",
  "NaN",
  "Infinity",
  "-Infinity",
  "1.",
  ".5",
  ".",
  "1,5",
  "1_000",
  " 1",
  "1 ",
  "1\n",
  "0x10",
  "",
  "1234567890123456789012345",
  `1.${"1".repeat(19)}`,
  "١٢",
  "１",
  "1.5.5",
  "null",
];

/** One value of each JSON type: sent where the schema does not allow that type. */
const VALUE_OF_TYPE: Record<string, unknown> = {
  string: "17",
  number: 1.5,
  integer: 17,
  boolean: true,
  null: null,
  array: ["x"],
  object: { length: 1 },
};

/** The smallest value a schema accepts: required properties only, each from `examples` when named there. */
export function exampleOf(schema: JsonSchema, examples: FieldExamples = {}, name?: string): unknown {
  if (name !== undefined && name in examples) return examples[name];
  const branch = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (branch) return exampleOf(branch, examples, name);
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  switch (typesOf(schema)[0]) {
    case "object":
      return Object.fromEntries(
        (schema.required ?? []).map((key) => [key, exampleOf(schema.properties?.[key] ?? {}, examples, key)]),
      );
    case "array":
      return [];
    case "integer":
    case "number":
      return Math.max(schema.minimum ?? 1, 1);
    case "boolean":
      return false;
    case "string":
      if (typeof schema.example === "string") return schema.example;
      if (schema.format === "date-time") return "2099-01-01T00:00:00Z";
      if (schema.pattern) return "1";
      return "x".repeat(Math.max(schema.minLength ?? 1, 1));
    default:
      return null;
  }
}

/**
 * JSON values that `schema` refuses whatever the rest of the request holds: another type, past a
 * length, range or item limit, outside the enum or pattern, an unknown property of a strict object.
 */
export function violationsOf(schema: JsonSchema): unknown[] {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return wrongTypes(branches.flatMap(typesOf));
  const types = typesOf(schema);
  if (types.length === 0) return [];
  const found = wrongTypes(types);
  if (types.includes("string")) found.push(...stringViolations(schema));
  if (types.includes("integer") || types.includes("number")) found.push(...numberViolations(schema, types));
  if (types.includes("array") && schema.maxItems !== undefined) {
    found.push(Array.from({ length: schema.maxItems + 1 }, () => exampleOf(schema.items ?? {})));
  }
  if (types.includes("object")) {
    if ((schema.required ?? []).length > 0) found.push({});
    if (schema.additionalProperties === false) found.push({ ...(exampleOf(schema) as object), unexpected: 1 });
  }
  return found;
}

/** Query-string values (always strings) that a parameter's schema refuses. */
export function queryViolationsOf(schema: JsonSchema): string[] {
  const types = typesOf(schema);
  const found: string[] = [];
  if (types.includes("integer") || types.includes("number")) {
    found.push("abc", "1.5", "Infinity", "NaN", "1,000", "--1");
    if (schema.minimum !== undefined) found.push(String(schema.minimum - 1));
    if (schema.minimum !== undefined && schema.minimum > 0) found.push("", " ");
    if (schema.maximum !== undefined) found.push(String(schema.maximum + 1), "1e400");
  }
  if (types.includes("string")) {
    for (const value of stringViolations(schema)) if (typeof value === "string") found.push(value);
  }
  return found;
}

function typesOf(schema: JsonSchema): string[] {
  if (schema.type !== undefined) return Array.isArray(schema.type) ? schema.type : [schema.type];
  if (schema.properties || schema.additionalProperties !== undefined) return ["object"];
  if (schema.enum) return [...new Set(schema.enum.map((value) => typeof value))];
  return [];
}

function wrongTypes(types: string[]): unknown[] {
  const allowed = new Set(types);
  if (allowed.has("number")) allowed.add("integer");
  return Object.entries(VALUE_OF_TYPE)
    .filter(([type]) => !allowed.has(type))
    .map(([, value]) => value);
}

function stringViolations(schema: JsonSchema): unknown[] {
  const found: unknown[] = [];
  if (schema.maxLength !== undefined) found.push("ł".repeat(schema.maxLength + 1));
  if ((schema.minLength ?? 0) > 0) found.push("");
  if (schema.enum) {
    found.push("not-one-of-them");
    const first = String(schema.enum[0]);
    if (!schema.enum.includes(first.toUpperCase())) found.push(first.toUpperCase());
    found.push(` ${first}`);
  }
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern);
    found.push(...BAD_DECIMALS.filter((value) => !pattern.test(value)));
  }
  if (schema.format === "date-time") {
    found.push("yesterday", "2024-13-45T00:00:00Z", "2024-01-01", "2024-01-01 00:00:00Z", "1700000000");
  }
  return found;
}

function numberViolations(schema: JsonSchema, types: string[]): unknown[] {
  const found: unknown[] = [];
  if (types.includes("integer") && !types.includes("number")) {
    found.push(1.5, new RawJson("1.0000000001"), new RawJson("1e400"));
  }
  if (schema.minimum !== undefined) found.push(schema.minimum - 1, new RawJson(`-${"9".repeat(25)}`));
  if (schema.maximum !== undefined) {
    found.push(schema.maximum + 1, new RawJson("9".repeat(25)), new RawJson("1e400"));
  }
  return found;
}
