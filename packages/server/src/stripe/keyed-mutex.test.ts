import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyedMutex } from "./keyed-mutex.ts";

test("tasks of one key run one at a time in arrival order; a failure does not block the next", async () => {
  const locks = new KeyedMutex();
  const log: string[] = [];
  let running = 0;
  let runningMax = 0;
  const task = (name: string, fail = false) =>
    locks.run("a", async () => {
      running++;
      runningMax = Math.max(runningMax, running);
      log.push(`start ${name}`);
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`end ${name}`);
      running--;
      if (fail) throw new Error(name);
      return name;
    });
  const other = locks.run("b", async () => "b");
  const results = await Promise.allSettled([task("1"), task("2", true), task("3")]);
  assert.deepEqual(
    results.map((result) => result.status),
    ["fulfilled", "rejected", "fulfilled"],
  );
  assert.equal(await other, "b");
  assert.equal(runningMax, 1);
  assert.deepEqual(log, ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(locks.size, 0, "no entry is kept once a key is idle");
});
