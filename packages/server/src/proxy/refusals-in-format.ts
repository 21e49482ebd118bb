import type { MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError } from "../http/api-error.ts";
import { type ProxyErrorFormat, proxyErrorOf } from "./proxy-error.ts";

/**
 * A middleware whose refusals (an `ApiError` it throws, such as the body limit's 413) are
 * answered in a provider's error format instead of Tollgate's, so that provider's client raises
 * its own error class for them. Anything else it throws goes on to the app's error handler.
 *
 * @example
 * app.use("/anthropic/*", refusalsInFormat(requestBodyLimit({ bytesMax }), anthropicErrorFormat));
 */
export function refusalsInFormat(middleware: MiddlewareHandler, format: ProxyErrorFormat): MiddlewareHandler {
  return async function refusalsInFormat(c, next) {
    try {
      return await middleware(c, next);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const refusal = format(proxyErrorOf(error));
      // Through the context, so headers the middleware set (the body limit's `Connection: close`) stay.
      return c.body(await refusal.text(), { status: refusal.status as ContentfulStatusCode, headers: refusal.headers });
    }
  };
}
