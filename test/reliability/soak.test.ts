// A real `tollgate serve` on PostgreSQL, held at half the load it was measured to manage in this
// same run, for 2 minutes (10 with TOLLGATE_RELIABILITY_SCALE=full): the heap left after a full
// garbage collection stays flat, p99 latency stays in a generous bound, and once the load stops
// the process is back to the handles and open live streams it had before. Every figure is
// printed as a JSON line. The bounds are on counts and on ratios to this run's own first
// window, so a slow or busy machine changes the figures, never the verdict.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { HttpClient, quantile, scrapeMetrics } from "./http-client.ts";
import { reliabilityScale, reportFigure } from "./scale.ts";
import { type ServeProcess, startServeProcess, waitFor } from "./serve-process.ts";
import { closedLoopRate, type OperationResult, pacedLoad, SOAK_ACCOUNTS, soakMix } from "./soak-load.ts";

const FULL = reliabilityScale() === "full";
/** The closed-loop measurement of the maximum: a count of operations, not a time. */
const MAXIMUM_OPERATIONS = FULL ? 8_000 : 800;
const MAXIMUM_CONCURRENCY = 16;
const WARMUP_MS = FULL ? 60_000 : 20_000;
const WINDOW_MS = FULL ? 60_000 : 20_000;
const WINDOWS = FULL ? 9 : 5;
/** Heap samples per window, each after a full collection; the window's figure is their median. */
const HEAP_SAMPLES_PER_WINDOW = 5;
/** The heap of the last window may differ from the first's by this share at most. */
const HEAP_GROWTH_MAX = 0.1;

const GARBAGE_ON_SIGNAL = fileURLToPath(new URL("collect-garbage-on-signal.mjs", import.meta.url));
const CONFIG = {
  units: [{ unit: "credits", scale: 0 }],
  // More than the whole run can spend: the load measures the server, not refusals.
  signupGrants: { user: [{ unit: "credits", amount: "1000000000000", expiresIn: null }] },
};

const server = await startServeProcess({
  config: CONFIG,
  // No access log on a terminal-less pipe the test would have to hold; no limit on the one key.
  env: { TOLLGATE_ACCESS_LOG: "off", TOLLGATE_RATE_LIMIT_SECRET: "off" },
  nodeArgs: ["--expose-gc", "--import", GARBAGE_ON_SIGNAL],
});

