import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";

/**
 * An `OpenAPIHono` whose validation failures are the API's one error shape: 400
 * `invalid_request` with each failing field named (`details.fields`).
 */
export function openApiApp(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) {
        assertStorableText(result.data, "");
        return;
      }
      const fields = result.error.issues.map((issue) => ({
        field: issue.path.map(String).join(".") || "(body)",
        message: issue.message,
      }));
      const first = fields[0];
      throw new ApiError("invalid_request", first ? `${first.field}: ${first.message}` : "The request is not valid.", {
        fields,
      });
    },
  });
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
