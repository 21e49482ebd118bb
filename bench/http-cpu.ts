import { readFileSync } from "node:fs";
import { watchCpu } from "./cpu-usage.ts";

const TICKS_PER_SECOND = 100;

/** CPU use during an HTTP run, in percent of one core: the load generator is this process. */
export interface HttpCpuUsage {
  loadGenerator: number;
  /** The server under test, in its child process. */
  server: number;
  postgres: number;
  /** Everything else on the machine. */
  others: number;
}

/** User + system ticks (1/100 s) of process `pid`; 0 once it has ended or off Linux. */
export function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * Starts watching CPU use with the server's child process counted on its own (cpu-usage.ts
 * would count it among the others'); the returned function stops and reports.
 */
export function watchHttpCpu(serverPid: number): () => HttpCpuUsage | null {
  const stop = watchCpu();
  const startTicks = processTicks(serverPid);
  const startedAt = performance.now();
  return () => {
    const cpu = stop();
    if (!cpu) return null;
    const seconds = (performance.now() - startedAt) / 1000;
    const server = Math.round(((processTicks(serverPid) - startTicks) / TICKS_PER_SECOND / seconds) * 100);
    return { loadGenerator: cpu.self, server, postgres: cpu.postgres, others: Math.max(0, cpu.others - server) };
  };
}

/** A run's CPU use as figure fields (none off Linux). */
export function httpCpuFields(cpu: HttpCpuUsage | null): Record<string, number> {
  if (!cpu) return {};
  return { cpu_load: cpu.loadGenerator, cpu_server: cpu.server, cpu_postgres: cpu.postgres, cpu_others: cpu.others };
}
