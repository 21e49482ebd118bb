import type { Command } from "commander";
import { type AccountOptions, accountPath, withAccountOptions } from "../account-options.ts";
import { withApi } from "../api-client.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { table } from "../output.ts";
import type { UsageOptions } from "./usage.ts";

/** `GET /v1/accounts/{account}/stats`'s answer. */
interface StatsJson {
  accountId: string;
  totalBalance: string | null;
  totalUsed: string | null;
  totalAllocated: string | null;
  byUnit: Array<{ unit: string; balance: string; available: string; used: string; allocated: string }>;
  refreshDate: string | null;
}

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
    await withApi(context, async (api) => {
      const stats = await api.request<StatsJson>("GET", accountPath(options, "/stats"));
      const { accountId, totalBalance, totalUsed, totalAllocated, byUnit, refreshDate } = stats;
      context.output.result({ accountId, totalBalance, totalUsed, totalAllocated, byUnit, refreshDate }, () => [
        accountId,
        totalBalance === null
          ? "total: not added up (the units have different scales)"
          : `total  balance ${totalBalance}  used ${totalUsed}  allocated ${totalAllocated}`,
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
