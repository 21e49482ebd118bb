import assert from "node:assert/strict";
import { test } from "node:test";
import { withCpuPerOperation } from "./cpu-per-operation.ts";
import { collectGoals } from "./goal-sink.ts";
import { quietRunFigure } from "./quiet-run.ts";
import { goalFigures } from "./ratios.ts";
import type { Figure } from "./report.ts";

const rate = (bench: string, value: number, extra: Record<string, string | number> = {}): Figure => ({
  bench,
  value,
  unit: "charges/s",
  database: "postgres",
  ...extra,
});

const byName = (figures: Figure[]) => new Map(figures.map((figure) => [figure.bench, figure]));

test("a ratio line divides its figure by its floor and says whether the goal was met", () => {
  const [line] = goalFigures(
    byName([rate("postgres.charges_10k_accounts", 800), rate("postgres.floor_ledger_rows_10k_accounts", 1000)]),
  );
  assert.deepEqual(line, {
    bench: "postgres.charges_10k_accounts.vs_floor",
    value: 0.8,
    unit: "x",
    figure: "postgres.charges_10k_accounts",
    floor: "postgres.floor_ledger_rows_10k_accounts",
    goal: 0.7,
    better: "higher",
    met: true,
  });
});

test("a latency ratio is met at or under its goal, and its name says lower is better", () => {
  const latency = (bench: string, value: number): Figure => ({ bench, value, unit: "ms" });
  const lines = goalFigures(
    byName([latency("http.balance_read_p99_ms", 8), latency("http.hello_world_read_p99_ms", 2)]),
  );
  assert.deepEqual(
    lines.map((line) => [line.bench, line.value, line.better, line.met]),
    [["http.balance_read_p99_ms.vs_floor_lower_is_better", 4, "lower", true]],
  );
});

test("a goal whose figure or floor was not measured prints no line; an absolute goal needs no floor", () => {
  const lines = goalFigures(
    byName([
      rate("postgres.charges_10k_accounts", 800),
      { bench: "postgres.charge_latency_p99_single", value: 5.5, unit: "ms" },
    ]),
  );
  assert.deepEqual(
    lines.map((line) => [line.bench, line.goal, line.met]),
    [["postgres.charge_latency_p99_single.vs_goal", 5, false]],
  );
});

test("CPU per operation: percent of a core over the rate, the server's over HTTP, no PostgreSQL share off PostgreSQL", () => {
  assert.deepEqual(withCpuPerOperation(rate("postgres.x", 2000, { cpu_self: 50, cpu_postgres: 80, cpu_others: 1 })), {
    ...rate("postgres.x", 2000, { cpu_self: 50, cpu_postgres: 80, cpu_others: 1 }),
    cpu_self_us_per_op: 250,
    cpu_postgres_us_per_op: 400,
  });
  const http = withCpuPerOperation(rate("http.x", 1000, { cpu_load: 90, cpu_server: 70, cpu_postgres: 20 }));
  assert.equal(http.cpu_self_us_per_op, 700);
  const pglite = withCpuPerOperation(
    rate("pglite.x", 1000, { database: "pglite temp dir", cpu_self: 100, cpu_postgres: 5 }),
  );
  assert.equal(pglite.cpu_self_us_per_op, 1000);
  assert.equal("cpu_postgres_us_per_op" in pglite, false);
  const latency: Figure = { bench: "postgres.p99", value: 3, unit: "ms", cpu_self: 50 };
  assert.deepEqual(withCpuPerOperation(latency), latency);
});

test("the run is quiet only when others stayed at or under the limit in every window", () => {
  const quiet = quietRunFigure([rate("a", 1, { cpu_others: 3 }), rate("b", 1, { cpu_others: 10 })]);
  assert.equal(quiet?.quiet, true);
  assert.equal(quiet?.value, 10);
  const noisy = quietRunFigure([rate("a", 1, { cpu_others: 3 }), rate("b", 1, { cpu_others: 40 })]);
  assert.deepEqual([noisy?.quiet, noisy?.value, noisy?.worst, noisy?.figures_noisy], [false, 40, "b", 1]);
  assert.equal(quietRunFigure([rate("a", 1)]), null);
});

test("the goal sink passes figures on as they come and prints the goals and the summary at the end", () => {
  const printed: string[] = [];
  const notes: string[] = [];
  const goals = collectGoals(
    (figure) => printed.push(figure.bench),
    (message) => notes.push(message),
  );
  goals.sink(rate("pglite.naive_charges_10k_accounts", 100, { database: "pglite", cpu_self: 90, cpu_others: 50 }));
  goals.sink(rate("pglite.charges_10k_accounts", 250, { database: "pglite", cpu_self: 95, cpu_others: 2 }));
  assert.deepEqual(printed, ["pglite.naive_charges_10k_accounts", "pglite.charges_10k_accounts"]);
  goals.finish();
  assert.deepEqual(printed.slice(2), ["pglite.charges_10k_accounts.vs_floor", "run.cpu_others_max"]);
  assert.equal(notes.length, 1, "a run that was not quiet says so");
});
