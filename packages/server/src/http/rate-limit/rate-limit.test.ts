import assert from "node:assert/strict";
import { test } from "node:test";
import { Hono } from "hono";
import { SILENT_LOGGER } from "../../logger.ts";
import { errorHandler } from "../error-handler.ts";
import { rateLimit } from "./rate-limit.ts";

function limitedApp(bucketsMax?: number) {
  let nowMs = 0;
  const app = new Hono();
  app.onError(errorHandler(SILENT_LOGGER));
  app.use(
    rateLimit({
      nowMs: () => nowMs,
      ...(bucketsMax === undefined ? {} : { bucketsMax }),
      bucketOf: (c) => {
        const key = c.req.header("x-key");
        return key ? { key, limit: { ratePerSecond: 0.5, burst: 2 } } : null;
      },
    }),
  );
  app.get("/", (c) => c.text("ok"));
  const call = (key?: string) => app.request("/", { headers: key ? { "x-key": key } : {} });
  return { call, advance: (ms: number) => (nowMs += ms) };
}

test("after the burst: 429 rate_limited with Retry-After in whole seconds and details.retryAfterSeconds", async () => {
  const { call } = limitedApp();
  const first = await call("k1");
  assert.equal(first.status, 200);
  assert.deepEqual(
    ["limit", "remaining", "reset"].map((name) => first.headers.get(`ratelimit-${name}`)),
    ["2", "1", "2"],
  );
  assert.equal((await call("k1")).status, 200);
  const refused = await call("k1");
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get("retry-after"), "2");
  assert.equal(refused.headers.get("ratelimit-remaining"), "0");
  const body = (await refused.json()) as { error: { code: string; message: string; details: Record<string, unknown> } };
  assert.equal(body.error.code, "rate_limited");
  assert.deepEqual(body.error.details, { retryAfterSeconds: 2, ratePerSecond: 0.5, burst: 2 });
  assert.match(body.error.message, /0\.5 per second, with bursts of 2/);
});

test("the bucket refills with time; Retry-After is at least 1 s", async () => {
  const { call, advance } = limitedApp();
  await call("k1");
  await call("k1");
  advance(1900);
  const almost = await call("k1");
  assert.equal(almost.status, 429);
  assert.equal(almost.headers.get("retry-after"), "1"); // 0.1 s left, rounded up to 1
  advance(100);
  assert.equal((await call("k1")).status, 200);
  assert.equal((await call("k1")).status, 429);
});

test("keys have separate buckets; a request with no bucket is not metered", async () => {
  const { call } = limitedApp();
  await call("k1");
  await call("k1");
  assert.equal((await call("k1")).status, 429);
  assert.equal((await call("k2")).status, 200);
  for (let i = 0; i < 5; i++) {
    const response = await call();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("ratelimit-limit"), null);
  }
});

test("memory is bounded: beyond bucketsMax the least recently used key starts afresh", async () => {
  const { call } = limitedApp(1);
  await call("k1");
  await call("k1");
  assert.equal((await call("k1")).status, 429);
  await call("k2"); // evicts k1's bucket
  assert.equal((await call("k1")).status, 200);
});
