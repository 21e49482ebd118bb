import { performance } from "node:perf_hooks";
import type { Meter, UsageGrouping } from "@tollgate/metering";
import { type CpuUsage, watchCpu } from "./cpu-usage.ts";
import { benchAccount } from "./ledger-runs.ts";
import { percentile } from "./measure.ts";
import { HEAVY_ACCOUNTS, loadUsageEvents } from "./usage-events-load.ts";

/** Accounts the loaded events spread over (fewer when the bench has fewer accounts). */
export const REPORT_ACCOUNTS_MAX = 2000;
/** Reports run before timing starts, per grouping: plans cached, pages read once. */
const WARMUP_QUERIES = 10;

/** One grouping's report latencies over a month, and what the month held. */
export interface ReportLatency {
  groupBy: UsageGrouping;
  p50Ms: number;
  p95Ms: number;
  queries: number;
  cpu: CpuUsage | null;
}

export interface UsageReportOutcome {
  events: number;
  accounts: number;
  /** Events in the month reported on, of the heaviest account. */
  heaviestMonthEvents: number;
  latencies: ReportLatency[];
}

/**
 * Loads `events` usage events over the first `REPORT_ACCOUNTS_MAX` bench accounts (the
 * heaviest holding 10%), vacuums and analyzes them as autovacuum would after a bulk load,
 * then times `meter.usageReport` over one calendar month, six months back, by model and
 * then by day: `queries` reports each, one at a time, round-robin over the heaviest
 * account, two heavy ones (2.5% each) and two light ones.
 */
export async function measureUsageReports(
  meter: Meter,
  options: { accounts: number; events: number; queries: number; log: (message: string) => void },
): Promise<UsageReportOutcome> {
  const { ledger } = meter;
  const accounts = Math.min(REPORT_ACCOUNTS_MAX, options.accounts);
  const accountIds = await benchAccountIds(meter, accounts);
  const now = ledger.now();
  await loadUsageEvents(ledger, { accountIds, events: options.events, now, log: options.log });
  options.log("vacuum analyze usage_events");
  // A vacuum too, not only statistics: after a million inserts autovacuum would start one
  // (insert threshold) in the middle of the timed reports.
  await ledger.sql.query("vacuum (analyze) usage_events");

  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 6, 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 5, 1));
  const [month] = await ledger.sql.query<{ events: number }>(
    "select count(*)::int as events from usage_events where account_id = $1 and created_at >= $2 and created_at < $3",
    [accountIds[0], from.toISOString(), to.toISOString()],
  );
  const heaviestMonthEvents = month?.events ?? 0;
  const queried = [0, 1, 2, HEAVY_ACCOUNTS + 1, HEAVY_ACCOUNTS + 2].map(benchAccount);
  const latencies: ReportLatency[] = [];
  for (const groupBy of ["model", "day"] as const) {
    options.log(`usage reports by ${groupBy} over ${from.toISOString().slice(0, 7)}, ${options.queries} timed`);
    const report = async (index: number) => {
      const account = queried[index % queried.length] as (typeof queried)[number];
      const began = performance.now();
      const rows = await meter.usageReport({ account, groupBy, from, to });
      const elapsedMs = performance.now() - began;
      if (!rows) throw new Error(`usage report: no account ${account.externalId}`);
      if (index % queried.length === 0) {
        const calls = rows.reduce((sum, row) => sum + row.calls, 0);
        if (calls !== heaviestMonthEvents)
          throw new Error(`usage report counted ${calls} of ${heaviestMonthEvents} calls`);
      }
      return elapsedMs;
    };
    for (let index = 0; index < WARMUP_QUERIES; index++) await report(index);
    const stopWatching = watchCpu();
    const timesMs: number[] = [];
    for (let index = 0; index < options.queries; index++) timesMs.push(await report(index));
    const cpu = stopWatching();
    latencies.push({
      groupBy,
      p50Ms: percentile(timesMs, 50),
      p95Ms: percentile(timesMs, 95),
      queries: options.queries,
      cpu,
    });
  }
  return { events: options.events, accounts, heaviestMonthEvents, latencies };
}

/** The ids of bench-0 … bench-(count-1), in that order: the first is the heaviest. */
async function benchAccountIds(meter: Meter, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const id = await meter.ledger.accounts.findId(benchAccount(index));
    if (!id) throw new Error(`bench account ${index} does not exist`);
    ids.push(id);
  }
  return ids;
}
