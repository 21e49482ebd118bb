import assert from "node:assert/strict";
import { test } from "node:test";
import { Hono } from "hono";
import { httpMetrics } from "./http-metrics.ts";
import { metricsEndpoint } from "./metrics-endpoint.ts";
import { createMetricsRegistry } from "./metrics-registry.ts";

/** An app with the middleware, a clock the test moves, and a route that waits for the test. */
function metricsApp() {
  const registry = createMetricsRegistry();
  let nowMs = 0;
  let release = () => {};
  const app = new Hono();
  app.use(httpMetrics({ registry, nowMs: () => nowMs }));
  app.get("/metrics", metricsEndpoint({ registry }));
  app.use("/items/*", async (_c, next) => next());
  app.get("/items/:id", (c) => {
    nowMs += 30; // the handler takes 30 ms
    return c.json({ id: c.req.param("id") });
  });
  app.post("/items/:id/fail", () => {
    throw new Error("boom");
  });
  app.get("/slow", async (c) => {
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    return c.text("done");
  });
  app.onError((_error, c) => c.json({ error: "internal" }, 500));
  const scrape = async () => (await app.request("/metrics")).text();
  return { app, registry, scrape, release: () => release() };
}

test("requests are counted and timed by method, route pattern and status, never the raw path", async () => {
  const { app, scrape } = metricsApp();
  await app.request("/items/a");
  await app.request("/items/b");
  await app.request("/items/c/fail", { method: "POST" });
  const text = await scrape();
  assert.match(text, /^tollgate_http_requests_total\{method="GET",route="\/items\/:id",status="200"\} 2$/m);
  assert.match(text, /^tollgate_http_requests_total\{method="POST",route="\/items\/:id\/fail",status="500"\} 1$/m);
  assert.match(text, /^tollgate_http_request_duration_seconds_count\{method="GET",route="\/items\/:id"\} 2$/m);
  assert.match(text, /^tollgate_http_request_duration_seconds_sum\{method="GET",route="\/items\/:id"\} 0\.06$/m);
  assert.match(
    text,
    /^tollgate_http_request_duration_seconds_bucket\{le="0\.025",method="GET",route="\/items\/:id"\} 0$/m,
  );
  assert.match(
    text,
    /^tollgate_http_request_duration_seconds_bucket\{le="0\.05",method="GET",route="\/items\/:id"\} 2$/m,
  );
  assert.ok(!text.includes("/items/a"), text);
  assert.match(text, /^# TYPE tollgate_http_requests_total counter$/m);
  assert.match(text, /^# TYPE tollgate_http_request_duration_seconds histogram$/m);
});

test("a request no route answered is one 'unmatched' series, whatever its path or method", async () => {
  const { app, scrape } = metricsApp();
  await app.request("/nope/1");
  await app.request("/nope/2");
  await app.request("/items/x", { method: "DELETE" }); // the path exists, not for DELETE
  const text = await scrape();
  assert.match(text, /^tollgate_http_requests_total\{method="GET",route="unmatched",status="404"\} 2$/m);
  assert.match(text, /^tollgate_http_requests_total\{method="DELETE",route="unmatched",status="404"\} 1$/m);
  assert.ok(!text.includes("/nope"), text);
});

test("the in-flight gauge counts requests being handled", async () => {
  const { app, scrape, release } = metricsApp();
  const slow = app.request("/slow");
  await new Promise((resolve) => setImmediate(resolve));
  // The scrape itself is in flight too.
  assert.match(await scrape(), /^tollgate_http_requests_in_flight 2$/m);
  release();
  assert.equal(await (await slow).text(), "done");
  assert.match(await scrape(), /^tollgate_http_requests_in_flight 1$/m);
});

test("/metrics answers Prometheus text, and each registry is its own (no shared module state)", async () => {
  const first = metricsApp();
  const second = metricsApp();
  await first.app.request("/items/a");
  const response = await first.app.request("/metrics");
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  assert.match(await response.text(), /route="\/items\/:id"/);
  assert.ok(!(await second.scrape()).includes('route="/items/:id"'));
});

test("process metrics are added under tollgate_ when asked for", async () => {
  const registry = createMetricsRegistry({ processMetrics: true });
  const text = await registry.metrics();
  assert.match(text, /^tollgate_process_cpu_seconds_total /m);
  assert.match(text, /^tollgate_nodejs_heap_size_used_bytes /m);
});
