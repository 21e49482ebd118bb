import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { quoteIdentifier, type SqlClient } from "./sql-client.ts";

const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));
/** Any fixed number: every Tollgate process migrating any schema queues on this lock. */
const MIGRATION_LOCK_ID = 73_040_112;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The numbered SQL files, in order: `0001_ledger.sql` is version 1. */
export function listMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(MIGRATIONS_DIR + file, "utf8"),
    }));
}

/**
 * Applies the migrations not yet applied, all in one transaction under an advisory lock:
 * safe to run twice, and from two processes at once (the second waits, then finds nothing to do).
 */
export async function migrate(sql: SqlClient, schema: string): Promise<{ applied: Migration[] }> {
  return sql.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK_ID]);
    const quoted = quoteIdentifier(schema);
    await tx.query(`create schema if not exists ${quoted}`);
    await tx.query(`set local search_path to ${quoted}, public`);
    await tx.query(`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`);
    const done = new Set(
      (await tx.query<{ version: number }>("select version from schema_migrations")).map((row) => row.version),
    );
    const applied: Migration[] = [];
    for (const migration of listMigrations()) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query("insert into schema_migrations (version, name) values ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      applied.push(migration);
    }
    return { applied };
  });
}
