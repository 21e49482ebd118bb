// The server SIGKILLed again and again under load, at a random point (after a random count of
// acknowledged operations), and started again on the same PostgreSQL schema, while clients
// retry every operation with its Idempotency-Key until it gets a final answer. Afterwards the
// ledger holds every acknowledged operation exactly once, nothing applied twice and nothing no
// client sent, balances as the answers add them up, every unsettled hold released by its
// expiry; reconcile is clean after every restart.
import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "../../packages/core/src/testing/seeded-random.ts";
import { ledgerProblems, reconcileProblems } from "./invariant-checks.ts";
import { LedgerBook } from "./ledger-book.ts";
import { createAccounts, runMixedOperation, type Workload } from "./mixed-operations.ts";
import { RetryingClient } from "./retrying-client.ts";
import { reliabilityScale, reportFigure } from "./scale.ts";
import { freePort, openDeployment, type ServerProcess } from "./server-processes.ts";

const FULL = reliabilityScale() === "full";
/** SIGKILLs per run; TOLLGATE_RELIABILITY_KILLS overrides it (fewer while developing). */
const KILLS = Number(process.env.TOLLGATE_RELIABILITY_KILLS ?? (FULL ? 200 : 50));
/** Clients sending at once: each has at most one operation in flight, so each kill cuts up to this many. */
const CLIENTS = FULL ? 16 : 6;
/** A life ends after this many acknowledged operations, drawn at random between the two. */
const LIFE = FULL ? { min: 10, max: 200 } : { min: 2, max: 12 };
const ACCOUNTS = FULL ? 20 : 8;
const SEED = Number(process.env.TOLLGATE_RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));

test(`every acknowledged operation is in the ledger exactly once after ${KILLS} SIGKILLs under load (seed ${SEED})`, async (t) => {
  const deployment = await openDeployment({ prefix: "crash" });
  if (!deployment) return t.skip("needs PostgreSQL: several server lives on one database");
  t.after(() => deployment.dispose());
  process.stdout.write(`# crashes: seed ${SEED} (TOLLGATE_RELIABILITY_SEED=${SEED} replays it)\n`);
  const random = seededRandom(SEED);
  const port = await freePort();
  let server: ServerProcess = await deployment.start({ port });
  let life = 0;
  // Closed while the server is down and being checked, so every client waits at its next attempt.
  let gate: Promise<void> = Promise.resolve();
  const client = new RetryingClient({ token: deployment.token, baseUrl: () => server.url, beforeAttempt: () => gate });
  const checker = new RetryingClient({ token: deployment.token, baseUrl: () => server.url });
  const book = new LedgerBook();
  const workload: Workload = {
    client,
    book,
    random,
    accounts: Array.from({ length: ACCOUNTS }, (_, i) => `user:crash-${i}`),
    keyPrefix: `crash-${SEED}`,
    expiringHoldTtlSeconds: 2,
    life: () => life,
  };
  await createAccounts(workload);

  let done = false;
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (!done) await runMixedOperation(workload);
  });

  const recoveries: number[] = [];
  const restartProblems: string[] = [];
  let answered = book.answers.length;
  let wake = () => {};
  book.onAnswer = () => {
    answered += 1;
    wake();
  };
  for (let kill = 0; kill < KILLS; kill++) {
    const target = answered + LIFE.min + Math.floor(random() * (LIFE.max - LIFE.min + 1));
    while (answered < target) await new Promise<void>((resolve) => (wake = resolve));
    let open = () => {};
    gate = new Promise((resolve) => (open = resolve));
    const killedAt = performance.now();
    await server.kill();
    life += 1;
    server = await deployment.start({ port });
    recoveries.push(performance.now() - killedAt);
    const problems = await reconcileProblems(checker);
    restartProblems.push(...problems.map((problem) => `after kill ${kill + 1}: ${problem}`));
    open();
  }
  done = true;
  await Promise.all(clients);

  const problems = [...restartProblems, ...(await ledgerProblems(checker, book))];
  const moved = book.answers.filter(LedgerBook.movesBalance).length;
  reportFigure("crashes: SIGKILLs", KILLS, "kills");
  reportFigure("crashes: operations answered", book.answers.length, "operations");
  reportFigure("crashes: operations that moved a balance", moved, "operations");
  reportFigure("crashes: attempts that reached no server", client.retries.unreachable, "attempts");
  reportFigure("crashes: attempts answered 409 idempotency_in_progress", client.retries.inProgress, "attempts");
  reportFigure("crashes: attempts answered 5xx or 429", client.retries.other, "attempts");
  reportFigure("crashes: kill to /readyz, median", median(recoveries), "ms");
  reportFigure("crashes: kill to /readyz, slowest", Math.round(Math.max(...recoveries)), "ms");
  assert.deepEqual(problems.slice(0, 20), [], `seed ${SEED}: ${problems.length} problems`);
  assert.ok(moved > KILLS, `the load moved balances (${moved} operations)`);
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0);
}
