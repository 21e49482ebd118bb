import { loadavg } from "node:os";
import type { Pool } from "undici";
import { type ChildServer, startChildServer } from "./http-child-process.ts";
import { httpCpuFields, processTicks, watchHttpCpu } from "./http-cpu.ts";
import { isCounted, percentile, type RunTiming } from "./measure.ts";
import { openPostPool, type PacedPostOutcome, type PostRequest, runPacedPosts } from "./proxy-paced-load.ts";
import { SEGMENTS, type SegmentSummary } from "./proxy-segments.ts";
import type { ProxyServerInfo } from "./proxy-server-process.ts";
import { type FigureSink, progress, roundValue } from "./report.ts";

/** What the proxy part measures with; `main.ts` sets the real sizes, the smoke test tiny ones. */
export interface ProxySettings {
  /** Funded accounts, each with its own customer token; requests go to them in turn (1,000). */
  accounts: number;
  /** Requests started per second, an open loop (500). */
  ratePerSecond: number;
  /** Keep-alive connections per target at most (1,024). */
  connectionsMax: number;
  /** The upstream's answer delays measured, in ms ([50, 0]). */
  delaysMs: number[];
  /**
   * Per target and case: a timed run is `rate × durationMs` requests measured after
   * `rate × warmupMs` dropped; a counted one that many requests, no warm-up.
   */
  timing: RunTiming;
  /** The measured requests are split into rounds that visit the three targets in turn (3). */
  rounds: number;
}

/** What a case measures: a non-streamed answer to its last byte, a stream to its first. */
const MODES = [
  { name: "nonstream", stream: false, latencyTo: "last_byte" },
  { name: "stream_ttfb", stream: true, latencyTo: "first_byte" },
] as const;
type Mode = (typeof MODES)[number];

/** The goals, Tollgate's added latency over the floor's (issue 15 item 8). */
const GOAL_OVER_FLOOR_MS = { p50: 0.5, p99: 2 } as const;

/** A chat request of a typical size: a system prompt and a question (~400 bytes). */
const MESSAGES = [
  { role: "system", content: "You are a concise assistant for a note-taking app. Answer in one sentence." },
  {
    role: "user",
    content: "Summarise my note in a line: met the design team, agreed the new onboarding flow ships next sprint.",
  },
];

type TargetName = "direct" | "floor" | "tollgate";

/** One thing the load is sent to in a case: where, and what each request carries. */
interface Target {
  name: TargetName;
  /** The process that serves it, whose CPU per request is reported. */
  pid: number;
  pool: Pool;
  path: string;
  request: (sequence: number) => PostRequest;
}

interface Processes {
  upstream: ChildServer<{ url: string }>;
  floor: ChildServer<{ url: string }>;
  tollgate: ChildServer<ProxyServerInfo>;
}

/**
 * The proxy's added latency on PostgreSQL, at a paced rate: the fake upstream
 * (proxy-upstream-process.ts), a bare `undici` pass-through (proxy-floor-process.ts) and
 * Tollgate's proxy (proxy-server-process.ts), each in its own process, the load generator
 * this one. Per upstream delay and mode (non-streamed, streamed), the same requests go to
 * the upstream directly, through the floor and through Tollgate, in interleaved rounds so a
 * neighbour's burst on this shared machine falls on all three alike. Figures are `proxy.*`;
 * see docs/operating/benchmarks.md.
 */
export async function runProxySuite(
  settings: ProxySettings,
  options: { databaseUrl: string; sink: FigureSink; log?: (message: string) => void },
): Promise<void> {
  const log = (message: string) => (options.log ?? progress)(`proxy: ${message}`);
  log(`starting the fake upstream, the floor and Tollgate (${settings.accounts} accounts with customer tokens)`);
  const processes = await startProcesses(settings, options.databaseUrl);
  const pools: Pool[] = [];
  const pool = (origin: string) => {
    const opened = openPostPool(origin, settings.connectionsMax);
    pools.push(opened);
    return opened;
  };
  try {
    const direct = pool(processes.upstream.info.url);
    const floor = pool(processes.floor.info.url);
    for (const delayMs of settings.delaysMs) {
      const tollgate = pool(processes.tollgate.info.urls[String(delayMs)] as string);
      for (const mode of MODES) {
        log(`${mode.name}, upstream delay ${delayMs} ms, ${settings.ratePerSecond}/s`);
        const targets = targetsOf({ direct, floor, tollgate }, processes, delayMs, mode);
        await measureCase(settings, { targets, mode, delayMs, processes, sink: options.sink });
      }
    }
  } finally {
    await Promise.all(pools.map((opened) => opened.close()));
    await stopAll(processes);
  }
}

