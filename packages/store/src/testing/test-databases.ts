import { randomBytes } from "node:crypto";
import { Ledger, type LedgerOptions } from "../ledger.ts";
import { openDatabase } from "../open-database.ts";

/** A database a contract suite runs on: the embedded PGlite always, PostgreSQL when reachable. */
export interface TestDatabase {
  name: "pglite" | "postgres";
  databaseUrl: string | undefined;
}

const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/test";

let cached: Promise<TestDatabase[]> | undefined;

/**
 * The databases to run storage tests on. PostgreSQL comes from TOLLGATE_TEST_DATABASE_URL,
 * else the local server if it answers. With TOLLGATE_REQUIRE_POSTGRES=1 (as CI sets) an
 * unreachable PostgreSQL fails the run instead of being skipped.
 */
export function testDatabases(): Promise<TestDatabase[]> {
  cached ??= (async () => {
    const databases: TestDatabase[] = [{ name: "pglite", databaseUrl: undefined }];
    const url = process.env.TOLLGATE_TEST_DATABASE_URL || LOCAL_POSTGRES;
    try {
      const sql = await openDatabase({ databaseUrl: url, poolSize: 1 });
      await sql.close();
      databases.push({ name: "postgres", databaseUrl: url });
    } catch (error) {
      if (process.env.TOLLGATE_REQUIRE_POSTGRES === "1") {
        throw new Error(`PostgreSQL at ${url} is required (TOLLGATE_REQUIRE_POSTGRES=1) but unreachable: ${error}`);
      }
      console.error(`# PostgreSQL not reachable at ${url}: storage tests run on PGlite only`);
    }
    return databases;
  })();
  return cached;
}

/** The PostgreSQL test database, or undefined when it is not reachable. */
export async function testPostgres(): Promise<TestDatabase | undefined> {
  return (await testDatabases()).find((database) => database.name === "postgres");
}

/** A schema no other test uses, so suites run side by side on one database. */
export function uniqueSchema(prefix = "test"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/**
 * Opens a ledger in a fresh schema (PostgreSQL) or a fresh in-memory PGlite. `close()`
 * drops the schema again.
 */
export async function openTestLedger(
  database: TestDatabase,
  options: Omit<LedgerOptions, "databaseUrl" | "schema" | "dataDir"> = {},
): Promise<Ledger & { dispose(): Promise<void> }> {
  const schema = uniqueSchema();
  const ledger = await Ledger.open({ ...options, databaseUrl: database.databaseUrl, dataDir: "memory://", schema });
  return Object.assign(ledger, {
    async dispose() {
      if (database.databaseUrl) await ledger.sql.query(`drop schema "${schema}" cascade`);
      await ledger.close();
    },
  });
}
