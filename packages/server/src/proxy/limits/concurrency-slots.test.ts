import assert from "node:assert/strict";
import { test } from "node:test";
import { ConcurrencySlots } from "./concurrency-slots.ts";

test("at most perKeyMax slots per key; each key its own; a freed slot can be taken again", () => {
  const slots = new ConcurrencySlots(2);
  const first = slots.take("a");
  const second = slots.take("a");
  assert.ok(first && second);
  assert.equal(slots.take("a"), null);
  assert.ok(slots.take("b"), "another key is not held up");
  first.free();
  assert.equal(slots.inUse("a"), 1);
  assert.ok(slots.take("a"));
});

test("freeing twice frees once, and a key with none in use leaves no entry", () => {
  const slots = new ConcurrencySlots(1);
  const slot = slots.take("a");
  const other = slots.take("b");
  slot?.free();
  slot?.free();
  assert.equal(slots.inUse("a"), 0);
  assert.equal(slots.keys, 1);
  other?.free();
  assert.equal(slots.keys, 0);
});

test("a limit below 1 is a programmer error", () => {
  assert.throws(() => new ConcurrencySlots(0), RangeError);
  assert.throws(() => new ConcurrencySlots(1.5), RangeError);
});
