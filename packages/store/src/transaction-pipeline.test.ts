import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openDatabase } from "./open-database.ts";
import type { SqlClient } from "./sql-client.ts";
import { testDatabases } from "./testing/test-databases.ts";

/** Polls a condition every 20 ms: the test waits on the database's state, never on a duration. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 6_000; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

for (const database of await testDatabases()) {
  describe(`a transaction's pipeline and its commit on ${database.name}`, () => {
    const open = async (table: string): Promise<SqlClient> => {
      const sql = await openDatabase({ databaseUrl: database.databaseUrl, schema: "pipeline_test", poolSize: 3 });
      await sql.exec(
        `drop table if exists ${table}; create table ${table} (id text primary key, value bigint not null)`,
      );
      return sql;
    };

    test("statements come back in order, each seeing the ones before it; queryAndCommit commits", async () => {
      const sql = await open("pipeline_order");
      try {
        const result = await sql.transaction(async (tx) => {
          const [inserted, read] = await tx.pipeline([
            { text: "insert into pipeline_order values ($1, $2) returning value", params: ["a", 1n] },
            { text: "select count(*) as count from pipeline_order where id = $1", params: ["a"] },
          ]);
          assert.deepEqual(inserted, [{ value: 1n }]);
          assert.deepEqual(read, [{ count: 1n }], "the second statement runs after the first");
          return tx.queryAndCommit<{ value: bigint }>(
            "update pipeline_order set value = $2 where id = $1 returning value",
            ["a", 2n],
          );
        });
        assert.deepEqual(result, [{ value: 2n }]);
        assert.deepEqual(await sql.query("select id, value from pipeline_order"), [{ id: "a", value: 2n }]);
      } finally {
        await sql.close();
      }
    });

    test("the earliest error is the one reported, and the whole transaction rolls back", async () => {
      const sql = await open("pipeline_error");
      try {
        await assert.rejects(
          sql.transaction(async (tx) => {
            await tx.query("insert into pipeline_error values ('kept?', 1)");
            await tx.pipeline([
              { text: "insert into pipeline_error values ($1, $2)", params: ["b", 1n] },
              { text: "select 1 / $1::int as quotient", params: [0] },
              { text: "insert into pipeline_error values ($1, $2)", params: ["c", 1n] },
            ]);
          }),
          (error: Error & { code?: string }) => error.code === "22012",
          "division by zero, not the aborted transaction that follows it",
        );
        await assert.rejects(
          sql.transaction((tx) => tx.queryAndCommit("insert into pipeline_error values ($1, $2), ($1, $2)", ["d", 1n])),
          (error: Error & { code?: string }) => error.code === "23505",
        );
        assert.deepEqual(await sql.query("select id from pipeline_error"), [], "nothing of either was kept");
        // The connections are whole again: the next transaction runs.
        await sql.transaction((tx) => tx.queryAndCommit("insert into pipeline_error values ('e', 1)"));
        assert.deepEqual(await sql.query("select id from pipeline_error"), [{ id: "e" }]);
      } finally {
        await sql.close();
      }
    });

    if (database.name === "postgres") {
      test("a statement pipelined behind a lock sees what the lock's previous holder committed", async () => {
        const sql = await open("pipeline_lock");
        try {
          await sql.query("insert into pipeline_lock values ('hot', 1)");
          let release: () => void = () => {};
          const released = new Promise<void>((resolve) => (release = resolve));
          const holder = sql.transaction(async (tx) => {
            await tx.query("select * from pipeline_lock where id = 'hot' for no key update");
            await tx.query("update pipeline_lock set value = 2 where id = 'hot'");
            await released;
          });
          await until("the holder took the lock", async () => {
            const [row] = await sql.query<{ locked: boolean }>(
              "select exists (select 1 from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'pipeline_lock' and l.mode = 'RowExclusiveLock') as locked",
            );
            return row?.locked === true;
          });
          const waiter = sql.transaction((tx) =>
            tx.pipeline([
              { text: "select id from pipeline_lock where id = $1 for no key update", params: ["hot"] },
              { text: "select value from pipeline_lock where id = $1", params: ["hot"] },
            ]),
          );
          await until("the waiter waits on the lock", async () => {
            const [row] = await sql.query<{ waiting: bigint }>(
              "select count(*) as waiting from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database() and query like '%pipeline_lock%'",
            );
            return (row?.waiting ?? 0n) > 0n;
          });
          release();
          await holder;
          const [, loaded] = await waiter;
          assert.deepEqual(loaded, [{ value: 2n }], "the load's snapshot was taken after the lock was granted");
        } finally {
          await sql.close();
        }
      });
    }
  });
}
