import assert from "node:assert/strict";
import { once } from "node:events";
import { Readable } from "node:stream";
import { test } from "node:test";
import { type ScheduleTimer, StreamDeadline, StreamTooLong } from "./stream-deadline.ts";

/** A timer the test fires: records what was scheduled and whether it was cancelled. */
function manualTimer() {
  const timers: Array<{ ms: number; fire: () => void; cancelled: boolean }> = [];
  const schedule: ScheduleTimer = (ms, fire) => {
    const timer = { ms, fire, cancelled: false };
    timers.push(timer);
    return () => (timer.cancelled = true);
  };
  return { schedule, timers };
}

/** A body that never ends on its own (an upstream that stalls). */
const stalled = () => new Readable({ read() {} });

test("a body still open when its time is up is destroyed with StreamTooLong", async () => {
  const { schedule, timers } = manualTimer();
  const cut: Error[] = [];
  const deadline = new StreamDeadline({ secondsMax: 600, schedule, onCut: (error) => cut.push(error) });
  const body = stalled();
  deadline.watch(body);
  assert.equal(timers[0]?.ms, 600_000);
  const failed = once(body, "error");
  timers[0]?.fire();
  const [error] = await failed;
  assert.ok(error instanceof StreamTooLong);
  assert.match(error.message, /600 s limit/);
  assert.equal(deadline.cuts, 1);
  assert.equal(cut.length, 1);
});

test("a body that ends first cancels its timer, and a late timer cuts nothing", async () => {
  const { schedule, timers } = manualTimer();
  const deadline = new StreamDeadline({ secondsMax: 1, schedule });
  const body = Readable.from(["a", "b"]);
  deadline.watch(body);
  for await (const _ of body) {
  }
  if (!body.closed) await once(body, "close");
  assert.equal(timers[0]?.cancelled, true);
  timers[0]?.fire();
  assert.equal(deadline.cuts, 0);
});

test("with real timers: a stalled body is cut once its seconds are up (waited for, not timed)", async () => {
  const deadline = new StreamDeadline({ secondsMax: 0 });
  const body = stalled();
  deadline.watch(body);
  const [error] = await once(body, "error");
  assert.ok(error instanceof StreamTooLong);
  assert.equal(deadline.cuts, 1);
});

test("a duration that is not whole seconds is a programmer error", () => {
  assert.throws(() => new StreamDeadline({ secondsMax: 0.5 }), RangeError);
  assert.throws(() => new StreamDeadline({ secondsMax: -1 }), RangeError);
});
