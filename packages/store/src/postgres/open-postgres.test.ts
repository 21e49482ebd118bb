import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openDatabase } from "../open-database.ts";
import { testPostgres } from "../testing/test-databases.ts";

const postgres = await testPostgres();

describe("openPostgres", { skip: postgres ? false : "PostgreSQL only" }, () => {
  test("unflushed statements skip the fsync and are planned for the rows at hand", async () => {
    const sql = await openDatabase({ databaseUrl: postgres?.databaseUrl, poolSize: 1 });
    try {
      const [settings] = await sql.queryUnflushed<{ synchronous_commit: string; plan_cache_mode: string }>(
        "select current_setting('synchronous_commit') as synchronous_commit, current_setting('plan_cache_mode') as plan_cache_mode",
      );
      assert.deepEqual(settings, { synchronous_commit: "off", plan_cache_mode: "force_custom_plan" });
    } finally {
      await sql.close();
    }
  });
});
