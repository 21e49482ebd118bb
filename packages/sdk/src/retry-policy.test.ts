// The retry rules and delays as numbers: no clock, no network.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isRetryableAnswer, isRetrySafe, RETRY_AFTER_MAX_MS, retryAfterMs, retryDelayMs } from "./retry-policy.ts";

const backoff = { initialMs: 500, maxMs: 5_000 };

test("reads are safe to send again; writes only with an Idempotency-Key", () => {
  assert.equal(isRetrySafe("GET", new Headers()), true);
  assert.equal(isRetrySafe("POST", new Headers()), false);
  assert.equal(isRetrySafe("POST", new Headers({ "Idempotency-Key": "k" })), true);
  assert.equal(isRetrySafe("DELETE", new Headers()), false);
});

test("retryable answers: 409 idempotency_in_progress, 429, 5xx but 501", () => {
  assert.equal(isRetryableAnswer(409, "idempotency_in_progress"), true);
  assert.equal(isRetryableAnswer(409, "stripe_price_missing"), false);
  assert.equal(isRetryableAnswer(429, "rate_limited"), true);
  for (const status of [500, 502, 503, 504]) assert.equal(isRetryableAnswer(status, "x"), true);
  for (const status of [400, 401, 402, 403, 404, 413, 422, 501]) assert.equal(isRetryableAnswer(status, "x"), false);
});

test("the delay doubles to its cap, jittered within [½, 1] and never below the first delay", () => {
  const lowest = () => 0;
  const highest = () => 1;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((retry) => retryDelayMs(retry, null, backoff, highest)),
    [500, 1000, 2000, 4000, 5000, 5000],
  );
  assert.deepEqual(
    [1, 2, 3, 6].map((retry) => retryDelayMs(retry, null, backoff, lowest)),
    [500, 500, 1000, 2500],
  );
});

test("Retry-After (seconds or a date) lengthens the delay, up to a minute", () => {
  const now = () => Date.parse("2026-01-01T00:00:00Z");
  assert.equal(
    retryDelayMs(1, "3", backoff, () => 1, now),
    3000,
  );
  assert.equal(
    retryDelayMs(1, "Thu, 01 Jan 2026 00:00:07 GMT", backoff, () => 1, now),
    7000,
  );
  assert.equal(
    retryDelayMs(3, "1", backoff, () => 1, now),
    2000,
    "a shorter Retry-After does not shorten it",
  );
  assert.equal(
    retryDelayMs(1, String(RETRY_AFTER_MAX_MS / 1000 + 1), backoff, () => 1, now),
    500,
  );
  assert.equal(retryAfterMs("soon", now), null);
  assert.equal(retryAfterMs(null, now), null);
});
