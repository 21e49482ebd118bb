import { performance } from "node:perf_hooks";
import { costOfUsage, creditsForCost } from "@tollgate/core";
import { type Meter, quoteModelCall } from "@tollgate/metering";
import type { Ledger } from "@tollgate/store";
import { type CpuUsage, cpuFields, watchCpu } from "./cpu-usage.ts";
import { isCounted, type RunTiming } from "./measure.ts";
import { BENCH_PRICING, openBenchMeter } from "./metering-runs.ts";
import type { FigureSink } from "./report.ts";
import { BENCH_MODELS, type BenchCall, buildUsageMix, USAGE_MIX_SIZE } from "./usage-mix.ts";

/** Operations between two looks at the clock: reading it every time would be what is measured. */
const OPERATIONS_PER_CHECK = 256;

interface LoopOutcome {
  operations: number;
  windowMs: number;
  cpu: CpuUsage | null;
}

/**
 * The figures that need no database time, printed once per `npm run bench` (not per
 * database): the pricing math alone, then the whole quote path through the price book.
 * The price book needs a database (its overrides table), so it takes the first one opened;
 * its cache is warm after the first call, so the database is not in what is measured.
 */
export async function measureProcessFigures(
  ledger: Ledger,
  timing: RunTiming,
  output: { sink: FigureSink; log: (message: string) => void },
): Promise<void> {
  const meter = await openBenchMeter(ledger);
  try {
    await measureWithMeter(meter, timing, output);
  } finally {
    await meter.close();
  }
}

async function measureWithMeter(
  meter: Meter,
  timing: RunTiming,
  output: { sink: FigureSink; log: (message: string) => void },
): Promise<void> {
  const calls = await buildUsageMix(USAGE_MIX_SIZE, meter.ledger.now());
  const extra = { usages: calls.length, models: BENCH_MODELS.length };

  output.log(`cost computations over ${calls.length} usages of ${BENCH_MODELS.length} catalog models`);
  const costs = await runTightLoop(timing, costComputation(calls));
  output.sink({
    bench: "core.cost_computations",
    value: rate(costs),
    unit: "computations/s",
    ...extra,
    ...cpuFields(costs.cpu),
  });

  output.log("price book lookup + quote, cached prices");
  const quotes = await runTightLoop(timing, quoteWithCachedPrice(meter, calls));
  output.sink({
    bench: "metering.quote_with_cached_price",
    value: rate(quotes),
    unit: "quotes/s",
    ...extra,
    ...cpuFields(quotes.cpu),
  });
}

/** `costOfUsage` then `creditsForCost`, prices resolved beforehand, as the price book's cache hands them over. */
function costComputation(calls: readonly BenchCall[]) {
  const { markup, creditsPerUsd, rounding, minimumChargeMinor } = BENCH_PRICING;
  return (index: number) => {
    const call = calls[index % calls.length] as BenchCall;
    const cost = costOfUsage(call.usage, call.price);
    const chargeMinor = creditsForCost({
      costUsd: cost.totalUsd,
      unitScale: 0,
      markup: markup.default,
      creditsPerUsd,
      rounding,
      minimumChargeMinor,
    });
    // Checked, so the work cannot be optimised away, and a broken price is not a fast one.
    if (chargeMinor <= 0n) throw new Error(`${call.provider}/${call.model}: a call priced at nothing`);
  };
}

/** What `recordUsage` does before it reaches the ledger: the price book lookup and the quote. */
function quoteWithCachedPrice(meter: Meter, calls: readonly BenchCall[]) {
  const { config, unit } = meter;
  return async (index: number) => {
    const call = calls[index % calls.length] as BenchCall;
    const price = await meter.prices.priceOf({ provider: call.provider, model: call.model, at: meter.ledger.now() });
    const quote = quoteModelCall({
      config,
      unit,
      provider: call.provider,
      model: call.model,
      usage: call.usage,
      price,
    });
    if (!quote || quote.chargeMinor <= 0n) throw new Error(`${call.provider}/${call.model}: no quote`);
  };
}

/**
 * One caller running `operation` back to back: its CPU cost, nothing else. A synchronous
 * operation is not awaited (an await costs a microtask turn, more than some operations).
 */
async function runTightLoop(
  timing: RunTiming,
  operation: (index: number) => void | Promise<void>,
): Promise<LoopOutcome> {
  let index = 0;
  const steps = async () => {
    for (let step = 0; step < OPERATIONS_PER_CHECK; step++) {
      const pending = operation(index++);
      if (pending) await pending;
    }
  };
  const counted = isCounted(timing);
  const windowStart = performance.now() + (counted ? 0 : timing.warmupMs);
  while (performance.now() < windowStart) await steps();
  const stopWatching = watchCpu();
  const measuredFrom = performance.now();
  const windowEnd = counted ? Number.POSITIVE_INFINITY : measuredFrom + timing.durationMs;
  const operationsMax = counted ? timing.operations : Number.POSITIVE_INFINITY;
  let operations = 0;
  let now = measuredFrom;
  for (; now < windowEnd && operations < operationsMax; now = performance.now()) {
    await steps();
    operations += OPERATIONS_PER_CHECK;
  }
  return { operations, windowMs: now - measuredFrom, cpu: stopWatching() };
}

function rate(outcome: LoopOutcome): number {
  return (outcome.operations * 1000) / outcome.windowMs;
}
