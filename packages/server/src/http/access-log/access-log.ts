import type { Context, MiddlewareHandler } from "hono";
import type { Logger } from "../../logger.ts";
import { CLIENT_CLOSED_STATUS } from "../client-closed.ts";
import { routePatternOf } from "../route-pattern.ts";

export interface AccessLogOptions {
  logger: Logger;
  /** The authenticated caller's key id, if any (never the token). Default: none. */
  keyIdOf?: (c: Context) => string | undefined;
  /** A monotonic clock in milliseconds. Default `performance.now`. */
  nowMs?: () => number;
}

/**
 * One `info` line per request once it is answered: `requestId`, `method`, `route` (the
 * matched pattern, not the raw path, so no external id or query string is logged), `status`,
 * `durationMs` and the caller's `keyId` when authenticated; a client that went away before
 * its answer is `status: 499` with `outcome: "client_closed"`. Mount it after `requestId()`.
 *
 * @example
 * app.use(requestId());
 * app.use(accessLog({ logger, keyIdOf: (c) => c.get("caller")?.keyId }));
 * // {"time":"…","level":"info","message":"request","requestId":"…","method":"POST","route":"/v1/charges","status":200,"durationMs":1.3,"keyId":"key_…"}
 */
export function accessLog(options: AccessLogOptions): MiddlewareHandler {
  const { logger } = options;
  const keyIdOf = options.keyIdOf ?? (() => undefined);
  const nowMs = options.nowMs ?? (() => performance.now());
  return async function accessLog(c, next) {
    const startMs = nowMs();
    await next();
    const { status } = c.res;
    // One object of one shape, fields added in place: no spread copies on every request.
    const line: Record<string, unknown> = {
      requestId: c.get("requestId" as never) ?? null,
      method: c.req.method,
      route: routePatternOf(c),
      status,
      durationMs: Math.round((nowMs() - startMs) * 100) / 100,
    };
    const keyId = keyIdOf(c);
    if (keyId !== undefined) line.keyId = keyId;
    if (status === CLIENT_CLOSED_STATUS) line.outcome = "client_closed";
    logger.info("request", line);
  };
}
