import { READ_ONLY_POSTS } from "../../packages/server/src/http/v1/api-routes.ts";
import { assemble, baseParts, type FuzzContext, type FuzzRequest } from "./fuzz-request.ts";
import { JsonEntries, jsonText, RawJson } from "./json-text.ts";
import type { JsonSchema, Route } from "./openapi-routes.ts";
import { violationsOf } from "./schema-values.ts";

type Location = { path: Array<string | number>; schema: JsonSchema };

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

/** Every place in a body schema a value can be put: properties, nested ones, array items, record values. */
export function locationsOf(schema: JsonSchema, path: Array<string | number> = [], depth = 0): Location[] {
  if (depth > 6) return [];
  const here: Location[] = path.length > 0 ? [{ path, schema }] : [];
  const nested = [
    ...Object.entries(schema.properties ?? {}).flatMap(([key, inner]) => locationsOf(inner, [...path, key], depth + 1)),
    ...(schema.items ? locationsOf(schema.items, [...path, 0], depth + 1) : []),
    ...(typeof schema.additionalProperties === "object" && !schema.properties
      ? locationsOf(schema.additionalProperties, [...path, "credits"], depth + 1)
      : []),
  ];
  return [...here, ...nested];
}

/** A copy of `value` with `replacement` at `path`, creating the containers on the way. */
export function setAt(value: unknown, path: ReadonlyArray<string | number>, replacement: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  if (typeof head === "number") {
    const array = Array.isArray(value) ? [...value] : [];
    array[head] = setAt(array[head], rest, replacement);
    return array;
  }
  const object = isPlainObject(value) ? { ...value } : {};
  object[head] = setAt(object[head], rest, replacement);
  return object;
}

/** A body that no schema of the API accepts: one field breaks its schema, or the whole is not the object asked for. */
export function mutatedBody(
  route: Route,
  base: unknown,
  random: () => number,
): { body: unknown; label: string } | null {
  const schema = route.body?.schema;
  if (!schema) return null;
  const required = schema.required ?? [];
  const kind = pick(random, [
    "violation",
    "violation",
    "violation",
    "violation",
    "not-json",
    "not-object",
    "missing-required",
    "proto",
    "deep",
  ]);
  switch (kind) {
    case "violation": {
      const location = pick(random, locationsOf(schema));
      const values = location ? violationsOf(location.schema) : [];
      if (!location || values.length === 0) return null;
      const value = pick(random, values);
      return { body: setAt(base, location.path, value), label: `${location.path.join(".")}=${short(value)}` };
    }
    case "not-json": {
      const text = jsonText(base);
      const texts = [
        text.slice(0, Math.floor(random() * (text.length - 1))),
        "{",
        '{"account":}',
        "{'account':'user:alice'}",
        "{account: 1}",
        "undefined",
        "NaN",
        `${text.slice(0, -1)},}`,
        `\u0000${text}`,
        `${text}${text}`,
        "",
      ];
      const raw = pick(random, texts);
      return { body: { raw }, label: `not JSON ${JSON.stringify(raw.slice(0, 20))}` };
    }
    case "not-object": {
      const value = pick(random, [null, [], [base], 1, "x", true, new RawJson("1e400"), new RawJson("-0")]);
      return { body: value, label: `body is ${short(value)}` };
    }
    case "missing-required": {
      if (required.length === 0 || !isPlainObject(base)) return null;
      const key = pick(random, required);
      const { [key]: _, ...rest } = base;
      return { body: rest, label: `without ${key}` };
    }
    case "proto": {
      if (required.length === 0) return null;
      const key = pick(random, ["__proto__", "constructor", "prototype"]);
      return { body: new JsonEntries([[key, base]]), label: `body under ${key}` };
    }
    default: {
      const depth = pick(random, [100, 10_000, 100_000]);
      const nested = new RawJson(
        random() < 0.5 ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
      );
      const locations = locationsOf(schema).filter((location) => refusesNesting(location.schema));
      const location = locations.length > 0 && random() < 0.7 ? pick(random, locations) : null;
      return location
        ? { body: setAt(base, location.path, nested), label: `${location.path.join(".")} nested ${depth} deep` }
        : { body: nested, label: `body nested ${depth} deep` };
    }
  }
}

/** Adds `__proto__`, `constructor` and unknown keys to an object body; they must change nothing. */
export function withExtraFields(body: unknown): unknown {
  if (!isPlainObject(body)) return body;
  return new JsonEntries([
    ...Object.entries(body),
    ["__proto__", { isAdmin: true, amount: "1" }],
    ["constructor", { prototype: { isAdmin: true } }],
    ["unexpectedField", [1, 2, 3]],
  ]);
}

/** A request with one body defect. */
export function malformedBodyRequest(context: FuzzContext): FuzzRequest | null {
  const routes = context.routes.filter((route) => route.body !== null);
  const route = pick(context.random, routes);
  if (!route) return null;
  const parts = baseParts(route, context);
  const mutated = mutatedBody(route, parts.body, context.random);
  if (!mutated) return null;
  const extra = context.random() < 0.3;
  parts.body = extra ? withExtraFields(mutated.body) : mutated.body;
  return assemble(route, parts, `body ${mutated.label}${extra ? " +extra fields" : ""}`);
}

/** Over the 4 MiB even a batch may carry by default (1 MiB for the other routes). */
export function oversizedRequest(context: FuzzContext): FuzzRequest | null {
  const routes = context.routes.filter((route) => route.body !== null);
  const route = pick(context.random, routes);
  if (!route) return null;
  const parts = baseParts(route, context);
  parts.body = { ...(isPlainObject(parts.body) ? parts.body : {}), padding: "x".repeat(4_300_000) };
  return assemble(route, parts, "body over 1 MiB");
}

/**
 * A body defect answered 400 and stored under its Idempotency-Key; then the same key with a
 * valid body (422 idempotency_conflict: nothing runs), then the first request again (its
 * stored answer replayed).
 */
export function keyReuseTask(context: FuzzContext): FuzzRequest[] | null {
  // A read-only POST takes no key: there is no key to reuse.
  const routes = context.routes.filter(
    (route) => route.method === "POST" && route.body !== null && !READ_ONLY_POSTS.includes(route.template),
  );
  const route = pick(context.random, routes);
  if (!route) return null;
  const parts = baseParts(route, context);
  const location = pick(context.random, locationsOf(route.body?.schema ?? {}));
  const values = location ? violationsOf(location.schema) : [];
  if (!location || values.length === 0) return null;
  const first = assemble(
    route,
    { ...parts, body: setAt(parts.body, location.path, pick(context.random, values)) },
    "key reuse: first",
    {
      status: 400,
    },
  );
  const conflict = assemble(route, parts, "key reuse: another body", { status: 422 });
  return [first, conflict, { ...first, label: "key reuse: replay", replayOf: first }];
}

function refusesNesting(schema: JsonSchema): boolean {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.length > 0 && !types.includes("array") && !types.includes("object");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

function short(value: unknown): string {
  return jsonText(value).slice(0, 30);
}
