/**
 * Tollgate serving the metering proxy, in a child process of its own: a ledger on PostgreSQL
 * in a fresh schema (TOLLGATE_BENCH_DATABASE_URL), the meter pricing calls from OpenRouter's
 * `usage.cost`, API keys and `createApp` as `tollgate serve` wires them (default operations,
 * balance cache on, the expiry sweeper running), on 127.0.0.1. Arguments: the number of
 * funded accounts, each with its own customer token (argv[2]); the fake upstream's origin
 * (argv[3]); the upstream delays in ms, comma-separated (argv[4]). One app per delay, each on
 * its own port with its proxy's base URL `{origin}/delay-{ms}/v1`, all on the same ledger.
 * Prints `{"urls", "tokens"}` as one line; when its stdin closes it stops and drops the schema.
 *
 * `GET /bench/segments` on any of its ports answers the segment times (proxy-segments.ts)
 * since the last `POST /bench/segments/reset`. With TOLLGATE_BENCH_PROXY_PROFILE set to a
 * file, the process profiles its CPU from the moment it listens and writes the V8
 * `.cpuprofile` there when it stops (`bench/cpu-profile-top.ts` summarises one). Run by
 * proxy-suite.ts.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { definePricingConfig, Meter } from "@tollgate/metering";
import { createApp, type Logger, startExpirySweeper } from "@tollgate/server";
import { ApiKeys } from "@tollgate/store";
import { LOCAL_POSTGRES, openPostgresBench } from "./bench-database.ts";
import { startProfile } from "./cpu-profile.ts";
import { benchAccount } from "./ledger-runs.ts";
import { type Segment, SegmentTimes, timeMethod } from "./proxy-segments.ts";
import { progress } from "./report.ts";

/** What the process announces on stdout once it listens. */
export interface ProxyServerInfo {
  /** Per upstream delay (ms, as a string): the origin whose `/openai/v1` is the proxy for it. */
  urls: Record<string, string>;
  /** One customer token per funded account: `tokens[i]` calls as `user:bench-{i}`. */
  tokens: string[];
}

/** OpenRouter's cost × 2 × 10,000 credits a dollar: the proxy's own test pricing. */
const PROXY_BENCH_PRICING = definePricingConfig({
  creditsPerUsd: "10000",
  markup: { default: "2" },
  costSource: "provider_reported",
});
/** As the proxy is configured from the environment (upstream-config.ts). */
const DRAIN_BYTES_MAX = 16 * 1024 * 1024;
/** The ledger operations a proxied call commits, by the segment they are timed in. */
const COMMIT_SEGMENTS: Record<string, Segment> = {
  authorize: "hold_commit",
  settle: "settle_commit",
  // A stream that outlived its hold is charged afresh (proxied-call.ts).
  charge: "settle_commit",
};
/** Warnings and errors shown before the rest are only counted: a failing run would flood the terminal. */
const LOG_LINES_MAX = 5;

const accounts = Number(process.argv[2]);
if (!Number.isInteger(accounts) || accounts < 1) {
  throw new Error(`accounts: expected a positive integer, got ${process.argv[2]}`);
}
const upstreamOrigin = new URL(process.argv[3] ?? "").origin;
const delaysMs = (process.argv[4] ?? "").split(",").map(Number);
if (delaysMs.some((delay) => !Number.isInteger(delay) || delay < 0)) {
  throw new Error(`delays: expected ms, comma-separated, got ${process.argv[4]}`);
}

const database = await openPostgresBench({
  databaseUrl: process.env.TOLLGATE_BENCH_DATABASE_URL || LOCAL_POSTGRES,
  balanceCache: true,
});
const { ledger } = database;
const keys = await ApiKeys.open(ledger.sql, { clock: () => ledger.now() });
const tokens = await fundedCustomers(accounts);
await ledger.sql.query("analyze accounts, balances, lots, holds, idempotency_keys, api_keys, usage_events");
const meter = await Meter.open({ ledger, pricing: PROXY_BENCH_PRICING });

const times = new SegmentTimes();
timeMethod(keys, "verify", times, "auth");
timeMethod(meter, "authorizeCall", times, "hold");
timeMethod(meter, "recordUsage", times, "settle");
// `authorize` and `settle` both go through `execute` on the instance: told apart by the operation's kind.
timeMethod(ledger, "execute", times, (args) => COMMIT_SEGMENTS[(args[0] as { kind: string }).kind] ?? null);

const logger = cappedStderrLogger();
const servers: Server[] = [];
const urls: Record<string, string> = {};
for (const delayMs of delaysMs) {
  const app = createApp({
    ledger,
    meter,
    keys,
    logger,
    proxy: {
      baseUrl: `${upstreamOrigin}/delay-${delayMs}/v1`,
      apiKey: "sk-bench",
      defaultProvider: "openai",
      drainBytesMax: DRAIN_BYTES_MAX,
    },
  });
  const fetch = async (request: Request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/bench/segments") return Response.json(times.summary());
    if (pathname === "/bench/segments/reset") {
      times.reset();
      return new Response(null, { status: 204 });
    }
    const began = performance.now();
    try {
      return await app.fetch(request);
    } finally {
      times.record("handler", performance.now() - began);
    }
  };
  const server = createAdaptorServer({ fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  urls[String(delayMs)] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const sweeper = startExpirySweeper(ledger, { logger });
const profile = await startProfile(process.env.TOLLGATE_BENCH_PROXY_PROFILE);
const info: ProxyServerInfo = { urls, tokens };
process.stdout.write(`${JSON.stringify(info)}\n`);

process.stdin.on("end", async () => {
  try {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await profile?.stop();
    await sweeper.stop();
    await keys.close();
    await meter.close();
  } finally {
    await database.dispose();
  }
  progress("proxy server: stopped, schema dropped");
});
process.stdin.resume();

/** `user:bench-0` … `user:bench-{count-1}`, funded by the signup grant, and a customer token each. */
async function fundedCustomers(count: number): Promise<string[]> {
  const tokens: string[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const { accountId } = await ledger.ensureAccount(benchAccount(index));
      tokens[index] = (await keys.create({ kind: "customer", name: `bench-${index}`, accountId })).token;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return tokens;
}

/** The access log's lines dropped (a line per request would measure the terminal); warnings and errors kept, a few. */
function cappedStderrLogger(): Logger {
  let written = 0;
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    written += 1;
    if (written <= LOG_LINES_MAX) progress(`proxy server ${level}: ${message} ${JSON.stringify(fields ?? {})}`);
    else if (written === LOG_LINES_MAX + 1) progress("proxy server: further warnings and errors not shown");
  };
  return { info() {}, warn: write("warn"), error: write("error") };
}
