// The lane's bound, counted and never timed: the batch runner waits on a gate, so exactly one
// batch is being written while the test fills the queue.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CommitLane } from "./commit-lane.ts";
import { CommitLaneFull } from "./commit-lane-full.ts";

/** A gate: a promise and the function that opens it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A lane whose batches wait for `held` to open, recording what each batch carried. */
function heldLane(options: { batchSizeMax: number; queueMax: number }) {
  const held = gate();
  const batches: number[][] = [];
  const lane = new CommitLane<number, number>(
    async (items) => {
      await held.opened;
      batches.push(items);
      return items.map((item) => item * 10);
    },
    options.batchSizeMax,
    { queueMax: options.queueMax },
  );
  return { lane, batches, open: held.open };
}

test("a full lane refuses exactly the items over its bound, at once, and runs none of them", async () => {
  const { lane, batches, open } = heldLane({ batchSizeMax: 2, queueMax: 3 });
  // The first starts a batch as it arrives (the lane was idle); the next three wait; the rest are over.
  const submitted = Array.from({ length: 8 }, (_, index) =>
    lane.submit(index).then(
      (value) => value,
      (error) => error,
    ),
  );
  assert.equal(lane.pending, 3);
  open();
  const outcomes = await Promise.all(submitted);
  assert.deepEqual(outcomes.slice(0, 4), [0, 10, 20, 30]);
  for (const refused of outcomes.slice(4)) {
    assert.ok(refused instanceof CommitLaneFull);
    assert.equal(refused.queueMax, 3);
  }
  assert.deepEqual(batches, [[0], [1, 2], [3]]);
});

test("an item submitted as always is queued past the bound, and counts against it", async () => {
  const { lane, batches, open } = heldLane({ batchSizeMax: 1, queueMax: 1 });
  const first = lane.submit(1);
  const second = lane.submit(2);
  const ended = lane.submit(3, "always");
  const refused = lane.submit(4).catch((error: unknown) => error);
  assert.equal(lane.pending, 2);
  open();
  assert.deepEqual(await Promise.all([first, second, ended]), [10, 20, 30]);
  assert.ok((await refused) instanceof CommitLaneFull);
  assert.deepEqual(batches, [[1], [2], [3]]);
});

test("once the queue drains the lane admits again", async () => {
  const { lane, open } = heldLane({ batchSizeMax: 1, queueMax: 1 });
  const admitted = [lane.submit(1), lane.submit(2)];
  await assert.rejects(lane.submit(3), CommitLaneFull);
  open();
  await Promise.all(admitted);
  assert.equal(await lane.submit(3), 30);
});

test("a lane without queueMax is unbounded, and a bound below 1 is a programmer error", async () => {
  const lane = new CommitLane<number, number>(async (items) => items, 1);
  assert.deepEqual(
    await Promise.all(Array.from({ length: 100 }, (_, index) => lane.submit(index))).then((all) => all.length),
    100,
  );
  assert.throws(() => new CommitLane<number, number>(async (items) => items, 1, { queueMax: 0 }), RangeError);
});
