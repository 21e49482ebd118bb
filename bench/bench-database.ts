import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineLedgerConfig, type LedgerConfig } from "@tollgate/core";
import { Ledger, openDatabase, type SqlClient } from "@tollgate/store";

/** A database the benchmarks run on, opened fresh and removed afterwards. */
export interface BenchDatabase {
  name: "postgres" | "pglite";
  /** Printed with every figure, so a reader knows what was measured. */
  description: string;
  ledger: Ledger;
  /** A connection pool of `size` to the same schema, for the naive baseline (PGlite: its one connection). */
  openPool(size: number): Promise<SqlClient>;
  dispose(): Promise<void>;
}

/** Every account starts with a lot big enough for any run: the runs measure charges, not refusals. */
export const BENCH_CONFIG = defineLedgerConfig({
  signupGrants: {
    user: [{ unit: "credits", amountMinor: 10n ** 12n, expiresInMs: null }],
    organization: [],
    guest: [],
  },
});

export const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/test";

/** A fresh schema on PostgreSQL, dropped by `dispose()`. */
export async function openPostgresBench(options: {
  databaseUrl: string;
  config?: LedgerConfig;
  lanes?: number;
  /** Serve balance reads from memory, as `tollgate serve` does (the ledger's `balanceCache`). */
  balanceCache?: boolean;
  /** The ledger's clock, for a run that moves time (the renewal run crosses a period boundary). */
  clock?: () => Date;
}): Promise<BenchDatabase> {
  const schema = `bench_${randomBytes(6).toString("hex")}`;
  const ledger = await Ledger.open({
    databaseUrl: options.databaseUrl,
    schema,
    config: options.config ?? BENCH_CONFIG,
    ...(options.lanes ? { lanes: options.lanes } : {}),
    ...(options.balanceCache ? { balanceCache: true } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const pools: SqlClient[] = [];
  return {
    name: "postgres",
    description: "postgres",
    ledger,
    async openPool(size) {
      const pool = await openDatabase({ databaseUrl: options.databaseUrl, schema, poolSize: size });
      pools.push(pool);
      return pool;
    },
    async dispose() {
      for (const pool of pools) await pool.close();
      try {
        await ledger.sql.query(`drop schema "${schema}" cascade`);
      } finally {
        await ledger.close();
      }
    },
  };
}

/**
 * PGlite as `serve` runs it by default: persisted in a data directory (a fresh temporary
 * one), or in memory with `storage: "memory"`.
 */
export async function openPgliteBench(options: {
  config?: LedgerConfig;
  storage: "dir" | "memory";
}): Promise<BenchDatabase> {
  const dataDir = options.storage === "memory" ? "memory://" : mkdtempSync(join(tmpdir(), "tollgate-bench-"));
  const ledger = await Ledger.open({ dataDir, config: options.config ?? BENCH_CONFIG });
  return {
    name: "pglite",
    description: options.storage === "memory" ? "pglite memory://" : "pglite temp dir",
    ledger,
    async openPool() {
      // PGlite has one connection; the baseline shares it, as any second writer would.
      return ledger.sql;
    },
    async dispose() {
      await ledger.close();
      if (options.storage !== "memory") rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** True when a PostgreSQL answers at `databaseUrl`. */
export async function postgresReachable(databaseUrl: string): Promise<boolean> {
  try {
    const sql = await openDatabase({ databaseUrl, poolSize: 1 });
    await sql.close();
    return true;
  } catch {
    return false;
  }
}
