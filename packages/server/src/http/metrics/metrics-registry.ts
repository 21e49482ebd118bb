import { collectDefaultMetrics, Registry } from "prom-client";

/** The prefix of every metric Tollgate exports. */
export const METRICS_PREFIX = "tollgate_";

/**
 * A registry of its own for one app: no module-level registry, so two apps in one process
 * (tests, a second server) never share or double-register a metric. With `processMetrics`,
 * prom-client's default process metrics (CPU, memory, event loop lag, GC, handles) are added
 * under `tollgate_`; they start a sampler that is never stopped, so only a served app asks
 * for them.
 *
 * @example
 * const registry = createMetricsRegistry({ processMetrics: true });
 * const text = await registry.metrics();
 */
export function createMetricsRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX });
  return registry;
}
