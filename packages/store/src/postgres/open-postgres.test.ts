import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openDatabase } from "../open-database.ts";
import { testPostgres } from "../testing/test-databases.ts";

const postgres = await testPostgres();

describe("openPostgres", { skip: postgres ? false : "PostgreSQL only" }, () => {
  test("unflushed statements skip the fsync and are planned for the rows at hand", async () => {
    const sql = await openDatabase({ databaseUrl: postgres?.databaseUrl, poolSize: 1 });
    try {
      const setting = async (run: typeof sql.query, name: string) =>
        (await run<Record<string, string>>(`show ${name}`))[0]?.[name];
      const unflushed = sql.queryUnflushed.bind(sql);
      assert.equal(await setting(unflushed, "synchronous_commit"), "off");
      assert.equal(await setting(unflushed, "plan_cache_mode"), "force_custom_plan");
    } finally {
      await sql.close();
    }
  });
});