async function startProcesses(settings: ProxySettings, databaseUrl: string): Promise<Processes> {
  const upstream = await startChildServer<{ url: string }>("./proxy-upstream-process.ts");
  const started: Array<ChildServer<unknown>> = [upstream];
  try {
    const floor = await startChildServer<{ url: string }>("./proxy-floor-process.ts", { args: [upstream.info.url] });
    started.push(floor);
    const tollgate = await startChildServer<ProxyServerInfo>("./proxy-server-process.ts", {
      args: [String(settings.accounts), upstream.info.url, settings.delaysMs.join(",")],
      env: { TOLLGATE_BENCH_DATABASE_URL: databaseUrl },
    });
    return { upstream, floor, tollgate };
  } catch (error) {
    await Promise.allSettled(started.map((child) => child.stop()));
    throw error;
  }
}

async function stopAll(processes: Processes): Promise<void> {
  const stopped = await Promise.allSettled([
    processes.tollgate.stop(),
    processes.floor.stop(),
    processes.upstream.stop(),
  ]);
  const failed = stopped.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}

/**
 * The same body to all three; Tollgate's requests carry the customer tokens in turn, so each
 * account sees `rate / accounts` requests a second and no per-account limit is what is measured.
 */
function targetsOf(pools: Record<TargetName, Pool>, processes: Processes, delayMs: number, mode: Mode): Target[] {
  const { tokens } = processes.tollgate.info;
  const body = JSON.stringify({
    model: "openai/gpt-4o-mini",
    messages: MESSAGES,
    max_tokens: 256,
    stream: mode.stream,
  });
  const plain = () => ({ headers: { "content-type": "application/json" }, body });
  const upstreamPath = `/delay-${delayMs}/v1/chat/completions`;
  return [
    { name: "direct", pid: processes.upstream.pid, pool: pools.direct, path: upstreamPath, request: plain },
    { name: "floor", pid: processes.floor.pid, pool: pools.floor, path: upstreamPath, request: plain },
    {
      name: "tollgate",
      pid: processes.tollgate.pid,
      pool: pools.tollgate,
      path: "/openai/v1/chat/completions",
      request: (sequence) => ({
        headers: { "content-type": "application/json", authorization: `Bearer ${tokens[sequence % tokens.length]}` },
        body,
      }),
    },
  ];
}

/** Per target: its answers, and its process's CPU ticks during its measured rounds. */
type Measured = Record<TargetName, PacedPostOutcome & { cpuTicks: number }>;

interface Case {
  targets: Target[];
  mode: Mode;
  delayMs: number;
  processes: Processes;
  sink: FigureSink;
}

/** Warm-up of each target, then the measured rounds, then the figures of the case. */
async function measureCase(settings: ProxySettings, run: Case): Promise<void> {
  const { timing, ratePerSecond, rounds } = settings;
  const perTarget = isCounted(timing) ? timing.operations : Math.round((ratePerSecond * timing.durationMs) / 1000);
  const warmup = isCounted(timing) ? 0 : Math.round((ratePerSecond * timing.warmupMs) / 1000);
  const paced = (target: Target, requests: number, offset: number) =>
    runPacedPosts({
      pool: target.pool,
      path: target.path,
      ratePerSecond,
      requests,
      request: (sequence) => target.request(offset + sequence),
      latencyTo: run.mode.latencyTo,
    });
  for (const target of run.targets) await paced(target, warmup, 0);
  const tollgateUrl = Object.values(run.processes.tollgate.info.urls)[0] as string;
  await fetch(`${tollgateUrl}/bench/segments/reset`, { method: "POST" });
  const loadAverage = loadavg()[0] as number;
  const stopCpu = watchHttpCpu(run.processes.tollgate.pid);
  const measured: Measured = {
    direct: emptyOutcome(),
    floor: emptyOutcome(),
    tollgate: emptyOutcome(),
  };
  const perRound = Math.ceil(perTarget / rounds);
  for (let round = 0; round < rounds; round++) {
    // Each round starts with a different target, so none is always measured first (or last).
    for (let step = 0; step < run.targets.length; step++) {
      const target = run.targets[(round + step) % run.targets.length] as Target;
      const ticksBefore = processTicks(target.pid);
      const outcome = await paced(target, perRound, warmup + round * perRound);
      measured[target.name].cpuTicks += processTicks(target.pid) - ticksBefore;
      merge(measured[target.name], outcome);
    }
  }
  const cpu = stopCpu();
  const segments = (await (await fetch(`${tollgateUrl}/bench/segments`)).json()) as SegmentSummary;
  const extra = {
    rate_target: ratePerSecond,
    requests: perRound * rounds,
    load_average: Number(loadAverage.toFixed(2)),
    ...httpCpuFields(cpu),
  };
  caseFigures(run, measured, segments, extra);
}

