import { AMOUNT_MINOR_MAX, parseDecimalToMinor } from "@tollgate/core";
import { type LowBalanceThreshold, Webhooks } from "@tollgate/store";
import type { Command } from "commander";
import { formatIn, resolveUnit } from "../amounts.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf, withLedger } from "../context.ts";
import {
  type AccountOptions,
  accountLabel,
  accountRefOf,
  findAccount,
  withAccountOptions,
} from "../legacy-account-options.ts";
import { table } from "../output.ts";

interface ThresholdOptions extends AccountOptions {
  unit?: string;
  below?: string;
  clear?: boolean;
}

export function registerWebhooksThreshold(webhooks: Command): void {
  withAccountOptions(
    webhooks
      .command("threshold")
      .description("show or set an account's balance.low threshold: sent when available drops below it")
      .option("--unit <unit>", "the unit (default: the deployment's default unit)")
      .option("--below <amount>", "the threshold in the unit's decimals; 0 turns balance.low off for the account")
      .option("--clear", "drop the account's own threshold: the deployment's default applies again"),
  ).action(async (options: ThresholdOptions, command: Command) => {
    const context = contextOf(command);
    if (options.below !== undefined && options.clear) throw invalidInput("--below and --clear go separately");
    const ref = accountRefOf(options);
    await withLedger(context, async (ledger) => {
      const webhooks = Webhooks.of(ledger);
      const account = await findAccount(ledger, ref);
      if (options.below !== undefined || options.clear) {
        const unit = resolveUnit(ledger, options.unit);
        const thresholdMinor = options.clear ? null : thresholdOf(options.below ?? "", unit.scale);
        const result = await webhooks.setLowBalanceThreshold({
          accountId: account.accountId,
          unit: unit.unit,
          thresholdMinor,
        });
        if (result.code !== "set") throw new Error(`setting a threshold: ${result.code}`);
      }
      const thresholds = await webhooks.lowBalanceThresholds(account.accountId);
      const format = (unit: string, minor: bigint | null) => (minor === null ? null : formatIn(ledger, unit, minor));
      const json = thresholds.map((t: LowBalanceThreshold) => ({
        unit: t.unit,
        account: format(t.unit, t.accountMinor),
        default: format(t.unit, t.defaultMinor),
        effective: format(t.unit, t.effectiveMinor),
        off: t.effectiveMinor === null || t.effectiveMinor === 0n,
      }));
      context.output.result({ accountId: account.accountId, thresholds: json }, () => [
        `balance.low thresholds of ${accountLabel(account)}:`,
        ...(json.length === 0
          ? ["  none (set one with --below)"]
          : table(
              [
                ["unit", "account", "default", "applies"],
                ...json.map((t) => [
                  t.unit,
                  t.account ?? "-",
                  t.default ?? "-",
                  t.off ? "off" : (t.effective ?? "off"),
                ]),
              ],
              "  ",
            )),
      ]);
    });
  });
}

function thresholdOf(text: string, scale: number): bigint {
  let minor: bigint;
  try {
    minor = parseDecimalToMinor(text, scale);
  } catch (error) {
    throw invalidInput(`--below: ${(error as Error).message}`);
  }
  if (minor < 0n || minor > AMOUNT_MINOR_MAX)
    throw invalidInput(`--below must be 0 or a positive amount; got "${text}"`);
  return minor;
}
