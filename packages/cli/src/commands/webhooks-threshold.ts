import type { Command } from "commander";
import {
  type AccountJson,
  type AccountOptions,
  accountLabel,
  accountPath,
  withAccountOptions,
} from "../account-options.ts";
import { withApi } from "../api-client.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { table } from "../output.ts";

interface ThresholdOptions extends AccountOptions {
  unit?: string;
  below?: string;
  clear?: boolean;
}

/** `/v1/accounts/{account}/low-balance-thresholds`'s answer: amounts in each unit's decimals. */
interface ThresholdsJson {
  accountId: string;
  thresholds: Array<{
    unit: string;
    account: string | null;
    default: string | null;
    effective: string | null;
    off: boolean;
  }>;
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
    const path = accountPath(options, "/low-balance-thresholds");
    await withApi(context, async (api) => {
      // Read first: the label names the account, and an unknown one is reported before any write.
      const account = await api.request<AccountJson>("GET", accountPath(options));
      const { accountId, thresholds } =
        options.below !== undefined || options.clear
          ? await api.request<ThresholdsJson>("POST", path, {
              body: { unit: options.unit, below: options.clear ? null : options.below },
            })
          : await api.request<ThresholdsJson>("GET", path);
      context.output.result({ accountId, thresholds }, () => [
        `balance.low thresholds of ${accountLabel(account)}:`,
        ...(thresholds.length === 0
          ? ["  none (set one with --below)"]
          : table(
              [
                ["unit", "account", "default", "applies"],
                ...thresholds.map((t) => [
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