describe("a server under steady load for minutes", { skip: server ? false : "PostgreSQL is not reachable" }, () => {
  const serve = server as ServeProcess;
  let token = "";
  after(async () => {
    await serve.stop();
  });
  before(async () => {
    const created = await fetch(`${serve.url}/v1/keys`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${serve.adminToken}`,
        "content-type": "application/json",
        "idempotency-key": "soak-key",
      },
      body: JSON.stringify({ kind: "secret", name: "soak backend" }),
    });
    assert.equal(created.status, 200, await created.clone().text());
    token = ((await created.json()) as { token: string }).token;
  });

  /** The heap still reachable: a full collection in the server, then its own figure from /metrics. */
  const heapAfterCollection = async () => {
    serve.signal("SIGUSR2");
    await new Promise((resolve) => setTimeout(resolve, 250));
    return (await scrapeMetrics(serve.url)).get("tollgate_nodejs_heap_size_used_bytes") as number;
  };
  const handlesAndStreams = async () => {
    const metrics = await scrapeMetrics(serve.url);
    return {
      handles: metrics.get("tollgate_nodejs_active_handles_total") as number,
      streams: metrics.get("tollgate_balance_streams_open") as number,
    };
  };

  test("half the measured maximum: flat heap and p99, handles and streams back to where they were", async (t) => {
    // Every account made (with its signup grant) and every route warmed before the maximum is measured.
    const primer = new HttpClient(serve.url, { socketsMax: MAXIMUM_CONCURRENCY });
    const primeMix = soakMix({ url: serve.url, client: primer, token });
    for (let index = 0; index < SOAK_ACCOUNTS; index++) {
      const answer = await primer.send("GET", `/v1/accounts/user:soak-${index}/balances`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (answer.status === 404) {
        const made = await primer.send("POST", "/v1/accounts", {
          headers: { authorization: `Bearer ${token}`, "idempotency-key": `soak-account-${index}` },
          body: { type: "user", externalId: `soak-${index}` },
        });
        assert.equal(made.status, 200, made.body);
      }
    }
    await closedLoopRate(primeMix, { count: 200, concurrency: 4 });
    const maximum = await closedLoopRate(primeMix, { count: MAXIMUM_OPERATIONS, concurrency: MAXIMUM_CONCURRENCY });
    primer.close();
    assert.deepEqual(maximum.failures.slice(0, 3), [], "the closed loop had no failed operation");
    reportFigure("soak maximum (closed loop, 16 in flight)", Math.round(maximum.operationsPerSecond), "operations/s");
    const ratePerSecond = Math.max(1, maximum.operationsPerSecond / 2);
    reportFigure("soak rate (half the maximum)", Math.round(ratePerSecond), "operations/s");

    // The baseline: every connection of the measurement closed, the database pool back to idle.
    assert.ok(await waitFor(async () => (await handlesAndStreams()).streams === 0, 30_000), "no stream open before");
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const baseline = await handlesAndStreams();
    reportFigure("soak handles before the load", baseline.handles, "handles");

    const client = new HttpClient(serve.url, { socketsMax: 64 });
    const operation = soakMix({ url: serve.url, client, token });
    const windows: Array<{ latenciesMs: number[]; heapBytes: number[]; failures: OperationResult[] }> = [];
    let current = null as (typeof windows)[number] | null;
    const onResult = (result: OperationResult) => {
      if (!current) return; // warm-up
      if (result.ok) current.latenciesMs.push(result.latencyMs);
      else current.failures.push(result);
    };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await new Promise((resolve) => setTimeout(resolve, WINDOW_MS / HEAP_SAMPLES_PER_WINDOW - 250));
        if (current && sampling) current.heapBytes.push(await heapAfterCollection());
      }
    })();
    const load = pacedLoad(operation, {
      ratePerSecond,
      durationMs: WARMUP_MS + WINDOWS * WINDOW_MS,
      inFlightMax: 64,
      onResult,
    });
    await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
    for (let index = 0; index < WINDOWS; index++) {
      current = { latenciesMs: [], heapBytes: [], failures: [] };
      windows.push(current);
      await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    }
    const { started } = await load;
    current = null;
    sampling = false;
    await sampler;
    client.close();

    const median = (values: number[]) => quantile(values, 0.5);
    windows.forEach((window, index) => {
      const p99 = quantile(window.latenciesMs, 0.99);
      t.diagnostic(
        `window ${index + 1}: ${window.latenciesMs.length} ok, ${window.failures.length} failed, p50 ${quantile(window.latenciesMs, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, heap ${(median(window.heapBytes) / 2 ** 20).toFixed(1)} MiB`,
      );
      reportFigure(`soak window ${index + 1} p99`, Number(p99.toFixed(1)), "ms");
      reportFigure(`soak window ${index + 1} heap after a full collection (median)`, median(window.heapBytes), "bytes");
    });
    reportFigure("soak operations", started, "operations");
    const failures = windows.flatMap((window) => window.failures);
    assert.deepEqual(
      failures.slice(0, 3).map((failure) => `${failure.kind}: ${failure.problem}`),
      [],
      `${failures.length} operations failed at half the maximum`,
    );

    const first = windows[0] as (typeof windows)[number];
    const last = windows[windows.length - 1] as (typeof windows)[number];
    const heapFirst = median(first.heapBytes);
    const heapLast = median(last.heapBytes);
    reportFigure("soak heap growth, last window over first", Number((heapLast / heapFirst - 1).toFixed(4)), "ratio");
    assert.ok(
      heapLast <= heapFirst * (1 + HEAP_GROWTH_MAX),
      `the heap grew from ${heapFirst} to ${heapLast} bytes (more than ${HEAP_GROWTH_MAX * 100}%)`,
    );
    const p99First = quantile(first.latenciesMs, 0.99);
    const p99Last = quantile(last.latenciesMs, 0.99);
    // Reported in every run, asserted only at full scale and then generously: on a shared
    // 2-core machine one 20-second window's p99 was seen at 4x another's with nothing wrong.
    if (FULL)
      assert.ok(p99Last <= p99First * 3 + 50, `p99 went from ${p99First.toFixed(1)} ms to ${p99Last.toFixed(1)} ms`);

    // Load stopped: every stream closed and every socket the load opened gone (the server's
    // keep-alive timeout and the database pool's idle timeout are seconds).
    let after = await handlesAndStreams();
    const settled = await waitFor(async () => {
      after = await handlesAndStreams();
      return after.streams === 0 && after.handles <= baseline.handles;
    }, 60_000);
    reportFigure("soak handles after the load", after.handles, "handles");
    reportFigure("soak streams open after the load", after.streams, "streams");
    assert.ok(settled, `handles ${after.handles} (before ${baseline.handles}), streams ${after.streams} (before 0)`);
    assert.ok(serve.alive(), "the server is still running");
  });
});
