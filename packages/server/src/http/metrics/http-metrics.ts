import type { MiddlewareHandler } from "hono";
import { Gauge, type Registry } from "prom-client";
import { routePatternOf } from "../route-pattern.ts";
import { METRICS_PREFIX } from "./metrics-registry.ts";
import { RequestTally } from "./request-tally.ts";

/** Request duration buckets in seconds: a charge takes about a millisecond, a stream start longer. */
export const HTTP_DURATION_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// Any other method is one label value, so a client cannot grow the series without bound.
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export interface HttpMetricsOptions {
  /** Where the metrics are registered: the app's own registry. */
  registry: Registry;
  /** A monotonic clock in milliseconds. Default `performance.now`. */
  nowMs?: () => number;
}

/**
 * Counts and times every request: `tollgate_http_requests_total{method,route,status}`,
 * `tollgate_http_request_duration_seconds{method,route}` and
 * `tollgate_http_requests_in_flight`. `route` is the matched pattern
 * (`/v1/accounts/:account/balances`) or "unmatched", never the raw path, so the series stay
 * few. Mount it first: it then times everything, errors included. For a stream (SSE) the
 * duration ends when the response starts. The counts are kept in plain numbers per series
 * (request-tally.ts) and formatted only when scraped.
 *
 * @example
 * const registry = createMetricsRegistry();
 * app.use(httpMetrics({ registry }));
 */
export function httpMetrics(options: HttpMetricsOptions): MiddlewareHandler {
  const { registry } = options;
  const nowMs = options.nowMs ?? (() => performance.now());
  const tally = new RequestTally({
    registry,
    counterName: `${METRICS_PREFIX}http_requests_total`,
    counterHelp: "HTTP requests answered, by method, matched route pattern and status.",
    histogramName: `${METRICS_PREFIX}http_request_duration_seconds`,
    histogramHelp: "Time from a request's arrival to its response, by method and matched route pattern.",
    bucketsSeconds: HTTP_DURATION_BUCKETS_SECONDS,
  });
  // A plain integer on the hot path; prom-client reads it only when scraped.
  let inFlight = 0;
  new Gauge({
    name: `${METRICS_PREFIX}http_requests_in_flight`,
    help: "HTTP requests being handled now.",
    registers: [registry],
    collect() {
      this.set(inFlight);
    },
  });

  return async function httpMetrics(c, next) {
    const startMs = nowMs();
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
    const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : "other";
    tally.record(method, routePatternOf(c), c.res.status, (nowMs() - startMs) / 1000);
  };
}
