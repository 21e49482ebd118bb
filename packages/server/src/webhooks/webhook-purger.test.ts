import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { SILENT_LOGGER } from "../logger.ts";
import { startWebhookPurger } from "./webhook-purger.ts";

test("purges with the cutoff now minus the retention, batch after batch while they come back full", {
  timeout: 60_000,
}, async () => {
  const now = new Date("2031-06-01T00:00:00.000Z");
  const calls: Array<{ cutoff: string; limit: number }> = [];
  const answers = [1000, 1000, 3];
  const webhooks = {
    now: () => now,
    purgeFinished: async (cutoff: Date, limit: number) => {
      calls.push({ cutoff: cutoff.toISOString(), limit });
      return answers.shift() ?? 0;
    },
  };
  const purger = startWebhookPurger(webhooks, { logger: SILENT_LOGGER, retentionMs: 86_400_000, intervalMs: 1 });
  // Until the third batch, however long a busy machine takes (the test's timeout bounds it).
  while (calls.length < 3) await sleep(5);
  await purger.stop();
  assert.deepEqual(calls.slice(0, 3), [
    { cutoff: "2031-05-31T00:00:00.000Z", limit: 1000 },
    { cutoff: "2031-05-31T00:00:00.000Z", limit: 1000 },
    { cutoff: "2031-05-31T00:00:00.000Z", limit: 1000 },
  ]);
});
