import { cpuPerOperationOf } from "./cpu-per-operation.ts";
import type { Figure } from "./report.ts";

/** Which way a goal points: a throughput ratio must reach it, a latency must stay under it. */
export type Better = "higher" | "lower";

/** One row of the hot path's table: a figure divided by its floor measured in the same run. */
export interface FloorGoal {
  /** The figure measured, e.g. `postgres.charges_10k_accounts`. */
  figure: string;
  /** What no design could beat on this machine at that moment, same run. */
  floor: string;
  goal: number;
  better: Better;
}

/** A figure held to an absolute goal (no floor divides it). */
export interface AbsoluteGoal {
  figure: string;
  goal: number;
  better: Better;
}

/**
 * Issue 17's table, one row a line. The balance reads' most per second come from a closed
 * loop like hello world's (`http.balance_reads_per_s`, 64 connections each); their paced p99
 * is a latency, so its ratio must stay at or under its goal and its line says so in its name.
 */
export const FLOOR_GOALS: readonly FloorGoal[] = [
  {
    figure: "postgres.charges_10k_accounts",
    floor: "postgres.floor_ledger_rows_10k_accounts",
    goal: 0.7,
    better: "higher",
  },
  {
    figure: "postgres.charges_hot_account",
    floor: "postgres.floor_ledger_rows_hot_account",
    goal: 0.7,
    better: "higher",
  },
  { figure: "http.charges_per_s", floor: "http.ledger_direct_charges_per_s", goal: 0.6, better: "higher" },
  { figure: "http.batch_events_per_s", floor: "http.batch_floor_events_per_s", goal: 0.7, better: "higher" },
  { figure: "http.balance_reads_per_s", floor: "http.hello_world_per_s", goal: 0.5, better: "higher" },
  { figure: "http.balance_read_p99_ms", floor: "http.hello_world_read_p99_ms", goal: 4, better: "lower" },
  { figure: "pglite.charges_10k_accounts", floor: "pglite.naive_charges_10k_accounts", goal: 2, better: "higher" },
];

/** The single charge's latencies, one caller, on PostgreSQL. */
export const ABSOLUTE_GOALS: readonly AbsoluteGoal[] = [
  { figure: "postgres.charge_latency_p50_single", goal: 1.5, better: "lower" },
  { figure: "postgres.charge_latency_p99_single", goal: 5, better: "lower" },
];

/** `…vs_floor`, or `…vs_floor_lower_is_better` for a latency, where the ratio must stay small. */
export function floorRatioName(goal: FloorGoal): string {
  return goal.better === "lower" ? `${goal.figure}.vs_floor_lower_is_better` : `${goal.figure}.vs_floor`;
}

/** The most CPU others used while either figure was measured: a ratio is as trustworthy as its noisier half. */
function othersOf(figure: Figure, floor: Figure): Record<string, number> {
  const others = [figure.cpu_others, floor.cpu_others].filter((value) => typeof value === "number");
  return others.length === 0 ? {} : { cpu_others: Math.max(...others) };
}

const met = (value: number, goal: number, better: Better) =>
  Number.isFinite(value) && (better === "higher" ? value >= goal : value <= goal);

/**
 * The goal lines for the figures of one run, by name: every ratio whose figure and floor were
 * both measured (a run of one part has only that part's), then the absolute goals. Each
 * ratio line names the two figures it divides and carries the CPU per operation of both, so
 * a ratio off its goal says whether Node or PostgreSQL did more work than the floor.
 */
export function goalFigures(figures: ReadonlyMap<string, Figure>): Figure[] {
  const lines: Figure[] = [];
  for (const goal of FLOOR_GOALS) {
    const figure = figures.get(goal.figure);
    const floor = figures.get(goal.floor);
    if (!figure || !floor) continue;
    const value = figure.value / floor.value;
    lines.push({
      bench: floorRatioName(goal),
      value,
      unit: "x",
      figure: goal.figure,
      floor: goal.floor,
      goal: goal.goal,
      better: goal.better,
      met: met(value, goal.goal, goal.better),
      ...cpuPerOperationOf(figure, ""),
      ...cpuPerOperationOf(floor, "floor_"),
      ...othersOf(figure, floor),
    });
  }
  for (const goal of ABSOLUTE_GOALS) {
    const figure = figures.get(goal.figure);
    if (!figure) continue;
    lines.push({
      bench: `${goal.figure}.vs_goal`,
      value: figure.value,
      unit: figure.unit,
      figure: goal.figure,
      goal: goal.goal,
      better: goal.better,
      met: met(figure.value, goal.goal, goal.better),
    });
  }
  return lines;
}
