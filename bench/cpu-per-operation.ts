import { type Figure, roundValue } from "./report.ts";

/** One percent of a core for one second is 10,000 µs of CPU. */
const CPU_MICROSECONDS_PER_PERCENT = 10_000;

/** A figure counted per second (`charges/s`, `events/s`, …): one whose CPU splits per operation. */
function isRate(figure: Figure): boolean {
  return figure.unit.endsWith("/s") && Number.isFinite(figure.value) && figure.value > 0;
}

const numberField = (figure: Figure, name: string): number | undefined =>
  typeof figure[name] === "number" ? (figure[name] as number) : undefined;

/**
 * Adds to a rate the CPU each of its operations cost, in µs, from the run's CPU in percent of
 * a core: `cpu_self_us_per_op` is the process that did the work (the server's child process
 * over HTTP, `cpu_server`; else this bench process, `cpu_self`, which holds the ledger and an
 * in-process PGlite), `cpu_postgres_us_per_op` every `postgres` process. Only figures taken
 * on PostgreSQL get a PostgreSQL share: PGlite runs in this process, and the pure computations
 * use no database, so a `postgres` process busy meanwhile served someone else. Figures
 * without CPU fields (off Linux) and other figures pass as they are.
 */
export function withCpuPerOperation(figure: Figure): Figure {
  if (!isRate(figure)) return figure;
  const self = numberField(figure, "cpu_server") ?? numberField(figure, "cpu_self");
  const postgres = figure.database === "postgres" ? numberField(figure, "cpu_postgres") : undefined;
  const perOperation = (percent: number) => roundValue((percent * CPU_MICROSECONDS_PER_PERCENT) / figure.value);
  return {
    ...figure,
    ...(self === undefined ? {} : { cpu_self_us_per_op: perOperation(self) }),
    ...(postgres === undefined ? {} : { cpu_postgres_us_per_op: perOperation(postgres) }),
  };
}

/** The CPU per operation a figure carries, its names prefixed (`floor_` on a ratio's floor). */
export function cpuPerOperationOf(figure: Figure, prefix: string): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const name of ["cpu_self_us_per_op", "cpu_postgres_us_per_op"]) {
    const value = numberField(figure, name);
    if (value !== undefined) fields[`${prefix}${name}`] = value;
  }
  return fields;
}
