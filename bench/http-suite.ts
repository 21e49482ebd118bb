import { openPostgresBench } from "./bench-database.ts";
import { cpuFields } from "./cpu-usage.ts";
import { runFloorCharges, setUpFloor } from "./group-commit-floor.ts";
import { type ChildServer, startChildServer } from "./http-child-process.ts";
import { runClosedLoad } from "./http-closed-load.ts";
import { httpCpuFields } from "./http-cpu.ts";
import { failureShare, type HttpOutcome, responsesPerSecond } from "./http-outcome.ts";
import { type PacedLoadOptions, runPacedLoad } from "./http-paced-load.ts";
import { type BatchTally, balancePath, balanceReadRequest, batchRequest, chargeRequest } from "./http-requests.ts";
import type { BenchServerInfo } from "./http-server-process.ts";
import { createAccounts, runCharges } from "./ledger-runs.ts";
import { percentile, perSecond, type RunTiming } from "./measure.ts";
import { setUpNaive } from "./naive-baseline.ts";
import { type FigureSink, progress } from "./report.ts";
import { runUsageBatchFloor, setUpUsageBatchFloor } from "./usage-batch-floor.ts";

/** Requests without a 2xx, or batch items refused, above this share: the run measured errors, not work. */
const FAILURE_SHARE_MAX = 0.001;

/** What the HTTP part measures with; `main.ts` sets the real sizes, the smoke test tiny ones. */
export interface HttpSettings {
  /** Funded accounts the charges, reads and batches pick from (1,000). */
  accounts: number;
  /** Connections of the ceiling and the charges, one request in flight each (64). */
  connections: number;
  /** Of the ceiling and the charges. */
  timing: RunTiming;
  balanceReads: { ratePerSecond: number; connectionsMax: number; timing: RunTiming };
  batch: { connections: number; size: number; timing: RunTiming };
}

interface Output {
  sink: FigureSink;
  log: (message: string) => void;
}

/**
 * The HTTP API on PostgreSQL, server and load generator in separate processes on this
 * machine: first the ceilings (a bare `node:http` hello-world under the same loads as the
 * charges and the balance reads; the floors of the charges and the batch), then charges one request each, balance reads at a fixed rate, and usage events
 * through the batch endpoint. Figures are `http.*`; see docs/operating/benchmarks.md.
 */
export async function runHttpSuite(
  settings: HttpSettings,
  options: { databaseUrl: string; sink: FigureSink; log?: (message: string) => void },
): Promise<void> {
  const out: Output = { sink: options.sink, log: (message) => (options.log ?? progress)(`http: ${message}`) };
  const ceiling = await measureCeiling(settings, out);
  const ledgerDirect = await measureLedgerDirect(settings, options.databaseUrl, out);
  const floors = await measureFloors(settings, options.databaseUrl, out);
  out.log(`starting the server, ${settings.accounts} accounts`);
  const server = await startChildServer<BenchServerInfo>("./http-server-process.ts", {
    args: [String(settings.accounts)],
    env: { TOLLGATE_BENCH_DATABASE_URL: options.databaseUrl },
  });
  try {
    const charges = await measureCharges(server, settings, out);
    figure(out, "charges.vs_hello_world", charges / ceiling, "x", {});
    figure(out, "charges.vs_ledger_direct", charges / ledgerDirect, "x", {});
    figure(out, "charges.vs_floor", charges / floors.charges, "x", {});
    await measureBalanceReads(server, settings, out);
    // After the paced reads, which keep their conditions, and over a balance cache they filled.
    await measureMostReads(server, settings, out);
    const batch = await measureBatch(server, settings, out);
    figure(out, "batch_events.vs_floor", batch / floors.batch, "x", {});
  } finally {
    await server.stop();
  }
}

/**
 * The bare `node:http` hello world under the charges' closed loop (the throughput ceiling)
 * and under the balance reads' paced load (the latency ceiling: no read can answer faster
 * than nothing at all on this machine, at this moment).
 */
