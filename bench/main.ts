/**
 * `npm run bench`: how fast `tollgate` starts, the ledger's hot path on PostgreSQL and on
 * PGlite, and the naive one-transaction-per-event design on the same database, as JSON lines
 * on stdout (progress on stderr). See docs/operating/benchmarks.md.
 *
 * Environment: TOLLGATE_BENCH_DATABASE_URL (default the local PostgreSQL),
 * TOLLGATE_BENCH_SECONDS (measured seconds per figure, default 4),
 * TOLLGATE_BENCH_ONLY=start|postgres|pglite|http|renewal|proxy, TOLLGATE_BENCH_PGLITE=dir|memory (default dir),
 * TOLLGATE_BENCH_USAGE_EVENTS (usage events stored for the report figures, default
 * 1,000,000 on PostgreSQL and none on PGlite; set, it applies to both; 0 skips them),
 * TOLLGATE_BENCH_RENEWALS (subscriptions renewed across one boundary, default 10,000;
 * 100000 for the full size, which takes several minutes),
 * TOLLGATE_BENCH_PROXY_SECONDS (measured seconds per target and case of the proxy's latency,
 * default 15; 2 for a quick run), TOLLGATE_BENCH_PROXY_RATE (its paced requests/s, default 500).
 */
import {
  type BenchDatabase,
  LOCAL_POSTGRES,
  openPgliteBench,
  openPostgresBench,
  postgresReachable,
} from "./bench-database.ts";
import { measureProcessFigures } from "./cost-computations.ts";
import { collectGoals } from "./goal-sink.ts";
import { type HttpSettings, runHttpSuite } from "./http-suite.ts";
import { type ProxySettings, runProxySuite } from "./proxy-suite.ts";
import { type RenewalSettings, runRenewalSuite } from "./renewal-suite.ts";
import { formatFigure, progress } from "./report.ts";
import { runStartSuite, type StartSettings } from "./start-suite.ts";
import { runSuite, type SuiteSettings } from "./suite.ts";

const seconds = Number(process.env.TOLLGATE_BENCH_SECONDS ?? 4);
const usageEventsSet = process.env.TOLLGATE_BENCH_USAGE_EVENTS;
const usageEvents = Number(usageEventsSet ?? 1_000_000);
const settings: SuiteSettings = {
  accounts: 10_000,
  concurrency: 64,
  hotConcurrency: 32,
  timing: { warmupMs: 1000, durationMs: seconds * 1000 },
  usageEvents: usageEvents > 0 ? usageEvents : null,
  reportQueries: 200,
};
/** The HTTP API (http-suite.ts): balance reads run 10 s at least, for a p99 of 50,000 reads. */
const httpSettings: HttpSettings = {
  accounts: 1000,
  connections: 64,
  timing: { warmupMs: 1000, durationMs: seconds * 1000 },
  balanceReads: {
    ratePerSecond: 5000,
    connectionsMax: 64,
    timing: { warmupMs: 2000, durationMs: Math.max(seconds, 10) * 1000 },
  },
  batch: { connections: 4, size: 1000, timing: { warmupMs: 2000, durationMs: Math.max(seconds, 10) * 1000 } },
};
/** Renewal (renewal-suite.ts): 10,000 subscriptions by default, so the whole run stays in minutes. */
const renewalSettings: RenewalSettings = {
  subscriptions: Number(process.env.TOLLGATE_BENCH_RENEWALS ?? 10_000),
  concurrency: 64,
  limit: 10_000,
  rounds: 3,
};
/**
 * The proxy (proxy-suite.ts): 15 s per target and case at 500/s is 7,500 requests, a p99 of
 * 75 answers; 4 cases of 3 targets, about 4 minutes with the warm-ups.
 */
