import { watchHttpCpu } from "./http-cpu.ts";
import { HttpGetConnections } from "./http-get-connections.ts";
import type { HttpOutcome } from "./http-outcome.ts";
import { isCounted, type RunTiming } from "./measure.ts";

/** How often the pacer wakes: Node's timers do not go below a millisecond. */
const TICK_MS = 1;

export interface PacedLoadOptions {
  url: string;
  /** GET requests started per second, whether or not earlier ones have answered (an open loop). */
  ratePerSecond: number;
  timing: RunTiming;
  serverPid: number;
  headers: Record<string, string>;
  /** The path of the request numbered `sequence`. */
  path: (sequence: number) => string;
  /**
   * Keep-alive sockets at most. A request due while every one is busy is skipped, not queued:
   * the server is then that many answers behind, and a queue in the load generator would only
   * add its own wait to every latency after it (seconds, on a machine over capacity).
   */
  connectionsMax: number;
}

/** A paced run: what was answered, and how much of the schedule was sent at all. */
export interface PacedOutcome extends HttpOutcome {
  /** Requests due while every connection was busy, so never sent. */
  skipped: number;
  /** Requests sent per second of the window: below `ratePerSecond` when some were skipped. */
  sentPerSecond: number;
}

/**
 * GETs at a fixed rate: every millisecond the pacer starts as many requests as the schedule
 * says are due by now (5 a tick at 5,000/s), so a slow answer does not hold the next ones
 * back. autocannon's `overallRate` is not that: each connection sends its quota for the
 * second back to back and then idles, so its latencies are those of a closed loop at full
 * concurrency for part of every second. A warm-up run, dropped, then the measured one.
 */
export async function runPacedLoad(options: PacedLoadOptions): Promise<PacedOutcome> {
  const connections = new HttpGetConnections(options.url, options.headers, options.connectionsMax);
  try {
    const { timing, ratePerSecond } = options;
    // A counted run sends that many requests at the rate, with no warm-up.
    if (isCounted(timing)) return await runPaced(options, connections, timing.operations);
    const requestsIn = (durationMs: number) => Math.max(1, Math.round((ratePerSecond * durationMs) / 1000));
    if (timing.warmupMs > 0) await runPaced(options, connections, requestsIn(timing.warmupMs));
    return await runPaced(options, connections, requestsIn(timing.durationMs));
  } finally {
    connections.close();
  }
}

function runPaced(options: PacedLoadOptions, connections: HttpGetConnections, total: number): Promise<PacedOutcome> {
  const latenciesMs: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let skipped = 0;
  let due = 0;
  let settled = 0;
  const stopCpu = watchHttpCpu(options.serverPid);
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const onSettled = () => {
      if (++settled < total) return;
      clearInterval(timer);
      const windowMs = performance.now() - startedAt;
      const sentPerSecond = ((total - skipped) * 1000) / windowMs;
      const cpu = stopCpu();
      resolve({ responses: latenciesMs.length, non2xx, errors, windowMs, latenciesMs, cpu, skipped, sentPerSecond });
    };
    const send = (sequence: number) => {
      const began = performance.now();
      const answered = connections.tryGet(options.path(sequence));
      if (answered === null) {
        skipped++;
        onSettled();
        return;
      }
      void answered.then((answer) => {
        if (answer === null) errors++;
        else if (answer.status >= 200 && answer.status < 300) latenciesMs.push(performance.now() - began);
        else non2xx++;
        onSettled();
      });
    };
    const timer = setInterval(() => {
      const dueNow = Math.min(total, Math.floor(((performance.now() - startedAt) * options.ratePerSecond) / 1000));
      while (due < dueNow) send(due++);
    }, TICK_MS);
  });
}
