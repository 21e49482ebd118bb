import type { Command } from "commander";
import { type AccountJson, accountLabel, accountPath, accountTypeOf, externalIdOf } from "../account-options.ts";
import { withApi } from "../api-client.ts";
import { type BalanceJson, balanceLines } from "../balance-output.ts";
import { contextOf } from "../context.ts";

export function registerAccountsCreate(accounts: Command): void {
  accounts
    .command("create")
    .description("create an account (with the deployment's signup grant); an existing one is shown unchanged")
    .requiredOption("--type <type>", "user, organization or guest")
    .requiredOption("--external-id <id>", "the app's own id for the account")
    .action(async (options: { type: string; externalId: string }, command: Command) => {
      const context = contextOf(command);
      const ref = { type: accountTypeOf(options.type), externalId: externalIdOf(options.externalId) };
      await withApi(context, async (api) => {
        const account = await api.request<AccountJson & { created: boolean }>("POST", "/v1/accounts", { body: ref });
        const { data } = await api.request<{ data: BalanceJson[] }>(
          "GET",
          accountPath({ account: account.id }, "/balances"),
        );
        context.output.result({ ...account, balances: data }, () => [
          `${account.created ? "created" : "exists"}: ${accountLabel(account)}`,
          ...balanceLines(data, false),
        ]);
      });
    });
}
