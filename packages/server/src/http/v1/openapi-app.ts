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
      if (result.success) return;
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
