import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { testDatabases, testPostgres } from "@tollgate/store/testing";
import { openPgliteBench, openPostgresBench } from "./bench-database.ts";
import { measureProcessFigures } from "./cost-computations.ts";
import { collectGoals } from "./goal-sink.ts";
import { type HttpSettings, runHttpSuite } from "./http-suite.ts";
import { type ProxySettings, runProxySuite } from "./proxy-suite.ts";
import { runRenewalSuite } from "./renewal-suite.ts";
import { formatFigure } from "./report.ts";
import { runStartSuite } from "./start-suite.ts";
import { runSuite, type SuiteSettings } from "./suite.ts";

/** The group-commit floors, measured on PostgreSQL only. */
const FLOORS = [
  "floor_grouped_naive_10k_accounts",
  "floor_grouped_naive_hot_account",
  "floor_ledger_rows_10k_accounts",
  "floor_ledger_rows_hot_account",
];

/** The figures `npm run bench` prints once, before the first database's. */
const PROCESS_FIGURES = ["core.cost_computations", "metering.quote_with_cached_price"];

/** Every figure `npm run bench` prints, per database. */
const figures = (withFloors: boolean) => [
  "naive_charges_10k_accounts",
  "naive_charges_hot_account",
  ...(withFloors ? FLOORS : []),
  "charges_10k_accounts",
  "charge_latency_p50_under_load",
  "charge_latency_p99_under_load",
  "charges_with_usage_event",
  "charges_hot_account",
  "authorize_settle_pairs",
  "balance_reads",
  "charge_latency_p50_single",
  "charge_latency_p99_single",
  ...(withFloors ? FLOORS.map((floor) => `${floor}.vs_naive`) : []),
  "charges_10k_accounts.vs_naive",
  "charges_hot_account.vs_naive",
  "charges_with_usage_event.vs_plain",
  "usage_report_month_p50",
  "usage_report_month_p95",
  "usage_report_by_day_month_p50",
  "usage_report_by_day_month_p95",
];

/** The goal lines the end of a run prints for one database (ratios.ts), then the run's summary. */
const goalLines = (database: "postgres" | "pglite") =>
  database === "postgres"
    ? [
        "postgres.charges_10k_accounts.vs_floor",
        "postgres.charges_hot_account.vs_floor",
        "postgres.charge_latency_p50_single.vs_goal",
        "postgres.charge_latency_p99_single.vs_goal",
        "run.cpu_others_max",
      ]
    : ["pglite.charges_10k_accounts.vs_floor", "run.cpu_others_max"];

/**
 * A tiny scale: 2,000 usage events instead of a million, 5 reports per grouping instead of
 * 200, and every run a count of operations instead of a timed window, so a busy machine makes
 * the test slower, never empty.
 */
const SMOKE: SuiteSettings = {
  accounts: 20,
  concurrency: 4,
  hotConcurrency: 4,
  timing: { operations: 40 },
  usageEvents: 2000,
  reportQueries: 5,
};

