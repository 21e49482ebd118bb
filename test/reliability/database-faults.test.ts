// The server on PostgreSQL through a TCP proxy the test breaks, under two loops of charges:
// first PostgreSQL terminates the server's connections, then it becomes unreachable (every
// connection reset, new ones refused) and comes back. While it is away every charge is answered
// 503 with Retry-After, /readyz says not ready, the background jobs wait, and nothing is
// written; once it is back the same process serves again, and the ledger holds every
// acknowledged charge exactly once.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { testPostgres } from "@tollgate/store/testing";
import { createJsonLogger } from "../../packages/server/src/logger.ts";
import { tableChecksums } from "../http-fuzz/table-checksums.ts";
import { assertAnswersClean, assertLedgerWhole, retryUnavailable } from "./charge-audit.ts";
import { startChargeLoops } from "./charge-loops.ts";
import { reliabilityScale, reportFigure } from "./scale.ts";
import { type ServerOnPostgres, startServerOnPostgres, withApplicationName } from "./server-on-postgres.ts";
import { TcpFaultProxy } from "./tcp-fault-proxy.ts";
import { watchUncaughtErrors } from "./uncaught-errors.ts";

const postgres = await testPostgres();
const full = reliabilityScale() === "full";
/** Charges answered 200 between faults, and 503 while PostgreSQL is away. */
const CHARGES_PER_PHASE = full ? 500 : 30;
const OUTAGES = full ? 5 : 1;
const ACCOUNTS = 8;

/** Polls `condition` until it holds; a generous deadline only turns a hang into a failure. */
async function waitFor(what: string, condition: () => Promise<boolean> | boolean, deadlineMs = 60_000) {
  const deadline = Date.now() + deadlineMs;

  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `gave up waiting: ${what}`);
    await sleep(20);
  }
}

const skip = postgres === undefined ? "PostgreSQL only" : false;

describe("the server while PostgreSQL goes away and comes back", { skip }, () => {
  const applicationName = `tollgate_faults_${randomBytes(6).toString("hex")}`;
  const uncaught = watchUncaughtErrors();
  const logs: Array<{ level: string; message: string; reason?: string }> = [];
  let proxy: TcpFaultProxy;
  let target: ServerOnPostgres;

  before(async () => {
    const direct = new URL(postgres?.databaseUrl as string);
    proxy = await TcpFaultProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    const throughProxy = new URL(direct);
    throughProxy.hostname = "127.0.0.1";
    throughProxy.port = String(proxy.port);
    target = await startServerOnPostgres({
      serverDatabaseUrl: withApplicationName(throughProxy.toString(), applicationName),
      directDatabaseUrl: direct.toString(),
      logger: createJsonLogger({ write: (line: string) => logs.push(JSON.parse(line)) }),
    });
  });
  after(async () => {
    await target?.dispose();
    await proxy?.close();
  });

  const ready = async () => (await fetch(`${target.server.url}/readyz`)).status;
  const backendsOfServer = async () => {
    const [row] = await target.direct.query<{ count: number }>(
      "select count(*)::int as count from pg_stat_activity where application_name = $1",
      [applicationName],
    );
    return row?.count ?? 0;
  };

  test("503 with Retry-After while away, not ready, nothing written; serving again without a restart", async () => {
    const accounts = Array.from({ length: ACCOUNTS }, (_, index) => `user:faults-${index}`);
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
      keyPrefix: "faults",
    });
    const answered503 = () => loops.outcomes.filter((outcome) => outcome.status === 503).length;
    let unavailableWhileDown = 0;
    let refusedWhileDown = 0;
    const firstSuccessMs: number[] = [];
    try {
      await loops.waitForSuccesses(CHARGES_PER_PHASE);

      // PostgreSQL terminates the server's connections (only this server's).
      await target.direct.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1", [
        applicationName,
      ]);
      await loops.waitForSuccesses(CHARGES_PER_PHASE);

      for (let outage = 0; outage < OUTAGES; outage++) {
        // PostgreSQL unreachable: every connection reset, new ones refused.
        proxy.goDown();
        // Once the backends cut off have ended, nothing more can be written: this is the ledger
        // as the outage left it, and failed requests must not change it.
        await waitFor("the cut-off backends end", async () => (await backendsOfServer()) === 0);
        const before = await tableChecksums(target.direct, target.schema);
        const answeredBefore = answered503();
        await waitFor("charges answered 503 while away", () => answered503() - answeredBefore >= CHARGES_PER_PHASE);
        await waitFor("/readyz says not ready", async () => (await ready()) === 503);
        unavailableWhileDown += answered503() - answeredBefore;
        assert.deepEqual(await tableChecksums(target.direct, target.schema), before, "nothing written while away");

        // Back, in the same process.
        proxy.comeBack();
        const backAt = performance.now();
        await loops.waitForSuccesses(1);
        firstSuccessMs.push(performance.now() - backAt);
        await loops.waitForSuccesses(CHARGES_PER_PHASE);
        await waitFor("/readyz says ready", async () => (await ready()) === 200);
      }
      refusedWhileDown = proxy.refused;
    } finally {
      await loops.stop();
    }
    assert.deepEqual(uncaught.errors(), [], "nothing reached the process as an uncaught error");
    const { outcomes } = loops;
    assertAnswersClean(outcomes);
    assert.ok(unavailableWhileDown >= CHARGES_PER_PHASE * OUTAGES);
    const acknowledged = outcomes.filter((outcome) => outcome.status === 200);
    await assertLedgerWhole(target, acknowledged);
    const { retried, inProgressAnswers } = await retryUnavailable(target, outcomes);
    const { charges } = await assertLedgerWhole(target, acknowledged);
    assert.equal(charges, acknowledged.length + retried, "every key, retried, charged exactly once");

    // Logged as the database's absence, with its reason, never as a fault of the server.
    assert.deepEqual(
      logs.filter((line) => line.level === "error"),
      [],
      "no error lines",
    );
    const unavailableLines = logs.filter((line) => line.message === "request failed: the database is unavailable");
    assert.ok(unavailableLines.length >= unavailableWhileDown && unavailableLines.every((line) => line.reason));
    for (const job of ["expiry sweep", "webhook dispatch"]) {
      assert.ok(
        logs.some((line) => line.message.startsWith(`${job} waits`)),
        `${job} waited for the database`,
      );
      assert.ok(
        logs.some((line) => line.message.startsWith(`${job} resumed`)),
        `${job} ran again`,
      );
    }

    reportFigure("database faults: charges answered", outcomes.length, "requests");
    reportFigure("database faults: charges answered 503 while unreachable", unavailableWhileDown, "requests");
    reportFigure("database faults: connections refused while unreachable", refusedWhileDown, "connections");
    reportFigure("database faults: retries answered 409 in progress", inProgressAnswers, "requests");
    reportFigure(
      "database faults: time to first success after the database returned",
      Math.round(Math.max(...firstSuccessMs)),
      "ms",
    );
  });
});
