import assert from "node:assert/strict";
import { test } from "node:test";
import { TokenBuckets } from "./token-buckets.ts";

const limit = { ratePerSecond: 2, burst: 3 };

test("a bucket gives its burst at once, then one token per 1/rate seconds, up to the burst", () => {
  const buckets = new TokenBuckets();
  for (let i = 0; i < 3; i++) assert.equal(buckets.take("k", limit, 0).allowed, true);
  const refused = buckets.take("k", limit, 0);
  assert.deepEqual(refused, { allowed: false, remaining: 0, retryAfterMs: 500, fullInMs: 1500 });
  assert.equal(buckets.take("k", limit, 499).allowed, false);
  assert.equal(buckets.take("k", limit, 500).allowed, true);
  // A long pause refills to the burst, not beyond.
  assert.equal(buckets.take("k", limit, 60_000).remaining, 2);
});

test("each key has its own bucket", () => {
  const buckets = new TokenBuckets();
  for (let i = 0; i < 3; i++) buckets.take("a", limit, 0);
  assert.equal(buckets.take("a", limit, 0).allowed, false);
  assert.equal(buckets.take("b", limit, 0).allowed, true);
});

test("at most bucketsMax buckets: the least recently used goes first", () => {
  const buckets = new TokenBuckets(2);
  for (let i = 0; i < 3; i++) buckets.take("a", limit, 0);
  buckets.take("b", limit, 0);
  buckets.take("a", limit, 0); // a is now the most recently used
  buckets.take("c", limit, 0); // drops b
  assert.equal(buckets.size, 2);
  assert.equal(buckets.take("a", limit, 0).allowed, false, "a kept its empty bucket");
  assert.equal(buckets.take("b", limit, 0).remaining, 2, "b starts afresh");
  for (let i = 0; i < 1000; i++) buckets.take(`k${i}`, limit, 0);
  assert.equal(buckets.size, 2);
});

test("a bucket count below 1 is a programmer error", () => {
  assert.throws(() => new TokenBuckets(0), RangeError);
});
