import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";

/**
 * An `OpenAPIHono` whose validation failures are the API's one error shape: 400
 * `invalid_request` with each failing field named (`details.fields`). Every body and query
 * schema is strict, so a field the route does not take is one of them: a request that is
 * half understood is refused whole rather than half applied.
 */
export function openApiApp(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) {
        assertStorableText(result.data, "");
        return;
      }
      throw invalidRequest(result.error.issues);
    },
  });
}

/** A field that failed validation, as `details.fields` lists it. */
interface FieldError {
  field: string;
  message: string;
}

type Issue = { code: string; path: PropertyKey[]; message: string; keys?: string[] };

/**
 * Zod's issues as the API's 400: one field per issue, and one per unknown key (zod reports a
 * strict object's unknown keys as one issue), each by its path joined with ".". The message
 * names every unknown field first: the usual cause is a misspelled or unsupported option, and
 * a client fixing one at a time would otherwise need as many round trips.
 */
function invalidRequest(issues: readonly Issue[]): ApiError {
  const name = (path: readonly PropertyKey[]) => path.map(String).join(".") || "(body)";
  const unknown = issues.flatMap((issue) =>
    issue.code === "unrecognized_keys" ? (issue.keys ?? []).map((key) => name([...issue.path, key])) : [],
  );
  const other = issues
    .filter((issue) => issue.code !== "unrecognized_keys")
    .map((issue) => ({ field: name(issue.path), message: issue.message }));
  const fields: FieldError[] = [...unknown.map((field) => ({ field, message: "unknown field" })), ...other];
  const first = other[0];
  const parts = [
    ...(unknown.length === 0
      ? []
      : [
          `unknown field${unknown.length === 1 ? "" : "s"} ${unknown.join(", ")}: this request takes no such field (check the spelling against /openapi.json)`,
        ]),
    ...(first ? [`${first.field}: ${first.message}`] : []),
  ];
  return new ApiError("invalid_request", parts.join("; ") || "The request is not valid.", { fields });
}

/** How deep validated input may nest (objects and arrays). */
export const INPUT_DEPTH_MAX = 64;

// U+0000, or half of a surrogate pair: PostgreSQL text cannot hold the first, and the second
// would be stored as U+FFFD, so two different ids could name one row.
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Every string of validated input (path, query, body; keys included) must be text PostgreSQL
 * stores as sent; otherwise 400 naming the field, before anything reaches the database, where
 * one such value would fail the whole batch of operations it was committed with.
 */
function assertStorableText(value: unknown, field: string, depth = 0): void {
  if (typeof value === "string") {
    if (value.includes("\u0000") || UNPAIRED_SURROGATE.test(value)) {
      const name = field || "(body)";
      throw new ApiError(
        "invalid_request",
        `${name}: contains U+0000 or an unpaired surrogate, which cannot be stored`,
        {
          fields: [{ field: name, message: "contains U+0000 or an unpaired surrogate" }],
        },
      );
    }
    return;
  }
  if (typeof value !== "object" || value === null) return;
  // Free-form metadata has no depth in its schema; deeper than this it would overflow the
  // stack of whatever serializes it next (a bare "Maximum call stack size exceeded").
  if (depth >= INPUT_DEPTH_MAX) {
    throw new ApiError("invalid_request", `${field}: nested deeper than ${INPUT_DEPTH_MAX} levels`, {
      fields: [{ field, message: `nested deeper than ${INPUT_DEPTH_MAX} levels` }],
    });
  }
  for (const [key, inner] of Object.entries(value)) {
    const path = field ? `${field}.${key}` : key;
    assertStorableText(key, path, depth + 1);
    assertStorableText(inner, path, depth + 1);
  }
}
