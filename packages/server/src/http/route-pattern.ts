import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

/** The route label of a request no route answered (a 404, or a method the path does not take). */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * The pattern of the route that answered, as registered (`/v1/accounts/:account/balances`),
 * never the raw path: a bounded set of values, fit for a metric label or a log field. Call it
 * after `next()`. Middleware (`app.use`, method "ALL") does not count: a request only
 * middleware matched reached no route.
 *
 * @example
 * app.use(async (c, next) => {
 *   await next();
 *   console.log(routePatternOf(c)); // "/v1/charges" or "unmatched"
 * });
 */
export function routePatternOf(c: Context): string {
  const routes = matchedRoutes(c);
  for (let index = routes.length - 1; index >= 0; index--) {
    const route = routes[index];
    if (route !== undefined && route.method !== "ALL") return route.path;
  }
  return UNMATCHED_ROUTE;
}
