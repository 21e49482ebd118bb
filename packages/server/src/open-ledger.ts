import { Ledger, migrate, openDatabase, type SqlClient } from "@tollgate/store";
import { ledgerOptionsOf, type ServerConfig } from "./config.ts";
import { ConfigError } from "./config-error.ts";
import { lockDataDir } from "./data-dir-lock.ts";

export interface StorageOpenOptions {
  /** Told once when another process holds the embedded data directory and this one waits. */
  onWait?: (holder: string) => void;
  /** How long to wait for that process (default 30 s). */
  waitMs?: number;
}

/** An open ledger and how to close it: closing also frees the embedded data directory. */
export interface OpenedLedger {
  ledger: Ledger;
  close(): Promise<void>;
}

/**
 * Opens the configured ledger (migrations run on open) and syncs the configuration's plan
 * catalog into it (`Ledger.syncPlanCatalog`), so every server and CLI command has the current
 * plan versions and default plans. On the embedded PGlite the data directory is locked first,
 * so a second process waits instead of corrupting it.
 *
 * @example
 * const { ledger, close } = await openLedger(loadServerConfig());
 */
export async function openLedger(
  config: ServerConfig,
  options: StorageOpenOptions & { clock?: () => Date; balanceCache?: boolean } = {},
): Promise<OpenedLedger> {
  const release = await lockStorage(config, options);
  try {
    const ledger = await Ledger.open({
      ...ledgerOptionsOf(config),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.balanceCache ? { balanceCache: true } : {}),
    });
    try {
      await ledger.syncPlanCatalog(config.plans);
    } catch (error) {
      await ledger.close();
      // A catalog the ledger cannot honour is the file's problem: said as one, where it is.
      if (error instanceof RangeError)
        throw new ConfigError(`${config.configFile ?? "configuration"}: plans`, error.message);
      throw error;
    }
    return {
      ledger,
      async close() {
        try {
          await ledger.close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

/** Applies pending migrations and reports which; safe to run twice, or from two processes at once. */
export async function migrateStorage(
  config: ServerConfig,
  options: StorageOpenOptions = {},
): Promise<{ applied: Array<{ version: number; name: string }> }> {
  const release = await lockStorage(config, options);
  let sql: SqlClient | undefined;
  try {
    const { databaseUrl, dataDir, schema } = ledgerOptionsOf(config);
    sql = await openDatabase({ databaseUrl, dataDir, schema, poolSize: 1 });
    const { applied } = await migrate(sql, config.schema);
    return { applied: applied.map(({ version, name }) => ({ version, name })) };
  } finally {
    await sql?.close();
    release();
  }
}

async function lockStorage(config: ServerConfig, options: StorageOpenOptions): Promise<() => void> {
  const { storage } = config;
  if (storage.kind === "postgres" || storage.dataDir.startsWith("memory://")) return () => {};
  const lock = await lockDataDir(storage.dataDir, options);
  return () => lock.release();
}
