import { openPostgresBench } from "./bench-database.ts";
import { cpuFields } from "./cpu-usage.ts";
import { runFloorCharges, setUpFloor } from "./group-commit-floor.ts";
import { type ChildServer, startChildServer } from "./http-child-process.ts";
import { runClosedLoad } from "./http-closed-load.ts";
import { httpCpuFields } from "./http-cpu.ts";
import { failureShare, type HttpOutcome, responsesPerSecond } from "./http-outcome.ts";
import { type PacedLoadOptions, type PacedOutcome, runPacedLoad } from "./http-paced-load.ts";
import { type BatchTally, balancePath, batchRequest, chargeRequest } from "./http-requests.ts";
import type { BenchServerInfo } from "./http-server-process.ts";
import { createAccounts, runCharges } from "./ledger-runs.ts";
import { percentile, perSecond, type RunTiming } from "./measure.ts";
import { setUpNaive } from "./naive-baseline.ts";
import { type FigureSink, progress } from "./report.ts";
import { runUsageBatchFloor, setUpUsageBatchFloor } from "./usage-batch-floor.ts";

/** Requests without a 2xx, or batch items refused, above this share: the run measured errors, not work. */
const FAILURE_SHARE_MAX = 0.001;
/**
 * The paced reads run at most at this share of the most reads (or hello worlds) a second the
 * same run measured: a latency figure is of a server with room to spare, not of its queue.
 */
const READ_PACE_SHARE = 0.5;
/** A paced run that sent less than this share of its target says so: the machine could not keep the pace. */
const PACE_REACHED_SHARE = 0.95;

/** What the HTTP part measures with; `main.ts` sets the real sizes, the smoke test tiny ones. */
export interface HttpSettings {
  /** Funded accounts the charges, reads and batches pick from (1,000). */
  accounts: number;
  /** Connections of the ceiling and the charges, one request in flight each (64). */
  connections: number;
  /** Of the ceiling and the charges. */
  timing: RunTiming;
  /**
   * Balance reads: first as many as they go (the ceiling's connections and timing), then paced
   * at `ratePerSecond` or at READ_PACE_SHARE of the fewer the server or hello world managed,
   * whichever is lower, so the latency is measured below capacity.
   */
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
 * charges; the floors of the charges and the batch), then charges one request each, balance
 * reads as many as they go and then at a rate the machine can serve (beside hello world at the
 * same rate), and usage events through the batch endpoint. Figures are `http.*`; see docs/operating/benchmarks.md.
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
    const reads = await measureMostReads(server, settings, out);
    figure(out, "balance_reads.vs_hello_world", reads.secret / ceiling, "x", {});
    figure(out, "balance_reads_customer.vs_hello_world", reads.customer / ceiling, "x", {});
    const pace = readPace(settings, Math.min(ceiling, reads.secret, reads.customer));
    const hello = await measureHelloWorldPaced(settings, pace, out);
    const readP99Ms = await measureBalanceReads(server, settings, pace, out);
    figure(out, "balance_read_p99.vs_hello_world", readP99Ms / hello.p99Ms, "x", { rate_target: pace });
    const batch = await measureBatch(server, settings, out);
    figure(out, "batch_events.vs_floor", batch / floors.batch, "x", {});
  } finally {
    await server.stop();
  }
}

/**
 * The bare `node:http` hello world under the charges' closed loop: the throughput ceiling,
 * what no request can beat on this machine at this moment.
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
    return rate;
  } finally {
    await hello.stop();
  }
}

/**
 * The paced reads' rate: the configured one, or READ_PACE_SHARE of the fewest a second the
 * server or hello world managed in this run if that is lower (rounded down to a hundred), so
 * the p99 is a latency, not a queue's length.
 */
function readPace(settings: HttpSettings, mostPerSecond: number): number {
  const servable = Math.floor((mostPerSecond * READ_PACE_SHARE) / 100) * 100;
  return Math.max(1, Math.min(settings.balanceReads.ratePerSecond, servable || Math.floor(mostPerSecond / 2)));
}

/**
 * Hello world at the paced reads' rate: the latency ceiling, no read answers faster than
 * nothing at all at this pace on this machine.
 */
async function measureHelloWorldPaced(settings: HttpSettings, pace: number, out: Output) {
  out.log(`ceiling: node:http hello world at ${pace}/s`);
  const hello = await startChildServer<{ url: string }>("./http-hello-world-process.ts");
  try {
    const paced = await runPacedReads(settings, pace, out, "hello world reads", {
      url: hello.info.url,
      serverPid: hello.pid,
      headers: {},
      path: () => "/",
    });
    return latencyFigures(out, "hello_world_read", paced, { rate_target: pace });
  } finally {
    await hello.stop();
  }
}