async function measureCeiling(settings: HttpSettings, out: Output): Promise<number> {
  const { connections, timing } = settings;
  out.log(`ceiling: node:http hello world, ${connections} connections`);
  const hello = await startChildServer<{ url: string }>("./http-hello-world-process.ts");
  try {
    const outcome = checked(
      "hello world",
      await runClosedLoad({ url: hello.info.url, connections, timing, serverPid: hello.pid, request: {} }),
    );
    const rate = responsesPerSecond(outcome);
    run(out, "hello_world_per_s", rate, "requests/s", outcome, { connections });
    out.log(`ceiling: node:http hello world at ${settings.balanceReads.ratePerSecond}/s`);
    const paced = await runPacedReads(settings, "hello world reads", {
      url: hello.info.url,
      serverPid: hello.pid,
      headers: {},
      path: () => "/",
    });
    latencyFigures(out, "hello_world_read", paced, { rate_target: settings.balanceReads.ratePerSecond });
    return rate;
  } finally {
    await hello.stop();
  }
}

/** GETs at the balance reads' rate, sockets and timing (against Tollgate, or its ceiling), checked. */
async function runPacedReads(
  settings: HttpSettings,
  name: string,
  target: Pick<PacedLoadOptions, "url" | "serverPid" | "headers" | "path">,
): Promise<HttpOutcome> {
  const { ratePerSecond, connectionsMax, timing } = settings.balanceReads;
  return checked(name, await runPacedLoad({ ratePerSecond, connectionsMax, timing, ...target }));
}

/** `{prefix}_p50_ms` and `{prefix}_p99_ms` of a run's latencies. */
function latencyFigures(out: Output, prefix: string, outcome: HttpOutcome, extra: object) {
  run(out, `${prefix}_p50_ms`, percentile(outcome.latenciesMs, 50), "ms", outcome, extra);
  run(out, `${prefix}_p99_ms`, percentile(outcome.latenciesMs, 99), "ms", outcome, extra);
}

/**
 * The second ceiling: the same charges (1 credit, random account of as many, as many callers
 * as connections) made on the ledger in this process with no HTTP at all. The API cannot
 * charge faster than its ledger; charges over HTTP against this figure are what the HTTP
 * layer costs.
 */
async function measureLedgerDirect(settings: HttpSettings, databaseUrl: string, out: Output): Promise<number> {
  const { accounts, connections, timing } = settings;
  out.log(`ceiling: the ledger's own charges, no HTTP, ${connections} callers`);
  const database = await openPostgresBench({ databaseUrl });
  try {
    await createAccounts(database.ledger, { count: accounts, concurrency: 32 });
    const outcome = await runCharges(database.ledger, { accounts, concurrency: connections, timing, label: "direct" });
    const rate = perSecond(outcome);
    figure(out, "ledger_direct_charges_per_s", rate, "charges/s", {
      connections,
      accounts,
      failures: outcome.failures,
      ...cpuFields(outcome.cpu),
    });
    return rate;
  } finally {
    await database.dispose();
  }
}

/**
 * What no design could beat on this machine, as the charges and the batch are sent, with no
 * HTTP, pricing or rules: the fewest double-entry rows per charge, group-committed as the
 * ledger commits (group-commit-floor.ts, `ledger_rows`, as many callers as connections), and
 * for the batch the same rows plus each event's usage row, one transaction per batch
 * (usage-batch-floor.ts).
 */
async function measureFloors(settings: HttpSettings, databaseUrl: string, out: Output) {
  const { accounts, connections, timing } = settings;
  const batch = settings.batch;
  const database = await openPostgresBench({ databaseUrl });
  try {
    const pool = await database.openPool(connections);
    await setUpNaive(pool, { accounts });
    await setUpFloor(pool);
    await setUpUsageBatchFloor(pool);
    out.log(`ceiling: the fewest rows a charge writes, ${connections} callers, no HTTP`);
    const chargeOutcome = await runFloorCharges(pool, {
      design: "ledger_rows",
      accounts,
      concurrency: connections,
      timing,
      label: "http-floor",
    });
    const charges = perSecond(chargeOutcome);
    figure(out, "charges_floor_per_s", charges, "charges/s", {
      connections,
      accounts,
      ...cpuFields(chargeOutcome.cpu),
    });
    out.log(`ceiling: the fewest rows a batch of ${batch.size} charged events writes, ${batch.connections} callers`);
    const batchOutcome = await runUsageBatchFloor(pool, {
      accounts,
      size: batch.size,
      concurrency: batch.connections,
      timing: batch.timing,
    });
    const events = (batchOutcome.operations * batch.size * 1000) / batchOutcome.windowMs;
    figure(out, "batch_floor_events_per_s", events, "events/s", {
      connections: batch.connections,
      batch_size: batch.size,
      accounts,
      ...cpuFields(batchOutcome.cpu),
    });
    return { charges, batch: events };
  } finally {
    await database.dispose();
  }
}

