import { readdirSync, readFileSync } from "node:fs";

/** CPU used during a run, in percent of one core, split by who used it. */
export interface CpuUsage {
  /** This benchmark process (the ledger, and PGlite when it runs in process). */
  self: number;
  /** Every `postgres` process: the server measured, and whatever else it serves. */
  postgres: number;
  /** Everything else on the machine: a busy neighbour makes every figure lower. */
  others: number;
}

const TICKS_PER_SECOND = 100;

function busyTicks(): number {
  const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return user + nice + system + irq + softirq + steal;
}

/** CPU ticks of each running `postgres` process, by pid. */
function postgresTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      if (stat.slice(stat.indexOf("(") + 1, close) !== "postgres") continue;
      const fields = stat.slice(close + 2).split(" ");
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended while being read.
    }
  }
  return ticks;
}

/**
 * Starts watching CPU use; the returned function stops and reports it. Linux only (reads
 * /proc): elsewhere it reports nothing. A postgres process that ends during the run is
 * not counted (its CPU shows as others').
 */
export function watchCpu(): () => CpuUsage | null {
  let startBusy: number;
  let startPostgres: Map<string, number>;
  try {
    startBusy = busyTicks();
    startPostgres = postgresTicks();
  } catch {
    return () => null;
  }
  const startSelf = process.cpuUsage();
  const startedAt = performance.now();
  return () => {
    const seconds = (performance.now() - startedAt) / 1000;
    const self = process.cpuUsage(startSelf);
    const selfTicks = ((self.user + self.system) / 1e6) * TICKS_PER_SECOND;
    let postgres = 0;
    for (const [pid, ticks] of postgresTicks()) postgres += ticks - (startPostgres.get(pid) ?? 0);
    const busy = busyTicks() - startBusy;
    const percent = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / seconds) * 100);
    return {
      self: percent(selfTicks),
      postgres: percent(postgres),
      others: percent(Math.max(0, busy - selfTicks - postgres)),
    };
  };
}

/** A run's CPU use as figure fields (none off Linux). */
export function cpuFields(cpu: CpuUsage | null): Record<string, number> {
  return cpu ? { cpu_self: cpu.self, cpu_postgres: cpu.postgres, cpu_others: cpu.others } : {};
}
