import type { MiddlewareHandler } from "hono";
import { ApiError } from "../api-error.ts";

// application/json, with parameters (charset), or a +json type.
const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

/**
 * Every body this API takes is JSON: a request that carries a body of another type, or of no
 * declared type, is 400 `invalid_request` naming the header to send, before any handler runs
 * (the validator would otherwise answer a bare 415 "Unsupported Media Type"). Requests without
 * a body pass.
 *
 * @example
 * app.use("/v1/*", jsonContentType());
 */
export function jsonContentType(): MiddlewareHandler {
  return async function jsonContentType(c, next) {
    const { method } = c.req;
    if (method === "GET" || method === "HEAD" || !hasBody(c.req.raw.headers)) return next();
    const contentType = c.req.header("content-type");
    if (contentType === undefined || !JSON_MEDIA_TYPE.test(contentType)) {
      throw new ApiError(
        "invalid_request",
        `The request body must be JSON, sent with Content-Type: application/json (got ${contentType === undefined ? "no Content-Type" : JSON.stringify(contentType.slice(0, 100))}).`,
        { fields: [{ field: "Content-Type", message: "must be application/json" }] },
      );
    }
    await next();
  };
}

function hasBody(headers: Headers): boolean {
  const length = headers.get("content-length");
  return (length !== null && length !== "0") || headers.has("transfer-encoding");
}
