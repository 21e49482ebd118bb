import type { Command } from "commander";
import {
  type AccountOptions,
  accountLabel,
  accountRefOf,
  findAccount,
  withAccountOptions,
} from "../account-options.ts";
import { resolveUnit } from "../amounts.ts";
import { balanceJson, balanceLines } from "../balance-output.ts";
import { contextOf, withLedger } from "../context.ts";

export function registerBalance(program: Command): void {
  withAccountOptions(
    program
      .command("balance")
      .description("balance, held, available and debt per unit, with the live lots and their expiry"),
  )
    .option("--unit <unit>", "only this unit")
    .action(async (options: AccountOptions & { unit?: string }, command: Command) => {
      const context = contextOf(command);
      const ref = accountRefOf(options);
      await withLedger(context, async (ledger) => {
        const unit = options.unit === undefined ? undefined : resolveUnit(ledger, options.unit).unit;
        const account = await findAccount(ledger, ref);
        const views = (await ledger.getBalances({ accountId: account.accountId }, unit ? { unit } : {})) ?? [];
        context.output.result(
          { accountId: account.accountId, balances: views.map((view) => balanceJson(ledger, view)) },
          () => [accountLabel(account), ...balanceLines(ledger, views, true)],
        );
      });
    });
}
