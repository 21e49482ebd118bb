import type { Command } from "commander";
import {
  type AccountJson,
  type AccountOptions,
  accountLabel,
  accountPath,
  withAccountOptions,
} from "../account-options.ts";
import { withApi } from "../api-client.ts";
import { type BalanceJson, balanceLines } from "../balance-output.ts";
import { contextOf } from "../context.ts";

export function registerBalance(program: Command): void {
  withAccountOptions(
    program
      .command("balance")
      .description("balance, held, available and debt per unit, with the live lots and their expiry"),
  )
    .option("--unit <unit>", "only this unit")
    .action(async (options: AccountOptions & { unit?: string }, command: Command) => {
      const context = contextOf(command);
      await withApi(context, async (api) => {
        const account = await api.request<AccountJson>("GET", accountPath(options));
        const { data } = await api.request<{ data: BalanceJson[] }>("GET", accountPath(options, "/balances"), {
          query: { unit: options.unit },
        });
        context.output.result({ account, balances: data }, () => [accountLabel(account), ...balanceLines(data, true)]);
      });
    });
}