const LINE =
  /^\{"bench":"[a-z0-9_.]+","value":-?\d+(\.\d+)?(e[+-]?\d+)?,"unit":"[a-z/]+"(,"[a-z_]+":("[^"]*"|-?\d+(\.\d+)?(e[+-]?\d+)?|true|false))*\}$/;

// A smoke test, so the benchmark cannot rot: every run on a tiny scale, every line checked.
for (const database of await testDatabases()) {
  describe(`npm run bench on ${database.name}`, () => {
    test("prints one well-formed JSON line per figure", async () => {
      const bench =
        database.databaseUrl === undefined
          ? await openPgliteBench({ storage: "memory" })
          : await openPostgresBench({ databaseUrl: database.databaseUrl });
      const lines: string[] = [];
      const goals = collectGoals(
        (figure) => lines.push(formatFigure(figure)),
        () => {},
      );
      const output = { sink: goals.sink, log() {} };
      try {
        await measureProcessFigures(bench.ledger, SMOKE.timing, output);
        await runSuite(bench, SMOKE, output);
      } finally {
        await bench.dispose();
      }
      goals.finish();
      assertFigures(lines, [
        ...PROCESS_FIGURES,
        ...figures(database.databaseUrl !== undefined).map((figure) => `${database.name}.${figure}`),
        ...goalLines(database.databaseUrl === undefined ? "pglite" : "postgres"),
      ]);
    });
  });
}

/** The HTTP part's figures (PostgreSQL only), in order. */
const HTTP_FIGURES = [
  "hello_world_per_s",
  "ledger_direct_charges_per_s",
  "charges_floor_per_s",
  "batch_floor_events_per_s",
  "charges_per_s",
  "charges_p50_ms",
  "charges_p99_ms",
  "charges.vs_hello_world",
  "charges.vs_ledger_direct",
  "charges.vs_floor",
  "balance_reads_per_s",
  "balance_reads_customer_per_s",
  "balance_reads.vs_hello_world",
  "balance_reads_customer.vs_hello_world",
  "hello_world_read_p50_ms",
  "hello_world_read_p99_ms",
  "balance_read_rate",
  "balance_read_p50_ms",
  "balance_read_p99_ms",
  "balance_read_p99.vs_hello_world",
  "batch_events_per_s",
  "batch_events.vs_floor",
];

/** The HTTP part's goal lines, printed at the end of the run, then the run's summary. */
const HTTP_GOAL_LINES = [
  "http.charges_per_s.vs_floor",
  "http.batch_events_per_s.vs_floor",
  "http.balance_reads_per_s.vs_floor",
  "http.balance_read_p99_ms.vs_floor_lower_is_better",
  "run.cpu_others_max",
];

/** Two server processes, 40 requests each way, 10-event batches. */
const HTTP_SMOKE: HttpSettings = {
  accounts: 20,
  connections: 4,
  timing: { operations: 40 },
  balanceReads: { ratePerSecond: 200, connectionsMax: 4, timing: { operations: 40 } },
  batch: { connections: 2, size: 10, timing: { operations: 10 } },
};

const postgres = await testPostgres();
describe("npm run bench, the HTTP part", () => {
  test("prints one well-formed JSON line per figure", { skip: postgres ? false : "PostgreSQL only" }, async () => {
    const lines: string[] = [];
    const goals = collectGoals(
      (figure) => lines.push(formatFigure(figure)),
      () => {},
    );
    await runHttpSuite(HTTP_SMOKE, { databaseUrl: postgres?.databaseUrl as string, sink: goals.sink, log() {} });
    goals.finish();
    assertFigures(lines, [...HTTP_FIGURES.map((figure) => `http.${figure}`), ...HTTP_GOAL_LINES]);
  });
});

describe("npm run bench, the renewal part", () => {
  test("prints one well-formed JSON line per figure", { skip: postgres ? false : "PostgreSQL only" }, async () => {
    const lines: string[] = [];
    const goals = collectGoals(
      (figure) => lines.push(formatFigure(figure)),
      () => {},
    );
    // Two rounds, each two batches of grants and two renewDue calls (limit 10 for 20 subscriptions);
    // the suite counts the renewals in the database itself.
    await runRenewalSuite(
      { subscriptions: 20, concurrency: 4, limit: 10, rounds: 2 },
      { databaseUrl: postgres?.databaseUrl as string, sink: goals.sink, log() {} },
    );
    goals.finish();
    // No goal of the hot path's table is a renewal's: the run's summary follows its figures.
    assertFigures(lines, [
      "renewal.grant_floor_per_s",
      "renewal.renewals_per_s",
      "renewal.renewals.vs_grant_floor",
      "run.cpu_others_max",
    ]);
  });
});

/** Requests per target and case in the proxy part's smoke run. */
const PROXY_SMOKE_REQUESTS = 12;
/** Three processes (upstream, floor, Tollgate), 12 requests per target and case in 2 rounds. */
const PROXY_SMOKE: ProxySettings = {
  accounts: 4,
  ratePerSecond: 200,
  connectionsMax: 8,
  delaysMs: [50, 0],
  timing: { operations: PROXY_SMOKE_REQUESTS },
  rounds: 2,
};

/** The proxy part's figures for one case (mode and delay), in order. */
function proxyCaseFigures(suffix: string): string[] {
  const latencies = ["p50", "p99"].flatMap((rank) => [
    `direct_${rank}_ms.${suffix}`,
    ...["tollgate", "floor", "over_floor", "over_floor_vs_goal"].map((part) => `added_${rank}_ms.${suffix}.${part}`),
  ]);
  const segments = ["auth", "hold", "hold_commit", "settle", "settle_commit", "handler"].flatMap((segment) => [
    `segment_p50_ms.${segment}.${suffix}`,
    `segment_p99_ms.${segment}.${suffix}`,
  ]);
  const cpu = ["tollgate", "floor", "upstream"].map((process) => `cpu_ms_per_request.${suffix}.${process}`);
  return [...latencies, ...cpu, `errors.${suffix}`, ...segments].map((name) => `proxy.${name}`);
}

describe("npm run bench, the proxy part", () => {
  test("prints one well-formed JSON line per figure", { skip: postgres ? false : "PostgreSQL only" }, async () => {
    const lines: string[] = [];
    await runProxySuite(PROXY_SMOKE, {
      databaseUrl: postgres?.databaseUrl as string,
      sink: (figure) => lines.push(formatFigure(figure)),
      log() {},
    });
    const expected = [50, 0].flatMap((delay) =>
      ["nonstream", "stream_ttfb"].flatMap((mode) => proxyCaseFigures(`${mode}.delay${delay}`)),
    );
    const figures = lines.map((line) => {
      assert.match(line, LINE);
      return JSON.parse(line) as { bench: string; value: number; calls?: number };
    });
    assert.deepEqual(
      figures.map((figure) => figure.bench),
      expected,
    );
    // An added latency is a difference of two runs' percentiles: any sign, but a number.
    for (const figure of figures) assert.ok(Number.isFinite(figure.value), `${figure.bench}: a number`);
    for (const figure of figures.filter((figure) => figure.bench.startsWith("proxy.errors."))) {
      assert.equal(figure.value, 0, `${figure.bench}: every request answered 2xx`);
    }
    // Each case's Tollgate requests were all authenticated and held by the app measured.
    for (const figure of figures.filter((figure) => /^proxy\.segment_p50_ms\.(auth|hold)\./.test(figure.bench))) {
      assert.equal(figure.calls, PROXY_SMOKE_REQUESTS, `${figure.bench}: every request timed`);
    }
  });
});

/** The start part's figures (PGlite), in order. */
const START_FIGURES = [
  "node_ms",
  "help_ms",
  "pglite_open_ms",
  "balance_pglite_ms",
  "serve_ready_pglite_ms",
  "serve_ready_fresh_pglite_ms",
  "help.vs_node",
  "balance_pglite.vs_pglite_open",
  "serve_ready_pglite.vs_pglite_open",
];

describe("npm run bench, the start part", () => {
  test("prints one well-formed JSON line per figure", async () => {
    const lines: string[] = [];
    // One start of each: the compiled command is built by the test runner.
    await runStartSuite({ starts: 1, warmups: 0 }, { sink: (figure) => lines.push(formatFigure(figure)), log() {} });
    assertFigures(
      lines,
      START_FIGURES.map((figure) => `start.${figure}`),
    );
  });
});

function assertFigures(lines: string[], expected: string[]): void {
  for (const line of lines) {
    assert.match(line, LINE);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed).slice(0, 3), ["bench", "value", "unit"]);
    // Others' CPU can be nothing at all; every other figure measured something.
    const least = parsed.bench === "run.cpu_others_max" ? 0 : Number.MIN_VALUE;
    assert.ok(Number.isFinite(parsed.value) && (parsed.value as number) >= least, `${line}: a positive value`);
    assertFields(parsed);
  }
  const names = lines.map((line) => (JSON.parse(line) as { bench: string }).bench);
  assert.deepEqual(names, expected);
}