/**
 * GETs at `pace` with the balance reads' sockets and timing (against Tollgate, or its ceiling),
 * checked; a line says so when the run sent less than PACE_REACHED_SHARE of its target
 * (requests skipped because every connection was still waiting), with the rate it reached.
 */
async function runPacedReads(
  settings: HttpSettings,
  pace: number,
  out: Output,
  name: string,
  target: Pick<PacedLoadOptions, "url" | "serverPid" | "headers" | "path">,
): Promise<PacedOutcome> {
  const { connectionsMax, timing } = settings.balanceReads;
  const outcome = await runPacedLoad({ ratePerSecond: pace, connectionsMax, timing, ...target });
  if (outcome.sentPerSecond < pace * PACE_REACHED_SHARE) {
    out.log(
      `${name}: target rate not reached: ${Math.round(outcome.sentPerSecond)}/s achieved of ${pace}/s targeted ` +
        `(${outcome.skipped} requests skipped, every connection busy): the latencies are of a server at capacity`,
    );
  }
  // A skipped request is not a failure: the line above counts them.
  return checked(name, outcome);
}

/** `{prefix}_p50_ms` and `{prefix}_p99_ms` of a run's latencies (a paced run's with the rate it sent). */
function latencyFigures(out: Output, prefix: string, outcome: HttpOutcome | PacedOutcome, extra: object) {
  const paced = "sentPerSecond" in outcome ? { rate_achieved: Math.round(outcome.sentPerSecond) } : {};
  const p50Ms = percentile(outcome.latenciesMs, 50);
  const p99Ms = percentile(outcome.latenciesMs, 99);
  run(out, `${prefix}_p50_ms`, p50Ms, "ms", outcome, { ...extra, ...paced });
  run(out, `${prefix}_p99_ms`, p99Ms, "ms", outcome, { ...extra, ...paced });
  return { p50Ms, p99Ms };
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

/**
 * Balance reads as many as they go, under the ceiling's closed loop: with the secret key (a
 * random account of all), and with a customer token (its own account).
 */
async function measureMostReads(server: ChildServer<BenchServerInfo>, settings: HttpSettings, out: Output) {
  const { accounts, connections, timing } = settings;
  const { info } = server;
  const readers = [
    { kind: "secret", token: info.token, path: () => balancePath(accounts) },
    { kind: "customer", token: info.customerToken, path: () => `/v1/accounts/${info.customerAccount}/balances` },
  ] as const;
  const rates = { secret: 0, customer: 0 };
  for (const reader of readers) {
    out.log(`balance reads (${reader.kind} key): as many as they go, ${connections} connections`);
    const outcome = checked(
      `balance reads (${reader.kind} key)`,
      await runClosedLoad({
        url: info.url,
        connections,
        timing,
        serverPid: server.pid,
        headers: { authorization: `Bearer ${reader.token}` },
        request: { method: "GET", setupRequest: (request) => ({ ...request, path: reader.path() }) },
      }),
    );
    rates[reader.kind] = responsesPerSecond(outcome);
    const name = reader.kind === "secret" ? "balance_reads_per_s" : "balance_reads_customer_per_s";
    run(out, name, rates[reader.kind], "reads/s", outcome, { connections });
  }
  return rates;
}

/** Balance reads at `pace` (readPace): the rate sent and answered, and the latencies; returns the p99. */
async function measureBalanceReads(
  server: ChildServer<BenchServerInfo>,
  settings: HttpSettings,
  pace: number,
  out: Output,
): Promise<number> {
  out.log(`balance reads: GET /v1/accounts/{account}/balances at ${pace}/s`);
  const outcome = await runPacedReads(settings, pace, out, "balance reads", {
    url: server.info.url,
    serverPid: server.pid,
    headers: headersOf(server),
    path: () => balancePath(settings.accounts),
  });
  const extra = { rate_target: pace, rate_configured: settings.balanceReads.ratePerSecond };
  run(out, "balance_read_rate", responsesPerSecond(outcome), "reads/s", outcome, extra);
  return latencyFigures(out, "balance_read", outcome, extra).p99Ms;
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
function checked<Outcome extends HttpOutcome>(name: string, outcome: Outcome): Outcome {
  if (outcome.responses === 0) throw new Error(`${name}: no request answered 2xx`);
  if (failureShare(outcome) > FAILURE_SHARE_MAX) {
    const total = outcome.responses + outcome.non2xx + outcome.errors;
    throw new Error(`${name}: ${outcome.non2xx} non-2xx and ${outcome.errors} errors out of ${total} requests`);
  }
  return outcome;
}
