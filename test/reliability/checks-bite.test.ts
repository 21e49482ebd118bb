// The reliability checks catch what they are there to catch: the several-instances scenario,
// checks and all, run small against builds of tollgate broken on purpose (mutants/, bundled
// by mutant-build.ts; the sources stay as they are) finds problems in each, and none in the
// real build. A check that passes everything would fail here.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { buildMutant } from "./mutant-build.ts";
import { BALANCE_CHECK_WITHOUT_LOCK } from "./mutants/balance-check-without-lock.ts";
import type { Mutant } from "./mutants/mutant.ts";
import { REPLAY_APPLIES_AGAIN } from "./mutants/replay-applies-again.ts";
import { reportFigure } from "./scale.ts";
import type { ServerCommand } from "./server-processes.ts";
import { runSeveralInstances } from "./several-instances-scenario.ts";

const SEED = Number(process.env.TOLLGATE_RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Small: enough concurrency on the hot account for a race to show, enough successes for replays to be sent. */
const run = (command?: ServerCommand) =>
  runSeveralInstances({
    ...(command ? { command } : {}),
    instances: 3,
    operations: 240,
    hot: { credits: 20, charges: 160 },
    accounts: 5,
    concurrency: 24,
    expiringAccounts: 1,
    seed: SEED,
    // A broken build may fail an operation for good; that is one more problem, found sooner.
    answerDeadlineMs: 10_000,
    giveUpAfterUnanswered: 3,
    conditionDeadlineMs: 15_000,
  });

describe(`the reliability checks catch broken builds (seed ${SEED})`, () => {
  test("the real build passes them", async (t) => {
    const outcome = await run();
    if (!outcome) return t.skip("needs PostgreSQL");
    assert.deepEqual(outcome.problems, []);
  });

  const mutants: Mutant[] = [BALANCE_CHECK_WITHOUT_LOCK, REPLAY_APPLIES_AGAIN];
  for (const mutant of mutants) {
    test(`they catch ${mutant.defect} (${mutant.name})`, async (t) => {
      const command = await buildMutant(mutant);
      const outcome = await run(command);
      if (!outcome) return t.skip("needs PostgreSQL");
      reportFigure(`checks bite: problems found in ${mutant.name}`, outcome.problems.length, "problems");
      // What was found, a line each (shortened): a reader sees which checks caught the mutant.
      for (const problem of outcome.problems.slice(0, 12))
        process.stdout.write(`# ${mutant.name}: ${problem.slice(0, 160)}\n`);
      assert.ok(outcome.problems.length > 0, `${mutant.name} passed every check`);
    });
  }
});
