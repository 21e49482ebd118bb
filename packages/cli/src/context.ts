import {
  ConfigError,
  describeStorage,
  loadServerConfig,
  type ServerConfig,
  type StorageOpenOptions,
} from "@tollgate/server";
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

export function storageOpenOptions(context: CommandContext): StorageOpenOptions {
  return { onWait: (holder) => context.output.progress(`waiting for ${holder} to release the data directory…`) };
}

/** "pglite /srv/.tollgate (schema tollgate)" or "postgres postgres://app:***@db/prod (schema tollgate)". */
export function storageLabel(config: ServerConfig): string {
  const described = describeStorage(config);
  return `${described.storage} ${described.dataDir ?? described.database} (schema ${config.schema})`;
}