const proxySeconds = Number(process.env.TOLLGATE_BENCH_PROXY_SECONDS ?? 15);
const proxySettings: ProxySettings = {
  accounts: 1000,
  ratePerSecond: Number(process.env.TOLLGATE_BENCH_PROXY_RATE ?? 500),
  // As many as a crowd of clients would open: under a smaller cap, a slow proxy's requests
  // would wait for a connection in the load generator instead of in the proxy.
  connectionsMax: 1024,
  delaysMs: [50, 0],
  timing: { warmupMs: Math.min(2, proxySeconds) * 1000, durationMs: proxySeconds * 1000 },
  rounds: 3,
};
/** Five cold starts per figure after one round of warm-up. */
const startSettings: StartSettings = { starts: 5, warmups: 1 };
const only = process.env.TOLLGATE_BENCH_ONLY;
// Every figure goes through the goals' sink: the ratios to the floors print at the end, from this run's figures.
const goals = collectGoals((figure) => process.stdout.write(`${formatFigure(figure)}\n`));
const { sink } = goals;

let processFiguresDone = false;

async function measure(open: () => Promise<BenchDatabase>, settings: SuiteSettings): Promise<void> {
  const database = await open();
  try {
    // Once per run, on the first database opened (the price book's overrides table), before any load.
    if (!processFiguresDone) await measureProcessFigures(database.ledger, settings.timing, { sink, log: progress });
    processFiguresDone = true;
    await runSuite(database, settings, { sink });
  } finally {
    await database.dispose();
  }
}

// First, on a quiet machine: the load runs leave database work behind them (vacuum, checkpoints).
if (!only || only === "start") await runStartSuite(startSettings, { sink });
if (!only || only === "postgres") {
  const databaseUrl = process.env.TOLLGATE_BENCH_DATABASE_URL || LOCAL_POSTGRES;
  if (await postgresReachable(databaseUrl)) {
    await measure(() => openPostgresBench({ databaseUrl }), settings);
  } else {
    progress(`PostgreSQL not reachable at ${databaseUrl}: skipping the PostgreSQL figures`);
  }
}
if (!only || only === "pglite") {
  const storage = process.env.TOLLGATE_BENCH_PGLITE === "memory" ? "memory" : "dir";
  // PGlite inserts on one thread: a million usage events take ~75 s to load there, more than
  // the rest of its figures together, so its report figures run only when asked for.
  if (usageEventsSet === undefined && settings.usageEvents !== null) {
    progress(
      "pglite: usage report figures skipped (set TOLLGATE_BENCH_USAGE_EVENTS to load that many events there too)",
    );
  }
  const pgliteSettings = usageEventsSet === undefined ? { ...settings, usageEvents: null } : settings;
  await measure(() => openPgliteBench({ storage }), pgliteSettings);
}
if (!only || only === "http") {
  const databaseUrl = process.env.TOLLGATE_BENCH_DATABASE_URL || LOCAL_POSTGRES;
  if (await postgresReachable(databaseUrl)) {
    await runHttpSuite(httpSettings, { databaseUrl, sink });
  } else {
    progress(`PostgreSQL not reachable at ${databaseUrl}: skipping the HTTP figures`);
  }
}
if (!only || only === "renewal") {
  const databaseUrl = process.env.TOLLGATE_BENCH_DATABASE_URL || LOCAL_POSTGRES;
  if (await postgresReachable(databaseUrl)) {
    await runRenewalSuite(renewalSettings, { databaseUrl, sink });
  } else {
    progress(`PostgreSQL not reachable at ${databaseUrl}: skipping the renewal figures`);
  }
}
if (!only || only === "proxy") {
  const databaseUrl = process.env.TOLLGATE_BENCH_DATABASE_URL || LOCAL_POSTGRES;
  if (await postgresReachable(databaseUrl)) {
    await runProxySuite(proxySettings, { databaseUrl, sink });
  } else {
    progress(`PostgreSQL not reachable at ${databaseUrl}: skipping the proxy figures`);
  }
}
// Last: the goal lines (each ratio to its floor) and whether the machine was quiet throughout.
goals.finish();
