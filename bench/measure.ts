import { performance } from "node:perf_hooks";
import { type CpuUsage, watchCpu } from "./cpu-usage.ts";

/**
 * What a run measures: a timed window after a warm-up (the benchmark), or a number of
 * operations, every one counted (the smoke test: a window's length says nothing about how
 * much a busy machine gets done in it, so a short one can close empty).
 */
export type RunTiming = TimedRun | CountedRun;

export interface TimedRun {
  warmupMs: number;
  durationMs: number;
}

export interface CountedRun {
  /** Operations to complete; the run takes as long as they take. */
  operations: number;
}

export function isCounted(timing: RunTiming): timing is CountedRun {
  return "operations" in timing;
}

/** What a closed-loop run saw inside its measured window. */
export interface RunOutcome {
  /** Operations that completed inside the window. */
  operations: number;
  windowMs: number;
  /** Latency of each operation that completed inside the window, in completion order. */
  latenciesMs: number[];
  /** Operations whose result was not what the benchmark expected (they still count as done). */
  failures: number;
  /** CPU use during the window (Linux), to tell a slow figure from a busy machine. */
  cpu: CpuUsage | null;
}

/**
 * Runs `concurrency` callers, each awaiting `operation` in a loop (a closed loop: a caller
 * issues its next operation as soon as the last one returns). Operations completing during
 * the warm-up are not counted, so caches, JIT and the pool are hot when measuring starts.
 * A counted run has no warm-up: its callers share the operations, and its window is the
 * whole run. `operation` returns false when the result was not the expected one.
 */
export async function runClosedLoop(options: {
  concurrency: number;
  timing: RunTiming;
  operation: (caller: number, sequence: number) => Promise<boolean>;
}): Promise<RunOutcome> {
  const { concurrency, timing, operation } = options;
  const startedAt = performance.now();
  const windowStart = isCounted(timing) ? startedAt : startedAt + timing.warmupMs;
  const windowEnd = isCounted(timing) ? Number.POSITIVE_INFINITY : windowStart + timing.durationMs;
  let started = 0;
  const more = isCounted(timing) ? () => started++ < timing.operations : () => performance.now() < windowEnd;
  const latenciesMs: number[] = [];
  let failures = 0;
  // Started by the first operation to finish in the window, not by a timer: a run that keeps
  // the event loop busy with microtasks (PGlite) would hold a timer back past the window.
  let stopWatching: (() => CpuUsage | null) | undefined;
  const caller = async (index: number) => {
    for (let sequence = 0; more(); sequence++) {
      const began = performance.now();
      const ok = await operation(index, sequence);
      const ended = performance.now();
      if (ended < windowStart || ended > windowEnd) continue;
      stopWatching ??= watchCpu();
      latenciesMs.push(ended - began);
      if (!ok) failures++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => caller(index)));
  const cpu = stopWatching?.() ?? null;
  const windowMs = isCounted(timing) ? performance.now() - startedAt : timing.durationMs;
  return { operations: latenciesMs.length, windowMs, latenciesMs, failures, cpu };
}

export function perSecond(outcome: RunOutcome): number {
  return (outcome.operations * 1000) / outcome.windowMs;
}

/** The nearest-rank percentile (0–100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], rank: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1));
  return sorted[index] as number;
}
