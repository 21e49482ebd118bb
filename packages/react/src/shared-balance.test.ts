import assert from "node:assert/strict";
import { test } from "node:test";
import { type LiveBalances, watchBalance } from "./shared-balance.ts";

/** A stream that counts its starts and stops and lets the test push an update. */
function fakeStream() {
  const counts = { started: 0, stopped: 0 };
  let push: ((balance: string) => void) | null = null;
  const start = (update: (change: (now: LiveBalances) => LiveBalances) => void) => {
    counts.started += 1;
    push = (balance) =>
      update((now) => ({
        ...now,
        status: "live",
        balances: [{ unit: "credits", balance, held: "0", available: balance, debt: "0" }],
        version: now.version + 1,
      }));
    return () => {
      counts.stopped += 1;
    };
  };
  return { counts, start, push: (balance: string) => push?.(balance) };
}

test("watchers of one key share one stream, stopped when the last one leaves", () => {
  const stream = fakeStream();
  const seen: Array<string | undefined> = [];
  const first = watchBalance("k", stream.start, (live) => seen.push(`a:${live.balances?.[0]?.balance}`));
  stream.push("10");
  // A late watcher gets the balance already known at once.
  const second = watchBalance("k", stream.start, (live) => seen.push(`b:${live.balances?.[0]?.balance}`));
  stream.push("9");
  first();
  assert.equal(stream.counts.stopped, 0);
  second();
  assert.deepEqual(stream.counts, { started: 1, stopped: 1 });
  assert.deepEqual(seen, ["a:undefined", "a:10", "b:10", "a:9", "b:9"]);
  // After the last left, the next watcher opens a new stream.
  watchBalance("k", stream.start, () => {})();
  assert.deepEqual(stream.counts, { started: 2, stopped: 2 });
});

test("a null key is never shared", () => {
  const stream = fakeStream();
  const stops = [watchBalance(null, stream.start, () => {}), watchBalance(null, stream.start, () => {})];
  assert.equal(stream.counts.started, 2);
  for (const stop of stops) stop();
  assert.equal(stream.counts.stopped, 2);
});
