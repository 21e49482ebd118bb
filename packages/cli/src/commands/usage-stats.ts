import { formatMinor } from "@tollgate/core";
import type { Command } from "commander";
import { invalidInput } from "../cli-error.ts";
import { contextOf, withMeter } from "../context.ts";
import {
  type AccountOptions,
  accountLabel,
  accountRefOf,
  findAccount,
  withAccountOptions,
} from "../legacy-account-options.ts";
import { table } from "../output.ts";
import type { UsageOptions } from "./usage.ts";

export function registerUsageStats(usage: Command): void {
  withAccountOptions(
    usage
      .command("stats")
      .description("an account's balance, used and allocated per unit, their totals, and when its plan refreshes"),
  ).action(async (_options: AccountOptions, command: Command) => {
    const context = contextOf(command);
    // `usage` takes the same account options, and commander gives them to the parent when
    // they come after `stats`; the report's own options make no sense here.
    const options = command.optsWithGlobals<UsageOptions>();
    const misplaced = (["by", "from", "to", "unit", "timeZone", "limit", "conversation"] as const).filter(
      (name) => options[name] !== undefined,
    );
    if (misplaced.length > 0) throw invalidInput(`usage stats takes no --${misplaced.join(", --")} (the report does)`);
    const ref = accountRefOf(options);
    await withMeter(context, async (meter) => {
      const account = await findAccount(meter.ledger, ref);
      const stats = await meter.accountStats({ account: { accountId: account.accountId } });
      if (!stats) throw new Error(`account ${account.accountId} vanished`);
      const byUnit = stats.byUnit.map((row) => {
        const amount = (minor: bigint) => formatMinor(minor, row.scale);
        return {
          unit: row.unit,
          balance: amount(row.balanceMinor),
          available: amount(row.availableMinor),
          used: amount(row.usedMinor),
          allocated: amount(row.allocatedMinor),
        };
      });
      // Totals add units together, as seed 003 does with its whole feature counts; across
      // units of different scales a sum of minor units means nothing, so none is shown.
      const scales = new Set(stats.byUnit.map((row) => row.scale));
      const scale = scales.size <= 1 ? ([...scales][0] ?? 0) : null;
      const total = (minor: bigint) => (scale === null ? null : formatMinor(minor, scale));
      const totals = {
        totalBalance: total(stats.totalBalanceMinor),
        totalUsed: total(stats.totalUsedMinor),
        totalAllocated: total(stats.totalAllocatedMinor),
      };
      const refreshDate = stats.refreshDate?.toISOString() ?? null;
      context.output.result({ accountId: account.accountId, ...totals, byUnit, refreshDate }, () => [
        accountLabel(account),
        totals.totalBalance === null
          ? "total: not added up (the units have different scales)"
          : `total  balance ${totals.totalBalance}  used ${totals.totalUsed}  allocated ${totals.totalAllocated}`,
        ...(byUnit.length === 0
          ? ["  no units yet"]
          : table(
              byUnit.map((row) => [
                row.unit,
                `balance ${row.balance}`,
                `available ${row.available}`,
                `used ${row.used}`,
                `allocated ${row.allocated}`,
              ]),
              "  ",
            )),
        `refresh date: ${refreshDate ?? "none (no plan)"}`,
      ]);
    });
  });
}