/** Every goal line (ratios.ts): `http.charges.vs_floor` and its like are older lines without a goal. */
const GOAL_LINES = new Set(
  [...goalLines("postgres"), ...goalLines("pglite"), ...HTTP_GOAL_LINES].filter(
    (name) => name !== "run.cpu_others_max",
  ),
);

/** The fields each kind of line promises (their values vary with the machine; only their shape is checked). */
function assertFields(figure: Record<string, unknown>): void {
  const name = figure.bench as string;
  const hasCpu = typeof figure.cpu_self === "number" || typeof figure.cpu_server === "number";
  if ((figure.unit as string).endsWith("/s") && hasCpu) {
    assert.equal(typeof figure.cpu_self_us_per_op, "number", `${name}: CPU per operation of the process at work`);
    if (figure.database === "postgres") {
      assert.equal(typeof figure.cpu_postgres_us_per_op, "number", `${name}: PostgreSQL's CPU per operation`);
    }
  }
  if (GOAL_LINES.has(name)) {
    assert.equal(typeof figure.goal, "number", `${name}: its goal`);
    assert.equal(typeof figure.met, "boolean", `${name}: whether it met it`);
    assert.match(String(figure.better), /^(higher|lower)$/, `${name}: which way the goal points`);
    assert.equal(typeof figure.figure, "string", `${name}: the figure it holds to the goal`);
    if (!name.endsWith(".vs_goal")) {
      assert.equal(typeof figure.floor, "string", `${name}: the floor it divides by`);
      assert.equal(name.endsWith("_lower_is_better"), figure.better === "lower", `${name}: its name says which way`);
    }
  }
  if (name === "run.cpu_others_max") {
    assert.equal(typeof figure.quiet, "boolean", "run.cpu_others_max: whether the run was quiet");
    assert.equal(typeof figure.worst, "string", "run.cpu_others_max: the figure taken with the most");
  }
}
