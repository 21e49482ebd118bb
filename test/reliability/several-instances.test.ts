// Three `tollgate serve` processes on one PostgreSQL schema, sharing concurrent mixed load sent
// to each in turn: every invariant holds exactly, a hot account never pays out more than it
// was granted, background jobs run once across instances, and live balances reach
// subscribers on every instance (several-instances-scenario.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { reliabilityScale, reportFigure } from "./scale.ts";
import { runSeveralInstances } from "./several-instances-scenario.ts";

const FULL = reliabilityScale() === "full";
/** 10,000 operations in all at full scale (8,000 mixed, 2,000 on the hot account); 2,000 in CI. */
const SIZE = FULL
  ? { operations: 8_000, hot: { credits: 500, charges: 2_000 }, concurrency: 64 }
  : { operations: 1_600, hot: { credits: 100, charges: 400 }, concurrency: 32 };
const SEED = Number(process.env.TOLLGATE_RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TOTAL = SIZE.operations + SIZE.hot.charges;

test(`three instances on one schema keep every invariant under ${TOTAL} concurrent operations (seed ${SEED})`, async (t) => {
  const startedAt = performance.now();
  const outcome = await runSeveralInstances({
    instances: 3,
    accounts: 50,
    expiringAccounts: 5,
    seed: SEED,
    ...SIZE,
  });
  if (!outcome) return t.skip("needs PostgreSQL: several instances on one database");
  reportFigure("several instances: operations", TOTAL, "operations");
  reportFigure("several instances: requests answered", outcome.answered, "requests");
  reportFigure("several instances: retried attempts", outcome.retries, "attempts");
  reportFigure("several instances: run, start to checked", Math.round(performance.now() - startedAt), "ms");
  assert.deepEqual(outcome.problems.slice(0, 20), [], `seed ${SEED}: ${outcome.problems.length} problems`);
  assert.equal(outcome.hotCharged, SIZE.hot.credits);
});
