import type { Command } from "commander";
import { accountJson, accountLabel, accountTypeOf } from "../account-options.ts";
import { balanceJson, balanceLines } from "../balance-output.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf, withLedger } from "../context.ts";

export function registerAccountsCreate(accounts: Command): void {
  accounts
    .command("create")
    .description("create an account (with the deployment's signup grant); an existing one is shown unchanged")
    .requiredOption("--type <type>", "user, organization or guest")
    .requiredOption("--external-id <id>", "the app's own id for the account")
    .action(async (options: { type: string; externalId: string }, command: Command) => {
      const context = contextOf(command);
      const type = accountTypeOf(options.type);
      if (options.externalId.length === 0 || options.externalId.length > 256) {
        throw invalidInput("--external-id must be 1 to 256 characters");
      }
      await withLedger(context, async (ledger) => {
        const existed = await ledger.accounts.find({ type, externalId: options.externalId });
        const account = existed ?? (await ledger.ensureAccount({ type, externalId: options.externalId }));
        const balances = (await ledger.getBalances({ accountId: account.accountId })) ?? [];
        context.output.result(
          {
            ...accountJson(account),
            created: existed === null,
            balances: balances.map((view) => balanceJson(ledger, view)),
          },
          () => [
            `${existed ? "exists" : "created"}: ${accountLabel(account)}`,
            ...balanceLines(ledger, balances, false),
          ],
        );
      });
    });
}
