import type { Meter } from "@tollgate/metering";
import type { BenchDatabase } from "./bench-database.ts";
import { cpuFields } from "./cpu-usage.ts";
import { type FloorDesign, runFloorCharges, setUpFloor } from "./group-commit-floor.ts";
import { createAccounts, runAuthorizeSettle, runBalanceReads, runCharges } from "./ledger-runs.ts";
import { percentile, perSecond, type RunOutcome, type RunTiming } from "./measure.ts";
import { openBenchMeter, runRecordUsage } from "./metering-runs.ts";
import { runNaiveCharges, setUpNaive } from "./naive-baseline.ts";
import { type FigureSink, progress } from "./report.ts";
import { buildUsageMix, USAGE_MIX_SIZE } from "./usage-mix.ts";
import { measureUsageReports } from "./usage-report-bench.ts";

/** What one database's run measures with; `main.ts` sets the real sizes, the smoke test tiny ones. */
export interface SuiteSettings {
  /** Pre-funded accounts the spread runs pick from (10,000). */
  accounts: number;
  /** Concurrent callers of the spread runs (64), and the naive baseline's pool size. */
  concurrency: number;
  /** Concurrent callers on the one hot account (32). */
  hotConcurrency: number;
  timing: RunTiming;
  /** Usage events loaded for the report figures (1,000,000); null skips them. */
  usageEvents: number | null;
  /** Reports timed per grouping (200). */
  reportQueries: number;
}

interface Output {
  /** A figure for one run: its callers, and who used the CPU meanwhile, go with it. */
  run(name: string, value: number, unit: string, outcome: RunOutcome, extra: Record<string, number>): void;
  figure(name: string, value: number, unit: string, extra: Record<string, number>): void;
  ratio(name: string, value: number): void;
  log(message: string): void;
}

/**
 * Measures the naive baseline, then (PostgreSQL only) the group-commit floors, then every
 * figure of the ledger on one database (charges through the meter among them), the ratios
 * between them, and last the usage reports over a million stored events. The baseline and
 * the floors go first, on a quiet server: run after the ledger, they would share the server
 * with the autovacuum and checkpoint work the ledger's runs leave behind, and look slower
 * than they are.
 */
export async function runSuite(
  database: BenchDatabase,
  settings: SuiteSettings,
  output: { sink: FigureSink; log?: (message: string) => void },
): Promise<void> {
  const { sink, log = progress } = output;
  const common = { database: database.description };
  const out: Output = {
    run(name, value, unit, outcome, extra) {
      out.figure(name, value, unit, { ...extra, ...cpuFields(outcome.cpu) });
    },
    figure(name, value, unit, extra) {
      sink({ bench: `${database.name}.${name}`, value, unit, ...common, ...extra });
    },
    ratio(name, value) {
      sink({ bench: `${database.name}.${name}`, value, unit: "x", ...common });
    },
    log: (message) => log(`${database.description}: ${message}`),
  };
  await createLedgerAccounts(database, settings, out);
  const naive = await measureNaive(database, settings, out);
  // PGlite has one connection and an absolute goal: the floors are a PostgreSQL question.
  const floors = database.name === "postgres" ? await measureFloors(database, settings, out) : [];
  const meter = await openBenchMeter(database.ledger);
  try {
    const ledger = await measureLedger(database, meter, settings, out);
    for (const floor of floors) {
      out.ratio(`floor_${floor.design}_10k_accounts.vs_naive`, floor.spreadRate / naive.spreadRate);
      out.ratio(`floor_${floor.design}_hot_account.vs_naive`, floor.hotRate / naive.hotRate);
    }
    out.ratio("charges_10k_accounts.vs_naive", ledger.spreadRate / naive.spreadRate);
    out.ratio("charges_hot_account.vs_naive", ledger.hotRate / naive.hotRate);
    out.ratio("charges_with_usage_event.vs_plain", ledger.usageRate / ledger.spreadRate);
    // Last: a million inserts leave WAL, checkpoints and vacuum work behind them.
    if (settings.usageEvents !== null) await measureReports(meter, settings, out);
  } finally {
    await meter.close();
  }
}

async function createLedgerAccounts(database: BenchDatabase, settings: SuiteSettings, out: Output) {
  out.log(`creating ${settings.accounts} funded accounts`);
  const setupStarted = performance.now();
  await createAccounts(database.ledger, { count: settings.accounts, concurrency: settings.concurrency });
  out.log(`accounts ready in ${Math.round(performance.now() - setupStarted)} ms`);
}

