import { ConfigError, redactText } from "@tollgate/server";
import { Command, CommanderError } from "commander";
import cliPackage from "../package.json" with { type: "json" };
import { CliError, EXIT } from "./cli-error.ts";
import { registerAccounts } from "./commands/accounts.ts";
import { registerBalance } from "./commands/balance.ts";
import { registerDeduct } from "./commands/deduct.ts";
import { registerFeatures } from "./commands/features.ts";
import { registerGrant } from "./commands/grant.ts";
import { registerHistory } from "./commands/history.ts";
import { registerImport } from "./commands/import.ts";
import { registerKeys } from "./commands/keys.ts";
import { registerMigrate } from "./commands/migrate.ts";
import { registerPlans } from "./commands/plans.ts";
import { registerPricing } from "./commands/pricing.ts";
import { registerReconcile } from "./commands/reconcile.ts";
import { registerServe } from "./commands/serve.ts";
import { registerStripe } from "./commands/stripe.ts";
import { registerSubscriptions } from "./commands/subscriptions.ts";
import { registerUsage } from "./commands/usage.ts";
import { registerWebhooks } from "./commands/webhooks.ts";

/** The `tollgate` command tree. Settings made here (exit override, help) are inherited by every command. */
export function createProgram(): Command {
  const program = new Command("tollgate")
    .description("Credits, metering and billing ledger for AI apps.")
    .version(cliPackage.version)
    .option("--json", "machine-readable output; amounts as decimal strings in their unit's scale")
    .option("--data-dir <dir>", "embedded database directory (env TOLLGATE_DATA_DIR, default ./.tollgate)")
    .option("--schema <name>", "database schema (env TOLLGATE_SCHEMA, default tollgate)")
    .option(
      "--config <file>",
      "configuration file: ledger and pricing (env TOLLGATE_CONFIG, default ./tollgate.config.json)",
    )
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  for (const register of [
    registerServe,
    registerMigrate,
    registerAccounts,
    registerGrant,
    registerImport,
    registerDeduct,
    registerBalance,
    registerHistory,
    registerReconcile,
    registerPricing,
    registerFeatures,
    registerUsage,
    registerKeys,
    registerWebhooks,
    registerStripe,
    registerPlans,
    registerSubscriptions,
  ]) {
    register(program);
  }
  return program;
}

/**
 * Runs one command line and returns the exit code (see EXIT). Failures are printed here,
 * once: `code: message` on stderr, or `{ "error": … }` on stdout with --json.
 */
export async function runCli(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
    const json = argv.includes("--json");
    if (error instanceof CliError) {
      if (!error.reported) printFailure(json, error.code, error.message, error.details);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      // Found once the database is open (a plan the ledger cannot honour): still the file's to fix.
      printFailure(json, "invalid_config", error.message, {});
      return EXIT.invalidInput;
    }
    const message = error instanceof Error ? error.message : String(error);
    printFailure(json, "unexpected", message, {});
    if (process.env.TOLLGATE_DEBUG === "1" && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return EXIT.unexpected;
  }
}

/**
 * Prints a failure, every string redacted (`redactText`): a key or token given where an account
 * or a value goes is quoted back by the message that refuses it, and must not reach a terminal,
 * a shell history of outputs or a CI log.
 */
function printFailure(json: boolean, code: string, rawMessage: string, rawDetails: Record<string, string>): void {
  const message = redactText(rawMessage);
  const details = Object.fromEntries(
    Object.entries(rawDetails).map(([key, value]) => [key, redactText(String(value))]),
  );
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: { code, message, ...details } }, null, 2)}\n`);
    return;
  }
  const lines = [`error: ${code}: ${message}`, ...Object.entries(details).map(([key, value]) => `  ${key}: ${value}`)];
  process.stderr.write(`${lines.join("\n")}\n`);
}
