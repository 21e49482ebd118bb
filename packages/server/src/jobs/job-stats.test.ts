import assert from "node:assert/strict";
import { test } from "node:test";
import { startBackgroundLoop } from "../background-loop.ts";
import { SILENT_LOGGER } from "../logger.ts";
import { JobStats } from "./job-stats.ts";

/** Polls until `condition` holds; the bound is for a hang, not a speed: the machine may be busy. */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 2000; attempt++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("condition not met");
}

test("a recorder counts runs, failures and items, and stamps the last run and success", () => {
  let now = new Date("2027-01-01T00:00:00Z");
  const stats = new JobStats({ clock: () => now });
  assert.deepEqual(stats.snapshot(), [], "a job is listed once it has a recorder");
  const sweep = stats.recorder("expiry_sweep");
  stats.recorder("webhook_dispatch");
  sweep.started();
  assert.equal(stats.snapshot()[0]?.running, true);
  sweep.finished({ itemsDone: 3, failed: false });
  now = new Date("2027-01-01T00:00:01Z");
  sweep.started();
  sweep.finished({ itemsDone: 0, failed: true });
  assert.deepEqual(stats.snapshot(), [
    {
      job: "expiry_sweep",
      runs: 2,
      failures: 1,
      itemsDone: 3,
      running: false,
      lastRunAt: new Date("2027-01-01T00:00:01Z"),
      lastSuccessAt: new Date("2027-01-01T00:00:00Z"),
      lastFailureAt: new Date("2027-01-01T00:00:01Z"),
    },
    {
      job: "webhook_dispatch",
      runs: 0,
      failures: 0,
      itemsDone: 0,
      running: false,
      lastRunAt: null,
      lastSuccessAt: null,
      lastFailureAt: null,
    },
  ]);
});

test("a background loop reports each pass: its items, and a pass that threw as a failure", async () => {
  const stats = new JobStats();
  let pass = 0;
  const loop = startBackgroundLoop({
    name: "test job",
    intervalMs: 1,
    logger: SILENT_LOGGER,
    recorder: stats.recorder("webhook_purge"),
    pass: async () => {
      pass++;
      if (pass === 2) throw new Error("a bug");
      if (pass === 3) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      return { itemsDone: pass, full: false };
    },
  });
  await waitFor(() => (stats.snapshot()[0]?.runs ?? 0) >= 4);
  await loop.stop();
  const [job] = stats.snapshot();
  assert.ok(job);
  // Passes 1 and 4 succeeded (1 + 4 items); 2 and 3 failed; any later ones succeeded too.
  const runs = job.runs;
  assert.equal(job.failures, 2);
  assert.equal(
    job.itemsDone,
    Array.from({ length: runs }, (_, index) => index + 1)
      .filter((n) => n !== 2 && n !== 3)
      .reduce((a, b) => a + b, 0),
  );
  assert.equal(job.running, false);
  assert.ok(job.lastSuccessAt && job.lastFailureAt && job.lastRunAt);
});
