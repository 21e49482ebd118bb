// The server on PostgreSQL while PostgreSQL terminates its connections under load, as a
// failover, a restart or a pooler recycling connections does: the process keeps running, each
// request in flight is answered 503 with Retry-After (never a crash, never a 500), nothing is
// half-written, and the server serves again at once, without a restart.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { testPostgres } from "@tollgate/store/testing";
import { assertAnswersClean, assertLedgerWhole, retryUnavailable } from "./charge-audit.ts";
import { startChargeLoops } from "./charge-loops.ts";
import { reliabilityScale, reportFigure } from "./scale.ts";
import { type ServerOnPostgres, startServerOnPostgres, withApplicationName } from "./server-on-postgres.ts";
import { watchUncaughtErrors } from "./uncaught-errors.ts";

const postgres = await testPostgres();
const TERMINATIONS = reliabilityScale() === "full" ? 20 : 4;
const ACCOUNTS = 8;

describe("the server while PostgreSQL terminates its connections", { skip: postgres === undefined }, () => {
  // Only this test's backends are terminated: other suites share the database.
  const applicationName = `tollgate_terminate_${randomBytes(6).toString("hex")}`;
  let target: ServerOnPostgres;
  const uncaught = watchUncaughtErrors();

  before(async () => {
    const databaseUrl = postgres?.databaseUrl as string;
    target = await startServerOnPostgres({
      serverDatabaseUrl: withApplicationName(databaseUrl, applicationName),
      directDatabaseUrl: databaseUrl,
    });
  });
  after(() => target?.dispose());

  test("two loops of charges survive repeated terminations, and every acknowledged charge is kept once", async () => {
    const accounts = Array.from({ length: ACCOUNTS }, (_, index) => `user:terminate-${index}`);
    for (const account of accounts) {
      const granted = await target.call("POST", `/v1/accounts/${account}/grants`, {
        body: { amount: "1000000", source: "promo" },
      });
      assert.equal(granted.status, 200, await granted.text());
    }
    const loops = startChargeLoops({
      url: target.server.url,
      token: target.secret,
      accounts,
      loops: 2,
      keyPrefix: "terminate",
    });
    let terminated = 0;
    try {
      for (let round = 0; round < TERMINATIONS; round++) {
        await loops.waitForSuccesses(20);
        const [row] = await target.direct.query<{ terminated: number }>(
          `select count(*)::int as terminated from (
             select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1) t`,
          [applicationName],
        );
        terminated += row?.terminated ?? 0;
      }
      // Serving again after the last termination, without a restart.
      await loops.waitForSuccesses(20);
    } finally {
      await loops.stop();
    }
    assert.deepEqual(uncaught.errors(), [], "nothing reached the process as an uncaught error");
    assert.ok(terminated >= TERMINATIONS, `each round terminated a backend (${terminated} in all)`);
    const { outcomes } = loops;
    assertAnswersClean(outcomes);
    const acknowledged = outcomes.filter((outcome) => outcome.status === 200);
    await assertLedgerWhole(target, acknowledged);
    const { retried } = await retryUnavailable(target, outcomes);
    // After the retries every key has been answered 200: each made exactly one charge.
    const { charges } = await assertLedgerWhole(target, acknowledged);
    assert.equal(charges, acknowledged.length + retried);

    reportFigure("terminations: backends terminated", terminated, "backends");
    reportFigure("terminations: charges answered", outcomes.length, "requests");
    reportFigure("terminations: charges answered 503", retried, "requests");
  });
});
