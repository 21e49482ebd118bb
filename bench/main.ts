/**
 * `npm run bench`: the ledger's hot path on PostgreSQL and on PGlite, and the naive
 * one-transaction-per-event design on the same database, as JSON lines on stdout
 * (progress on stderr). See docs/operating/benchmarks.md.
 *
 * Environment: TOLLGATE_BENCH_DATABASE_URL (default the local PostgreSQL),
 * TOLLGATE_BENCH_SECONDS (measured seconds per figure, default 4),
 * TOLLGATE_BENCH_ONLY=postgres|pglite, TOLLGATE_BENCH_PGLITE=dir|memory (default dir).
 */
import {
  type BenchDatabase,
  LOCAL_POSTGRES,
  openPgliteBench,
  openPostgresBench,
  postgresReachable,
} from "./bench-database.ts";
import { formatFigure, progress } from "./report.ts";
import { runSuite, type SuiteSettings } from "./suite.ts";

const seconds = Number(process.env.TOLLGATE_BENCH_SECONDS ?? 4);
const settings: SuiteSettings = {
  accounts: 10_000,
  concurrency: 64,
  hotConcurrency: 32,
  timing: { warmupMs: 1000, durationMs: seconds * 1000 },
};
const only = process.env.TOLLGATE_BENCH_ONLY;
const sink = (figure: Parameters<typeof formatFigure>[0]) => process.stdout.write(`${formatFigure(figure)}\n`);

async function measure(open: () => Promise<BenchDatabase>): Promise<void> {
  const database = await open();
  try {
    await runSuite(database, settings, { sink });
  } finally {
    await database.dispose();
  }
}

if (!only || only === "postgres") {
  const databaseUrl = process.env.TOLLGATE_BENCH_DATABASE_URL || LOCAL_POSTGRES;
  if (await postgresReachable(databaseUrl)) {
    await measure(() => openPostgresBench({ databaseUrl }));
  } else {
    progress(`PostgreSQL not reachable at ${databaseUrl}: skipping the PostgreSQL figures`);
  }
}
if (!only || only === "pglite") {
  const storage = process.env.TOLLGATE_BENCH_PGLITE === "memory" ? "memory" : "dir";
  await measure(() => openPgliteBench({ storage }));
}