async function measureLedger(database: BenchDatabase, meter: Meter, settings: SuiteSettings, out: Output) {
  const { ledger } = database;
  const { accounts, concurrency, hotConcurrency, timing } = settings;
  const check = completed(database);

  out.log(`charges over ${accounts} accounts, ${concurrency} callers`);
  const spread = check("charges", await runCharges(ledger, { accounts, concurrency, timing, label: "spread" }));
  out.run("charges_10k_accounts", perSecond(spread), "charges/s", spread, { concurrency, accounts });
  out.run("charge_latency_p50_under_load", percentile(spread.latenciesMs, 50), "ms", spread, { concurrency });
  out.run("charge_latency_p99_under_load", percentile(spread.latenciesMs, 99), "ms", spread, { concurrency });

  // Right after the plain charges, so `charges_with_usage_event.vs_plain` compares neighbours.
  out.log(`charges with usage events (meter.recordUsage) over ${accounts} accounts, ${concurrency} callers`);
  const calls = await buildUsageMix(USAGE_MIX_SIZE, ledger.now());
  const usage = check(
    "charges with usage events",
    await runRecordUsage(meter, { accounts, calls, concurrency, timing, label: "usage" }),
  );
  out.run("charges_with_usage_event", perSecond(usage), "charges/s", usage, { concurrency, accounts });

  out.log(`charges on one hot account, ${hotConcurrency} callers`);
  const hot = check(
    "hot charges",
    await runCharges(ledger, { accounts: "hot", concurrency: hotConcurrency, timing, label: "hot" }),
  );
  out.run("charges_hot_account", perSecond(hot), "charges/s", hot, { concurrency: hotConcurrency, accounts: 1 });

  out.log(`authorize + settle pairs, ${concurrency} callers`);
  const pairs = check("pairs", await runAuthorizeSettle(ledger, { accounts, concurrency, timing }));
  out.run("authorize_settle_pairs", perSecond(pairs), "pairs/s", pairs, { concurrency, accounts });

  out.log(`balance reads, ${concurrency} callers`);
  const reads = check("reads", await runBalanceReads(ledger, { accounts, concurrency, timing }));
  out.run("balance_reads", perSecond(reads), "reads/s", reads, { concurrency, accounts });

  out.log("single charges, one caller");
  const single = check("single", await runCharges(ledger, { accounts, concurrency: 1, timing, label: "single" }));
  out.run("charge_latency_p50_single", percentile(single.latenciesMs, 50), "ms", single, { concurrency: 1 });
  out.run("charge_latency_p99_single", percentile(single.latenciesMs, 99), "ms", single, { concurrency: 1 });
  return { spreadRate: perSecond(spread), usageRate: perSecond(usage), hotRate: perSecond(hot) };
}

/** Month reports over a million stored usage events (usage-report-bench.ts). */
async function measureReports(meter: Meter, settings: SuiteSettings, out: Output) {
  const reports = await measureUsageReports(meter, {
    accounts: settings.accounts,
    events: settings.usageEvents ?? 0,
    queries: settings.reportQueries,
    log: out.log,
  });
  const { events, accounts, heaviestMonthEvents } = reports;
  for (const latency of reports.latencies) {
    const name = latency.groupBy === "model" ? "usage_report_month" : `usage_report_by_${latency.groupBy}_month`;
    const extra = { events, accounts, queries: latency.queries, heaviest_month_events: heaviestMonthEvents };
    out.figure(`${name}_p50`, latency.p50Ms, "ms", { ...extra, ...cpuFields(latency.cpu) });
    out.figure(`${name}_p95`, latency.p95Ms, "ms", { ...extra, ...cpuFields(latency.cpu) });
  }
}

async function measureNaive(database: BenchDatabase, settings: SuiteSettings, out: Output) {
  const { accounts, concurrency, hotConcurrency, timing } = settings;
  const check = completed(database);
  out.log("naive baseline, one transaction per event");
  const pool = await database.openPool(concurrency);
  await setUpNaive(pool, { accounts });
  const spread = check("naive", await runNaiveCharges(pool, { accounts, concurrency, timing }));
  out.run("naive_charges_10k_accounts", perSecond(spread), "charges/s", spread, { concurrency, accounts });
  const hot = check("naive hot", await runNaiveCharges(pool, { accounts: "hot", concurrency: hotConcurrency, timing }));
  out.run("naive_charges_hot_account", perSecond(hot), "charges/s", hot, { concurrency: hotConcurrency, accounts: 1 });
  return { spreadRate: perSecond(spread), hotRate: perSecond(hot) };
}

/** The group-commit floors (group-commit-floor.ts), on the naive baseline's accounts. */
async function measureFloors(database: BenchDatabase, settings: SuiteSettings, out: Output) {
  const { accounts, concurrency, hotConcurrency, timing } = settings;
  const check = completed(database);
  const pool = await database.openPool(concurrency);
  await setUpFloor(pool);
  const floors: Array<{ design: FloorDesign; spreadRate: number; hotRate: number }> = [];
  for (const design of ["grouped_naive", "ledger_rows"] as const) {
    out.log(`floor ${design}, one transaction per batch`);
    const spread = check(
      design,
      await runFloorCharges(pool, { design, accounts, concurrency, timing, label: `${design}-spread` }),
    );
    out.run(`floor_${design}_10k_accounts`, perSecond(spread), "charges/s", spread, { concurrency, accounts });
    const hot = check(
      `${design} hot`,
      await runFloorCharges(pool, {
        design,
        accounts: "hot",
        concurrency: hotConcurrency,
        timing,
        label: `${design}-hot`,
      }),
    );
    out.run(`floor_${design}_hot_account`, perSecond(hot), "charges/s", hot, {
      concurrency: hotConcurrency,
      accounts: 1,
    });
    floors.push({ design, spreadRate: perSecond(spread), hotRate: perSecond(hot) });
  }
  return floors;
}

/** A run that lost operations or finished none measured nothing: stop rather than print it. */
function completed(database: BenchDatabase) {
  return (name: string, outcome: RunOutcome): RunOutcome => {
    if (outcome.failures > 0) throw new Error(`${name}: ${outcome.failures} operations failed on ${database.name}`);
    if (outcome.operations === 0) throw new Error(`${name}: no operation completed on ${database.name}`);
    return outcome;
  };
}
