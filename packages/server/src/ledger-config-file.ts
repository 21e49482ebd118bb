import { readFileSync } from "node:fs";
import {
  ACCOUNT_TYPES,
  AMOUNT_MINOR_MAX,
  DEFAULT_LEDGER_CONFIG,
  defineLedgerConfig,
  EQUAL_PRIORITIES,
  GRANT_SOURCES,
  type GrantSource,
  type LedgerConfig,
  PAID_FIRST,
  parseDecimalToMinor,
  type SignupGrant,
} from "@tollgate/core";
import type { PricingConfig } from "@tollgate/metering";
import { ConfigError } from "./config-error.ts";
import { parseDuration } from "./duration.ts";
import { parsePricingConfig } from "./pricing-config-file.ts";
import { parseWebhookConfig, type WebhookConfig } from "./webhooks/webhook-config.ts";

const TOP_LEVEL_KEYS = [
  "$schema",
  "units",
  "defaultUnit",
  "signupGrants",
  "spendOrder",
  "holdTtl",
  "holdTtlMax",
  "overdraftLimitMinor",
  "pricing",
  "webhooks",
];
const UNIT_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** Everything a deployment's configuration file sets: the ledger's rules and how calls are priced. */
export interface DeploymentConfig {
  ledger: LedgerConfig;
  pricing: PricingConfig;
  /** Outgoing webhooks: default low-balance thresholds, retries, timeout (docs/concepts/webhooks.md). */
  webhooks: WebhookConfig;
}

/**
 * Reads and validates a deployment's configuration file (JSON): the ledger settings at the top
 * level and the `pricing` section. Throws a `ConfigError` naming the file and the field.
 *
 * @example
 * const { ledger, pricing } = readDeploymentConfig("tollgate.config.json");
 */
export function readDeploymentConfig(path: string): DeploymentConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, `is not valid JSON: ${(error as Error).message}`);
  }
  return parseDeploymentConfig(json, path);
}

/**
 * The ledger section, then the `pricing` section checked against the ledger's units.
 *
 * @example
 * parseDeploymentConfig({ units: [{ unit: "usd", scale: 6 }], pricing: { creditsPerUsd: "1" } }, "tollgate.config.json")
 */
export function parseDeploymentConfig(json: unknown, source: string): DeploymentConfig {
  const ledger = parseLedgerConfig(json, source);
  const pricing = parsePricingConfig((json as Record<string, unknown>).pricing, { source, ledger });
  const webhooks = parseWebhookConfig((json as Record<string, unknown>).webhooks, { source, ledger });
  return { ledger, pricing, webhooks };
}

/** Reads and validates a configuration file (JSON), and returns its ledger settings. */
export function readLedgerConfigFile(path: string): LedgerConfig {
  return readDeploymentConfig(path).ledger;
}

/**
 * Turns the file's JSON into a `LedgerConfig`. Amounts are decimal strings in their unit's
 * scale ("12.50"), parsed exactly; a number is refused so no float ever holds money.
 *
 * @example
 * parseLedgerConfig({ signupGrants: { user: [{ unit: "credits", amount: "10000", expiresIn: null }] }, spendOrder: "paid_first" }, "tollgate.config.json")
 */
export function parseLedgerConfig(json: unknown, source: string): LedgerConfig {
  const at = (path: string) => `${source}: ${path}`;
  const root = asObject(json, source, "an object");
  const unknown = Object.keys(root).filter((key) => !TOP_LEVEL_KEYS.includes(key));
  if (unknown.length > 0) {
    throw new ConfigError(
      at(unknown[0] ?? ""),
      `is not a setting; the settings are ${TOP_LEVEL_KEYS.slice(1).join(", ")}`,
    );
  }
  const units = root.units === undefined ? [...DEFAULT_LEDGER_CONFIG.units] : parseUnits(root.units, at);
  const defaultUnit = root.defaultUnit === undefined ? (units[0]?.unit ?? "credits") : root.defaultUnit;
  if (typeof defaultUnit !== "string" || !units.some((unit) => unit.unit === defaultUnit)) {
    throw new ConfigError(at("defaultUnit"), `must be one of the units (${units.map((u) => u.unit).join(", ")})`);
  }
  const holdTtlMsDefault = parseOptionalDuration(root.holdTtl, at("holdTtl")) ?? DEFAULT_LEDGER_CONFIG.holdTtlMsDefault;
  const holdTtlMsMax = parseOptionalDuration(root.holdTtlMax, at("holdTtlMax")) ?? DEFAULT_LEDGER_CONFIG.holdTtlMsMax;
  if (holdTtlMsDefault > holdTtlMsMax) throw new ConfigError(at("holdTtl"), "must not be longer than holdTtlMax");
  return defineLedgerConfig({
    units,
    defaultUnit,
    signupGrants: parseSignupGrants(root.signupGrants, units, at),
    sourcePriorities: parseSpendOrder(root.spendOrder, at("spendOrder")),
    holdTtlMsDefault,
    holdTtlMsMax,
    overdraftLimitMinorDefault: parseOverdraft(root.overdraftLimitMinor, at("overdraftLimitMinor")),
  });
}

