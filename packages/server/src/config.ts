import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { DEFAULT_LEDGER_CONFIG, EMPTY_PLAN_CATALOG, type LedgerConfig, type PlanCatalog } from "@tollgate/core";
import { DEFAULT_PRICING_CONFIG, type PricingConfig } from "@tollgate/metering";
import { DEFAULT_DATA_DIR, DEFAULT_SCHEMA, type LedgerOptions } from "@tollgate/store";
import { readDeploymentConfig } from "./config/deployment-config.ts";
import { DEFAULT_WEBHOOK_CONFIG, type WebhookConfig } from "./config/webhooks-section.ts";
import { ConfigError } from "./config-error.ts";
import { loadOperationsConfig, type OperationsConfig } from "./operations-config.ts";
import { loadStripeSettings, type StripeSettings } from "./stripe/stripe-settings.ts";

/** Where the ledger lives: the embedded PGlite in a directory, or a PostgreSQL server. */
export type StorageConfig = { kind: "pglite"; dataDir: string } | { kind: "postgres"; databaseUrl: string };

/** Everything `tollgate serve` and the other commands need, read once from the environment. */
export interface ServerConfig {
  port: number;
  host: string;
  storage: StorageConfig;
  schema: string;
  ledger: LedgerConfig;
  /** How calls are priced: the file's `pricing` section, or the defaults. */
  pricing: PricingConfig;
  /** The ledger configuration file that was read, or null for the built-in defaults. */
  configFile: string | null;
  /** Metrics, access logs, rate limits and body limits (docs/operating/operations.md). */
  operations: OperationsConfig;
  /** Outgoing webhooks: the file's `webhooks` section, or the defaults. */
  webhooks: WebhookConfig;
  /** Plans, packs and default plans: the file's `plans`, `packs` and `defaultPlans`, or none. */
  plans: PlanCatalog;
  /** STRIPE_SECRET_KEY, STRIPE_API_BASE, STRIPE_WEBHOOK_SECRET (docs/operating/stripe.md). */
  stripe: StripeSettings;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_CONFIG_FILE = "tollgate.config.json";

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Reads PORT, HOST, DATABASE_URL, TOLLGATE_DATA_DIR, TOLLGATE_SCHEMA and TOLLGATE_CONFIG, the
 * operations variables (`loadOperationsConfig`) and the Stripe ones (`loadStripeSettings`). Relative paths resolve against `cwd`.
 * Throws a `ConfigError` naming the bad variable or field.
 *
 * @example
 * const config = loadServerConfig(process.env, process.cwd());
 */
export function loadServerConfig(env: Environment = process.env, cwd: string = process.cwd()): ServerConfig {
  const configFile = findConfigFile(env.TOLLGATE_CONFIG, cwd);
  const deployment = configFile ? readDeploymentConfig(configFile) : null;
  return {
    port: parsePort(env.PORT),
    host: env.HOST?.trim() || DEFAULT_HOST,
    storage: parseStorage(env, cwd),
    schema: parseSchema(env.TOLLGATE_SCHEMA),
    ledger: deployment?.ledger ?? DEFAULT_LEDGER_CONFIG,
    pricing: deployment?.pricing ?? DEFAULT_PRICING_CONFIG,
    configFile,
    operations: loadOperationsConfig(env),
    webhooks: deployment?.webhooks ?? DEFAULT_WEBHOOK_CONFIG,
    plans: deployment?.plans ?? EMPTY_PLAN_CATALOG,
    stripe: loadStripeSettings(env),
  };
}

/** The options `Ledger.open` takes for this configuration. */
export function ledgerOptionsOf(config: ServerConfig): LedgerOptions {
  const { storage } = config;
  const lowBalanceThresholdsDefault = config.webhooks?.lowBalanceThresholdsMinor;
  const queueMax = config.operations?.ledgerQueueMax;
  const common = {
    schema: config.schema,
    config: config.ledger,
    lowBalanceThresholdsDefault,
    ...(queueMax == null ? {} : { queueMax }),
  };
  return storage.kind === "postgres"
    ? { databaseUrl: storage.databaseUrl, ...common }
    : { dataDir: storage.dataDir, ...common };
}

/** Where the data is, safe to log: a PostgreSQL URL loses its password and query string. */
export function describeStorage(config: ServerConfig): Record<string, string> {
  const { storage } = config;
  return storage.kind === "postgres"
    ? { storage: "postgres", database: redactDatabaseUrl(storage.databaseUrl), schema: config.schema }
    : { storage: "pglite", dataDir: storage.dataDir, schema: config.schema };
}

export function redactDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = "***";
    url.search = "";
    return url.toString();
  } catch {
    return "postgres://(unparseable URL)";
  }
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return DEFAULT_PORT;
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value.trim()) || port > 65_535) {
    throw new ConfigError("PORT", `"${value}" is not a port number from 0 to 65535`);
  }
  return port;
}

function parseStorage(env: Environment, cwd: string): StorageConfig {
  const databaseUrl = env.DATABASE_URL?.trim();
  if (databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
      throw new ConfigError("DATABASE_URL", "must start with postgres:// or postgresql://");
    }
    return { kind: "postgres", databaseUrl };
  }
  const dataDir = env.TOLLGATE_DATA_DIR?.trim() || DEFAULT_DATA_DIR;
  if (dataDir.startsWith("memory://")) return { kind: "pglite", dataDir };
  return { kind: "pglite", dataDir: resolve(cwd, dataDir) };
}

function parseSchema(value: string | undefined): string {
  const schema = value?.trim() || DEFAULT_SCHEMA;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError(
      "TOLLGATE_SCHEMA",
      `"${schema}" must be lowercase letters, digits and _ (a plain schema name)`,
    );
  }
  return schema;
}

/** TOLLGATE_CONFIG must exist when set; the default file is read only if it is there. */
function findConfigFile(value: string | undefined, cwd: string): string | null {
  if (value?.trim()) {
    const path = isAbsolute(value) ? value : resolve(cwd, value.trim());
    if (!existsSync(path)) throw new ConfigError("TOLLGATE_CONFIG", `${path} does not exist`);
    return path;
  }
  const fallback = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : null;
}
