import type { Command } from "commander";
import {
  type AccountOptions,
  accountJson,
  accountLabel,
  accountRefOf,
  findAccount,
  withAccountOptions,
} from "../account-options.ts";
import { formatAmount } from "../amounts.ts";
import { balanceJson, balanceLines } from "../balance-output.ts";
import { contextOf, withLedger } from "../context.ts";

export function registerAccountsShow(accounts: Command): void {
  withAccountOptions(
    accounts.command("show").description("an account's details and balances; never creates one"),
  ).action(async (options: AccountOptions, command: Command) => {
    const context = contextOf(command);
    const ref = accountRefOf(options);
    await withLedger(context, async (ledger) => {
      const account = await findAccount(ledger, ref);
      const balances = (await ledger.getBalances({ accountId: account.accountId })) ?? [];
      context.output.result(
        { ...accountJson(account), balances: balances.map((view) => balanceJson(ledger, view)) },
        () => [
          accountLabel(account),
          `created ${account.createdAt.toISOString()}, overdraft limit ${formatAmount(account.overdraftLimitMinor, 0)} minor units`,
          ...balanceLines(ledger, balances, false),
        ],
      );
    });
  });
}
