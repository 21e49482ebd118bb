import type { Account, BalanceView } from "@tollgate/core";
import { ACCOUNTS_PAGE_MAX } from "@tollgate/store";
import type { Command } from "commander";
import { accountJson, accountTypeOf } from "../account-options.ts";
import { parseLimit } from "../amounts.ts";
import { balanceJson, balancesInline } from "../balance-output.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf, withLedger } from "../context.ts";
import { table } from "../output.ts";

interface ListOptions {
  limit?: string;
  after?: string;
  type?: string;
}

export function registerAccountsList(accounts: Command): void {
  accounts
    .command("list")
    .description("accounts in creation order, with their balances per unit")
    .option("--limit <n>", `accounts per page (default 50, at most ${ACCOUNTS_PAGE_MAX})`)
    .option("--after <cursor>", "the cursor printed by the previous page")
    .option("--type <type>", "only accounts of this type: user, organization or guest")
    .action(async (options: ListOptions, command: Command) => {
      const context = contextOf(command);
      const limit = parseLimit(options.limit, { fallback: 50, max: ACCOUNTS_PAGE_MAX });
      const type = options.type === undefined ? null : accountTypeOf(options.type);
      if (options.after !== undefined && !/^acct_[0-9a-f]{32}$/.test(options.after)) {
        throw invalidInput(`--after must be the cursor a previous page printed (acct_…); got "${options.after}"`);
      }
      await withLedger(context, async (ledger) => {
        const page = await ledger.accounts.list({ limit, after: options.after ?? null, type });
        const rows: Array<{ account: Account; balances: BalanceView[] }> = [];
        for (const account of page.accounts) {
          rows.push({ account, balances: (await ledger.getBalances({ accountId: account.accountId })) ?? [] });
        }
        const next = page.nextCursor
          ? `tollgate accounts list --limit ${limit}${type ? ` --type ${type}` : ""} --after ${page.nextCursor}`
          : null;
        context.output.result(
          {
            accounts: rows.map(({ account, balances }) => ({
              ...accountJson(account),
              balances: balances.map((view) => balanceJson(ledger, view)),
            })),
            nextCursor: page.nextCursor,
          },
          () => [
            ...(rows.length === 0 ? ["no accounts"] : []),
            ...table(
              rows.map(({ account, balances }) => [
                account.accountId,
                account.type,
                account.externalId,
                balancesInline(ledger, balances),
              ]),
            ),
            ...(next ? ["", `next page: ${next}`] : []),
          ],
        );
      });
    });
}
