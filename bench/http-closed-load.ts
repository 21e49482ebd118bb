import autocannon from "autocannon";
import { watchHttpCpu } from "./http-cpu.ts";
import type { HttpOutcome } from "./http-outcome.ts";
import { isCounted, type RunTiming } from "./measure.ts";

/** A request that takes longer than this counts as an error: long enough for a 1,000-event batch under load. */
const REQUEST_TIMEOUT_S = 30;

export interface ClosedLoadOptions {
  url: string;
  /** Connections, each with one request in flight (pipelining 1): a closed loop. */
  connections: number;
  timing: RunTiming;
  /** The server's pid, to report its CPU apart from the load generator's. */
  serverPid: number;
  headers?: Record<string, string>;
  /** The request every connection sends; its `setupRequest` runs before each one. */
  request: autocannon.Request;
  /** Called between the warm-up and the measured run, e.g. to reset what `request` tallies. */
  beforeMeasuring?: () => void;
}

/**
 * autocannon against `url`: a warm-up run whose results are dropped, then the measured run
 * (a counted run: that many requests, no warm-up).
 * Latencies are taken from autocannon's `response` events (hrtime, in fractional ms), not
 * from its histogram, which records whole milliseconds.
 */
export async function runClosedLoad(options: ClosedLoadOptions): Promise<HttpOutcome> {
  const { timing } = options;
  if (isCounted(timing)) {
    options.beforeMeasuring?.();
    return runAutocannon(options, { amount: timing.operations });
  }
  if (timing.warmupMs > 0) await runAutocannon(options, { duration: timing.warmupMs / 1000 });
  options.beforeMeasuring?.();
  return runAutocannon(options, { duration: timing.durationMs / 1000 });
}

/** For so long (`duration`, seconds), or for so many requests (`amount`). */
type Extent = { duration: number } | { amount: number };

async function runAutocannon(options: ClosedLoadOptions, extent: Extent): Promise<HttpOutcome> {
  const latenciesMs: number[] = [];
  let non2xx = 0;
  const stopCpu = watchHttpCpu(options.serverPid);
  const startedAt = performance.now();
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        pipelining: 1,
        ...extent,
        timeout: REQUEST_TIMEOUT_S,
        headers: options.headers ?? {},
        requests: [options.request],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  instance?.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTimeMs);
    else non2xx++;
  });
  const result = await finished;
  const windowMs = performance.now() - startedAt;
  return { responses: latenciesMs.length, non2xx, errors: result.errors, windowMs, latenciesMs, cpu: stopCpu() };
}
