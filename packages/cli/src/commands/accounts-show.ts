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

export function registerAccountsShow(accounts: Command): void {
  withAccountOptions(
    accounts.command("show").description("an account's details and balances; never creates one"),
  ).action(async (options: AccountOptions, command: Command) => {
    const context = contextOf(command);
    await withApi(context, async (api) => {
      const account = await api.request<AccountJson>("GET", accountPath(options));
      const { data } = await api.request<{ data: BalanceJson[] }>("GET", accountPath(options, "/balances"));
      context.output.result({ ...account, balances: data }, () => [
        accountLabel(account),
        `created ${account.createdAt}`,
        ...balanceLines(data, false),
      ]);
    });
  });
}
