// A server process killed (SIGKILL) while a request with an Idempotency-Key is in flight
// leaves the key in progress. Once it is restarted, the client's retry with the same key must
// succeed within seconds (the dead process's heartbeat goes stale), not only once the 60 s
// lock ends. The real binary, in child processes, on PostgreSQL: the request is held in
// flight by a lock the test takes on its own schema's transactions table, so it is certainly
// reserved and unfinished when the process dies. (The embedded database's case, a restarted
// process taking its dead predecessor's keys at once, is in start-server.test.ts.)
import assert from "node:assert/strict";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiKeys, openDatabase } from "@tollgate/store";
import { testPostgres, uniqueSchema } from "@tollgate/store/testing";
import { cliWorkspace, serveChild } from "../cli-harness.ts";
import { reportFigure } from "./scale.ts";

const CONFIG = {
  units: [{ unit: "credits", scale: 0 }],
  signupGrants: { user: [{ unit: "credits", amount: "100", expiresIn: null }] },
};
/** How long any one condition is waited for: generous, the machine may be slow. */
const DEADLINE_MS = 90_000;

const { workDir, configPath } = await cliWorkspace({ prefix: "idem-crash", config: CONFIG });
const postgres = await testPostgres();

const serve = (env: Record<string, string>) => serveChild({ cwd: workDir, env, deadlineMs: DEADLINE_MS });

function kill(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  child.kill("SIGKILL");
  return exited;
}

describe("Idempotency-Key after a server crash, on postgres", { skip: postgres === undefined }, () => {
  const databaseUrl = postgres?.databaseUrl ?? "";
  const schema = uniqueSchema("idem_crash");
  const env = { DATABASE_URL: databaseUrl, TOLLGATE_SCHEMA: schema, TOLLGATE_CONFIG: configPath };
  const children: ChildProcessWithoutNullStreams[] = [];
  after(async () => {
    for (const child of children) await kill(child);
    if (postgres === undefined) return;
    const sql = await openDatabase({ databaseUrl, poolSize: 1 });
    await sql.query(`drop schema if exists "${schema}" cascade`);
    await sql.close();
  });

  test("the retry of a request in flight when the server was killed succeeds soon after the restart", async () => {
    const first = await serve(env);
    children.push(first.child);
    const sql = await openDatabase({ databaseUrl, schema, poolSize: 2 });
    try {
      const keys = await ApiKeys.open(sql);
      const { token } = await keys.create({ kind: "secret", name: "crash test" });
      await keys.close();
      const send = (url: string) =>
        fetch(`${url}/v1/accounts`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            "idempotency-key": "crash-1",
          },
          body: JSON.stringify({ type: "user", externalId: "alice" }),
        });

      // Hold the request in its handler: the ledger's transactions table is locked until the server is dead.
      let unlock = () => {};
      const unlocked = new Promise<void>((resolve) => {
        unlock = resolve;
      });
      let locked = () => {};
      const lockTaken = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holding = sql.transaction(async (tx) => {
        await tx.query("lock table transactions in access exclusive mode");
        locked();
        await unlocked;
      });
      await lockTaken;
      const inFlight = send(first.url).catch(() => null); // cut off by the kill
      // Wait for the request in flight to hold the key before anything else sends it: a second
      // request that got there first would take the key itself, and wait on the lock for good.
      const startedMs = Date.now();
      for (;;) {
        const [reserved] = await sql.query(
          "select 1 from http_idempotency_keys where idempotency_key = 'crash-1' and state = 'in_progress'",
        );
        if (reserved) break;
        assert.ok(Date.now() - startedMs < DEADLINE_MS, "the first request never reserved its key");
        await sleep(20);
      }
      const probe = await send(first.url);
      const probed = (await probe.json()) as { error?: { code?: string } };
      assert.deepEqual([probe.status, probed.error?.code], [409, "idempotency_in_progress"], "the key is in progress");
      await kill(first.child);
      const killedMs = Date.now();
      unlock();
      await holding;
      assert.equal(await inFlight, null, "the request in flight was answered before the kill");
      const [row] = await sql.query<{ locked_until: Date }>(
        "select locked_until from http_idempotency_keys where idempotency_key = 'crash-1' and state = 'in_progress'",
      );
      assert.ok(row, "the killed server's reservation is still in progress");

      const second = await serve(env);
      children.push(second.child);
      const restartedMs = Date.now();
      let refusals = 0;
      const retryAfters = new Set<string>();
      for (;;) {
        const retry = await send(second.url);
        if (retry.status === 200) break;
        assert.equal(retry.status, 409, `unexpected answer ${retry.status}: ${await retry.text()}`);
        refusals++;
        retryAfters.add(retry.headers.get("retry-after") ?? "none");
        // Freed by the lock's end would be the defect: the dead server's heartbeat must free it first.
        assert.ok(Date.now() < row.locked_until.getTime(), "the key stayed in progress until its lock ended");
        await sleep(100);
      }
      const doneMs = Date.now();
      assert.ok(doneMs < row.locked_until.getTime(), "the key stayed in progress until its lock ended");
      // The honest Retry-After never asks for more than the stale window (5 s).
      for (const value of retryAfters) assert.ok(Number(value) >= 1 && Number(value) <= 5, `Retry-After: ${value}`);
      reportFigure("idempotency_retry_after_kill_ms", doneMs - killedMs, "ms");
      reportFigure("idempotency_retry_after_restart_ms", doneMs - restartedMs, "ms");
      reportFigure("idempotency_retry_refusals_after_restart", refusals, "requests");
      process.stdout.write(`# Retry-After values seen: ${[...retryAfters].join(", ") || "none"}\n`);
    } finally {
      await sql.close();
    }
  });
});
