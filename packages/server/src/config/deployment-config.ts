import { readFileSync } from "node:fs";
import type { LedgerConfig } from "@tollgate/core";
import type { PricingConfig } from "@tollgate/metering";
import type * as z from "zod";
import { ConfigError } from "../config-error.ts";
import { type DeploymentConfig, deploymentSchema } from "./deployment-schema.ts";
import { formatIssues } from "./format-issues.ts";
import { pricingSection, resolvePricing } from "./pricing-section.ts";
import { contextOf } from "./resolve-context.ts";
import { resolveWebhooks, type WebhookConfig, webhooksSection } from "./webhooks-section.ts";

/**
 * Reads and validates a deployment's configuration file (JSON). Throws a `ConfigError` naming the
 * file and the field of the first problem, and listing the others.
 *
 * @example
 * const { ledger, pricing, plans } = readDeploymentConfig("tollgate.config.json");
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
 * Validates a configuration file's JSON; `source` names it in errors.
 *
 * @example
 * parseDeploymentConfig({ units: [{ unit: "usd", scale: 6 }], pricing: { creditsPerUsd: "1" } }, "tollgate.config.json")
 */
export function parseDeploymentConfig(json: unknown, source: string): DeploymentConfig {
  return parseWith(deploymentSchema, json, source, []);
}

/** Reads and validates a configuration file (JSON), and returns its ledger settings. */
export function readLedgerConfigFile(path: string): LedgerConfig {
  return readDeploymentConfig(path).ledger;
}

/**
 * A whole file's ledger settings. Amounts are decimal strings in their unit's scale ("12.50"),
 * parsed exactly; a number is refused so no float ever holds money.
 *
 * @example
 * parseLedgerConfig({ signupGrants: { user: [{ unit: "credits", amount: "10000", expiresIn: null }] }, spendOrder: "paid_first" }, "tollgate.config.json")
 */
export function parseLedgerConfig(json: unknown, source: string): LedgerConfig {
  return parseDeploymentConfig(json, source).ledger;
}

/**
 * The `pricing` section alone, checked against `ledger`'s units (plan names are not checked: the
 * section is read without its file's `plans`).
 *
 * @example
 * parsePricingConfig({ unit: "usd", minimumCharge: "0.01" }, { source: "tollgate.config.json", ledger })
 */
export function parsePricingConfig(value: unknown, context: { source: string; ledger: LedgerConfig }): PricingConfig {
  const { units, defaultUnit } = context.ledger;
  const schema = pricingSection
    .optional()
    .transform((section, ctx) => resolvePricing(section, { ...contextOf(ctx, { units, planIds: null }), defaultUnit }));
  return parseWith(schema, value, context.source, ["pricing"]);
}

/**
 * The `webhooks` section alone, checked against `ledger`'s units.
 *
 * @example
 * parseWebhookConfig({ lowBalanceThresholds: { credits: "100" }, timeout: "5s" }, { source: "tollgate.config.json", ledger })
 */
export function parseWebhookConfig(value: unknown, context: { source: string; ledger: LedgerConfig }): WebhookConfig {
  const { units } = context.ledger;
  const schema = webhooksSection
    .optional()
    .transform((section, ctx) => resolveWebhooks(section, contextOf(ctx, { units, planIds: null })));
  return parseWith(schema, value, context.source, ["webhooks"]);
}

function parseWith<Output>(
  schema: z.ZodType<Output>,
  json: unknown,
  source: string,
  base: readonly PropertyKey[],
): Output {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const [first, ...others] = formatIssues(result.error.issues, base).map((problem) => ({
    where: problem.path ? `${source}: ${problem.path}` : source,
    message: problem.message,
  }));
  if (!first) throw new ConfigError(source, "is not valid");
  throw new ConfigError(
    first.where,
    first.message,
    others.map((other) => `${other.where}: ${other.message}`),
  );
}