type At = (path: string) => string;
type UnitList = Array<{ unit: string; scale: number }>;

function parseUnits(value: unknown, at: At): UnitList {
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(at("units"), "must be a non-empty array");
  return value.map((item, index) => {
    const unit = asObject(item, at(`units[${index}]`), 'an object such as { "unit": "credits", "scale": 0 }');
    if (typeof unit.unit !== "string" || !UNIT_NAME.test(unit.unit)) {
      throw new ConfigError(
        at(`units[${index}].unit`),
        "must be lowercase letters, digits and _, starting with a letter",
      );
    }
    if (!Number.isInteger(unit.scale) || (unit.scale as number) < 0 || (unit.scale as number) > 18) {
      throw new ConfigError(at(`units[${index}].scale`), "must be an integer number of decimal places from 0 to 18");
    }
    if (value.slice(0, index).some((other) => other?.unit === unit.unit)) {
      throw new ConfigError(at(`units[${index}].unit`), `"${unit.unit}" is listed twice`);
    }
    return { unit: unit.unit, scale: unit.scale as number };
  });
}

function parseSignupGrants(value: unknown, units: UnitList, at: At): LedgerConfig["signupGrants"] {
  const grants = { user: [], organization: [], guest: [] } as Record<(typeof ACCOUNT_TYPES)[number], SignupGrant[]>;
  if (value === undefined) return grants;
  const byType = asObject(value, at("signupGrants"), "an object keyed by account type");
  for (const [type, list] of Object.entries(byType)) {
    if (!(ACCOUNT_TYPES as readonly string[]).includes(type)) {
      throw new ConfigError(at(`signupGrants.${type}`), `is not an account type (${ACCOUNT_TYPES.join(", ")})`);
    }
    if (!Array.isArray(list)) throw new ConfigError(at(`signupGrants.${type}`), "must be an array of grants");
    grants[type as keyof typeof grants] = list.map((item, index) =>
      parseSignupGrant(item, units, at(`signupGrants.${type}[${index}]`)),
    );
  }
  return grants;
}

function parseSignupGrant(item: unknown, units: UnitList, where: string): SignupGrant {
  const grant = asObject(item, where, 'an object such as { "unit": "credits", "amount": "100", "expiresIn": "30d" }');
  const unit = units.find((candidate) => candidate.unit === grant.unit);
  if (!unit)
    throw new ConfigError(`${where}.unit`, `must be one of the units (${units.map((u) => u.unit).join(", ")})`);
  if (typeof grant.amount !== "string") {
    throw new ConfigError(
      `${where}.amount`,
      'must be a decimal string such as "10000" or "12.50" (never a JSON number)',
    );
  }
  let amountMinor: bigint;
  try {
    amountMinor = parseDecimalToMinor(grant.amount, unit.scale);
  } catch (error) {
    throw new ConfigError(`${where}.amount`, (error as Error).message);
  }
  if (amountMinor <= 0n || amountMinor > AMOUNT_MINOR_MAX) throw new ConfigError(`${where}.amount`, "must be positive");
  const expiresInMs = grant.expiresIn === null ? null : parseOptionalDuration(grant.expiresIn, `${where}.expiresIn`);
  return { unit: unit.unit, amountMinor, expiresInMs: expiresInMs ?? null };
}

function parseSpendOrder(value: unknown, where: string): Record<GrantSource, number> {
  if (value === undefined || value === "equal") return { ...EQUAL_PRIORITIES };
  if (value === "paid_first") return { ...PAID_FIRST };
  const priorities = asObject(value, where, '"equal", "paid_first" or an object of priorities per source');
  const result = { ...EQUAL_PRIORITIES };
  for (const [source, priority] of Object.entries(priorities)) {
    if (!(GRANT_SOURCES as readonly string[]).includes(source)) {
      throw new ConfigError(`${where}.${source}`, `is not a grant source (${GRANT_SOURCES.join(", ")})`);
    }
    if (!Number.isInteger(priority) || Math.abs(priority as number) > 1_000_000) {
      throw new ConfigError(`${where}.${source}`, "must be an integer priority (lower spends first)");
    }
    result[source as GrantSource] = priority as number;
  }
  return result;
}

function parseOptionalDuration(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new ConfigError(where, 'must be a duration string such as "30d" or "10m"');
  try {
    return parseDuration(value);
  } catch (error) {
    throw new ConfigError(where, (error as Error).message);
  }
}

function parseOverdraft(value: unknown, where: string): bigint {
  if (value === undefined) return DEFAULT_LEDGER_CONFIG.overdraftLimitMinorDefault;
  if (typeof value !== "string" || !/^\d{1,16}$/.test(value)) {
    throw new ConfigError(where, 'must be a string of whole minor units such as "0" or "500"');
  }
  return BigInt(value);
}

function asObject(value: unknown, where: string, expected: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(where, `must be ${expected}`);
  }
  return value as Record<string, unknown>;
}