async function measureCharges(server: ChildServer<BenchServerInfo>, settings: HttpSettings, out: Output) {
  const { accounts, connections, timing } = settings;
  out.log(`charges: POST /v1/charges over ${accounts} accounts, ${connections} connections`);
  const outcome = checked(
    "charges",
    await runClosedLoad({
      url: server.info.url,
      connections,
      timing,
      serverPid: server.pid,
      headers: headersOf(server),
      request: chargeRequest({ accounts }),
    }),
  );
  const rate = responsesPerSecond(outcome);
  run(out, "charges_per_s", rate, "charges/s", outcome, { connections, accounts });
  latencyFigures(out, "charges", outcome, { connections });
  return rate;
}

/** Balance reads in the hello world's closed loop (same connections and timing): the most per second. */
async function measureMostReads(server: ChildServer<BenchServerInfo>, settings: HttpSettings, out: Output) {
  const { accounts, connections, timing } = settings;
  out.log(`balance reads: GET /v1/accounts/{account}/balances, ${connections} connections, as fast as answered`);
  const outcome = checked(
    "most balance reads",
    await runClosedLoad({
      url: server.info.url,
      connections,
      timing,
      serverPid: server.pid,
      headers: headersOf(server),
      request: balanceReadRequest({ accounts }),
    }),
  );
  run(out, "balance_reads_per_s", responsesPerSecond(outcome), "reads/s", outcome, { connections, accounts });
}

async function measureBalanceReads(server: ChildServer<BenchServerInfo>, settings: HttpSettings, out: Output) {
  const { ratePerSecond } = settings.balanceReads;
  out.log(`balance reads: GET /v1/accounts/{account}/balances at ${ratePerSecond}/s`);
  const outcome = await runPacedReads(settings, "balance reads", {
    url: server.info.url,
    serverPid: server.pid,
    headers: headersOf(server),
    path: () => balancePath(settings.accounts),
  });
  const extra = { rate_target: ratePerSecond };
  run(out, "balance_read_rate", responsesPerSecond(outcome), "reads/s", outcome, extra);
  latencyFigures(out, "balance_read", outcome, extra);
}

async function measureBatch(server: ChildServer<BenchServerInfo>, settings: HttpSettings, out: Output) {
  const { connections, size, timing } = settings.batch;
  out.log(`batch: POST /v1/usage-events/batch of ${size} events, ${connections} connections`);
  const tally: BatchTally = { ok: 0, failed: 0, firstError: null };
  const outcome = checked(
    "batch",
    await runClosedLoad({
      url: server.info.url,
      connections,
      timing,
      serverPid: server.pid,
      headers: headersOf(server),
      request: batchRequest({ accounts: settings.accounts, batchSize: size, tally }),
      beforeMeasuring: () => Object.assign(tally, { ok: 0, failed: 0, firstError: null }),
    }),
  );
  if (tally.failed > (tally.ok + tally.failed) * FAILURE_SHARE_MAX) {
    throw new Error(`batch: ${tally.failed} of ${tally.ok + tally.failed} events failed (first: ${tally.firstError})`);
  }
  const extra = { connections, batch_size: size, failed_events: tally.failed };
  const rate = (tally.ok * 1000) / outcome.windowMs;
  run(out, "batch_events_per_s", rate, "events/s", outcome, extra);
  return rate;
}

function headersOf(server: ChildServer<BenchServerInfo>): Record<string, string> {
  return { authorization: `Bearer ${server.info.token}`, "content-type": "application/json" };
}

function run(out: Output, name: string, value: number, unit: string, outcome: HttpOutcome, extra: object) {
  figure(out, name, value, unit, {
    ...extra,
    failed_requests: outcome.non2xx + outcome.errors,
    ...httpCpuFields(outcome.cpu),
  });
}

function figure(out: Output, name: string, value: number, unit: string, extra: Record<string, number>) {
  out.sink({ bench: `http.${name}`, value, unit, database: "postgres", ...extra });
}

/** A run with more than 0.1% failed requests, or none answered, measured nothing: stop rather than print it. */
function checked(name: string, outcome: HttpOutcome): HttpOutcome {
  if (outcome.responses === 0) throw new Error(`${name}: no request answered 2xx`);
  if (failureShare(outcome) > FAILURE_SHARE_MAX) {
    const total = outcome.responses + outcome.non2xx + outcome.errors;
    throw new Error(`${name}: ${outcome.non2xx} non-2xx and ${outcome.errors} errors out of ${total} requests`);
  }
  return outcome;
}
