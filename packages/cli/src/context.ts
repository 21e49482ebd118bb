import { Meter } from "@tollgate/metering";
import {
  ConfigError,
  describeStorage,
  loadServerConfig,
  openLedger,
  type ServerConfig,
  type StorageOpenOptions,
} from "@tollgate/server";
import type { Ledger } from "@tollgate/store";
import type { Command } from "commander";
import { CliError, EXIT } from "./cli-error.ts";
import { createOutput, type Output } from "./output.ts";

/** Options every command takes; they override the environment the server reads. */
export interface GlobalOptions {
  json?: boolean;
  dataDir?: string;
  schema?: string;
  config?: string;
}

export interface CommandContext {
  config: ServerConfig;
  output: Output;
}

/** Reads the same configuration as `serve`, with the command line's overrides on top. */
export function contextOf(command: Command, env: Record<string, string | undefined> = {}): CommandContext {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const output = createOutput(globals.json === true);
  const overrides = {
    TOLLGATE_DATA_DIR: globals.dataDir,
    TOLLGATE_SCHEMA: globals.schema,
    TOLLGATE_CONFIG: globals.config,
    ...env,
  };
  const merged = { ...process.env };
  for (const [name, value] of Object.entries(overrides)) if (value !== undefined) merged[name] = value;
  try {
    return { config: loadServerConfig(merged, process.cwd()), output };
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError("invalid_config", error.message, EXIT.invalidInput);
    throw error;
  }
}

/** Opens the ledger for one command and always closes it, so the data directory is freed. */
export async function withLedger<T>(context: CommandContext, work: (ledger: Ledger) => Promise<T>): Promise<T> {
  const opened = await openLedger(context.config, storageOpenOptions(context));
  try {
    return await work(opened.ledger);
  } finally {
    await opened.close();
  }
}

/**
 * Opens a `Meter` on an open ledger with the deployment's pricing (the configuration file's
 * `pricing` section). Opening writes the file's features to the database, so they match the file.
 *
 * @example
 * const meter = await openMeter(ledger, context);
 */
export function openMeter(ledger: Ledger, context: CommandContext): Promise<Meter> {
  return Meter.open({ ledger, pricing: context.config.pricing });
}

/**
 * Opens the ledger and a meter on it for one command, and always closes both.
 *
 * @example
 * await withMeter(context, async (meter) => meter.features.list());
 */
export async function withMeter<T>(context: CommandContext, work: (meter: Meter) => Promise<T>): Promise<T> {
  return withLedger(context, async (ledger) => {
    const meter = await openMeter(ledger, context);
    try {
      return await work(meter);
    } finally {
      await meter.close();
    }
  });
}

export function storageOpenOptions(context: CommandContext): StorageOpenOptions {
  return { onWait: (holder) => context.output.progress(`waiting for ${holder} to release the data directory…`) };
}

/** "pglite /srv/.tollgate (schema tollgate)" or "postgres postgres://app:***@db/prod (schema tollgate)". */
export function storageLabel(config: ServerConfig): string {
  const described = describeStorage(config);
  return `${described.storage} ${described.dataDir ?? described.database} (schema ${config.schema})`;
}