function emptyOutcome(): PacedPostOutcome & { cpuTicks: number } {
  return { latenciesMs: [], non2xx: 0, errors: 0, firstFailure: null, cpuTicks: 0 };
}

function merge(into: PacedPostOutcome, outcome: PacedPostOutcome): void {
  for (const latency of outcome.latenciesMs) into.latenciesMs.push(latency);
  into.non2xx += outcome.non2xx;
  into.errors += outcome.errors;
  into.firstFailure ??= outcome.firstFailure;
}

/**
 * Per case: the direct latencies, each proxy's added p50 and p99 (its percentile less the
 * direct one), Tollgate's over the floor's against the goals, the failed requests, and where
 * Tollgate's time went. A case with a target that answered nothing measured nothing: it throws.
 */
function caseFigures(run: Case, measured: Measured, segments: SegmentSummary, extra: Record<string, number>): void {
  const suffix = `${run.mode.name}.delay${run.delayMs}`;
  const figure = (name: string, value: number, unit: string, more: Record<string, number> = {}) =>
    run.sink({ bench: `proxy.${name}`, value, unit, database: "postgres", ...extra, ...more });
  for (const target of run.targets) {
    if (measured[target.name].latenciesMs.length === 0) {
      throw new Error(`proxy ${suffix}: ${target.name} answered no request (${measured[target.name].firstFailure})`);
    }
  }
  for (const rank of ["p50", "p99"] as const) {
    const of = (name: TargetName) => percentile(measured[name].latenciesMs, rank === "p50" ? 50 : 99);
    const direct = of("direct");
    figure(`direct_${rank}_ms.${suffix}`, direct, "ms");
    const tollgate = of("tollgate") - direct;
    const floor = of("floor") - direct;
    figure(`added_${rank}_ms.${suffix}.tollgate`, tollgate, "ms", { latency_ms: roundValue(of("tollgate")) });
    figure(`added_${rank}_ms.${suffix}.floor`, floor, "ms", { latency_ms: roundValue(of("floor")) });
    const goal = GOAL_OVER_FLOOR_MS[rank];
    figure(`added_${rank}_ms.${suffix}.over_floor`, tollgate - floor, "ms", { goal_ms: goal });
    figure(`added_${rank}_ms.${suffix}.over_floor_vs_goal`, (tollgate - floor) / goal, "x", { goal_ms: goal });
  }
  // CPU time a request costs its server, whatever share of the machine the server got: on
  // a crowded host, latency follows it once a server needs more than its share.
  for (const name of ["tollgate", "floor", "direct"] as const) {
    const { cpuTicks, latenciesMs } = measured[name];
    const label = name === "direct" ? "upstream" : name;
    figure(`cpu_ms_per_request.${suffix}.${label}`, (cpuTicks * 10) / Math.max(1, latenciesMs.length), "ms");
  }
  const failed = (name: TargetName) => measured[name].non2xx + measured[name].errors;
  figure(`errors.${suffix}`, failed("direct") + failed("floor") + failed("tollgate"), "requests", {
    direct: failed("direct"),
    floor: failed("floor"),
    tollgate: failed("tollgate"),
  });
  for (const name of ["direct", "floor", "tollgate"] as const) {
    const first = measured[name].firstFailure;
    if (first) progress(`proxy ${suffix}: ${name} failed ${failed(name)} requests; the first: ${first}`);
  }
  for (const segment of SEGMENTS) {
    const { calls, p50Ms, p99Ms } = segments[segment];
    figure(`segment_p50_ms.${segment}.${suffix}`, p50Ms, "ms", { calls });
    figure(`segment_p99_ms.${segment}.${suffix}`, p99Ms, "ms", { calls });
  }
}
