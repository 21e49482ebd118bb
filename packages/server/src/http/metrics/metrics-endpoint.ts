import type { Handler } from "hono";
import type { Registry } from "prom-client";

/**
 * `GET /metrics`: the registry in Prometheus text format. Served without authentication: it
 * holds counts and timings by route pattern, never an id, a key or an amount.
 *
 * @example
 * app.get("/metrics", metricsEndpoint({ registry }));
 */
export function metricsEndpoint(options: { registry: Registry }): Handler {
  const { registry } = options;
  return async function metricsEndpoint(c) {
    return c.body(await registry.metrics(), 200, { "content-type": registry.contentType });
  };
}
