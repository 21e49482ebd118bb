import { definePricingConfig, Meter } from "@tollgate/metering";
import type { Ledger } from "@tollgate/store";
import { benchAccount } from "./ledger-runs.ts";
import { type RunOutcome, type RunTiming, runClosedLoop } from "./measure.ts";
import type { BenchCall } from "./usage-mix.ts";

/**
 * What the metering benchmarks charge: 1 USD buys 100,000 credits at a 1.5 markup, rounded
 * up, at least 1 credit. A gpt-4o-mini call of 1,200 tokens in and 300 out ($0.00036) costs
 * 54 credits; the accounts hold 10¹² each, so no run is refused.
 */
export const BENCH_PRICING = definePricingConfig({
  creditsPerUsd: "100000",
  markup: { default: "1.5" },
  rounding: "up",
  minimumChargeMinor: 1n,
});

/** A meter over the bench ledger, in its default unit (credits). Close it after the run. */
export function openBenchMeter(ledger: Ledger): Promise<Meter> {
  return Meter.open({ ledger, pricing: BENCH_PRICING });
}

/** Calls in one conversation: a caller's next 8 calls share a conversation id. */
const CALLS_PER_CONVERSATION = 8;

/**
 * `meter.recordUsage` by `concurrency` callers, each call a random one of `calls` charged to
 * a random one of `accounts` accounts: the price book lookup, the quote, and the charge with
 * its usage event in one ledger transaction. The same closed loop as `runCharges`.
 */
export function runRecordUsage(
  meter: Meter,
  options: { accounts: number; calls: readonly BenchCall[]; concurrency: number; timing: RunTiming; label: string },
): Promise<RunOutcome> {
  const { accounts, calls } = options;
  return runClosedLoop({
    concurrency: options.concurrency,
    timing: options.timing,
    async operation(caller, sequence) {
      const call = calls[Math.floor(Math.random() * calls.length)] as BenchCall;
      const result = await meter.recordUsage({
        account: benchAccount(Math.floor(Math.random() * accounts)),
        idempotencyKey: `${options.label}-${caller}-${sequence}`,
        provider: call.provider,
        model: call.model,
        usage: call.usage,
        conversationId: `conv-${options.label}-${caller}-${Math.floor(sequence / CALLS_PER_CONVERSATION)}`,
        feature: "chat",
      });
      return result.ok && result.value.amountMinor > 0n;
    },
  });
}
