import type { MiddlewareHandler } from "hono";
import { ApiError } from "../../http/api-error.ts";
import { requestBodyLimit } from "../../http/body-limit/body-limit.ts";
import type { ProxyErrorFormat } from "../proxy-error.ts";

/**
 * The body limit of a provider's proxied routes (`TOLLGATE_PROXY_BODY_LIMIT_BYTES`), with the
 * 413 `request_too_large` in the provider's error format: the server's own body limit
 * (`requestBodyLimit`: a declared length refused at once, a chunked body counted) with its
 * refusal re-worded. Before authentication, so an oversized body costs no work.
 *
 * @example
 * app.use("/openai/*", proxyBodyLimit({ bytesMax: 4 * 1_048_576, format: openAIErrorFormat }));
 */
export function proxyBodyLimit(options: { bytesMax: number; format: ProxyErrorFormat }): MiddlewareHandler {
  const limit = requestBodyLimit({ bytesMax: options.bytesMax, routes: [] });
  return async function proxyBodyLimit(c, next) {
    try {
      // Only the limit's own refusal arrives here: what `next` throws is answered by the app's
      // error handler on the way (Hono's compose catches it at the handler that threw).
      return await limit(c, next);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== "request_too_large") throw error;
      const message = `The request body is over ${options.bytesMax} bytes, the most a proxied call may carry. Send less: a shorter conversation, smaller images.`;
      const refused = options.format({ status: 413, code: error.code, message, param: null });
      // The limit closes a connection it could not drain; that header is set on the context.
      if (c.res.headers.get("connection") === "close") refused.headers.set("connection", "close");
      return refused;
    }
  };
}
