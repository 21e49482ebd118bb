import type { Command } from "commander";
import { type AccountJson, accountTypeOf } from "../account-options.ts";
import { parseLimit } from "../amounts.ts";
import { withApi } from "../api-client.ts";
import { type BalanceJson, balancesInline } from "../balance-output.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { table } from "../output.ts";

/** The most accounts a page holds (the API's limit). */
const ACCOUNTS_PAGE_MAX = 500;

interface ListOptions {
  limit?: string;
  after?: string;
  type?: string;
  search?: string;
  newest?: boolean;
}

type ListedAccount = AccountJson & { balances: BalanceJson[] };

export function registerAccountsList(accounts: Command): void {
  accounts
    .command("list")
    .description("accounts in creation order (or --newest first), with their balances per unit")
    .option("--limit <n>", `accounts per page (default 50, at most ${ACCOUNTS_PAGE_MAX})`)
    .option("--after <cursor>", "the cursor printed by the previous page")
    .option("--type <type>", "only accounts of this type: user, organization or guest")
    .option("--search <prefix>", "only accounts whose external id starts with this (case-sensitive)")
    .option("--newest", "newest first")
    .action(async (options: ListOptions, command: Command) => {
      const context = contextOf(command);
      const limit = parseLimit(options.limit, { fallback: 50, max: ACCOUNTS_PAGE_MAX });
      const type = options.type === undefined ? undefined : accountTypeOf(options.type);
      if (options.after !== undefined && !/^acct_[0-9a-f]{32}$/.test(options.after)) {
        throw invalidInput(`--after must be the cursor a previous page printed (acct_…); got "${options.after}"`);
      }
      await withApi(context, async (api) => {
        const page = await api.request<{ data: ListedAccount[]; nextCursor: string | null }>("GET", "/v1/accounts", {
          query: {
            type,
            search: options.search,
            order: options.newest ? "newest" : undefined,
            limit,
            after: options.after,
          },
        });
        const next = page.nextCursor
          ? [
              `tollgate accounts list --limit ${limit}`,
              ...(type ? [`--type ${type}`] : []),
              ...(options.search === undefined ? [] : [`--search ${JSON.stringify(options.search)}`]),
              ...(options.newest ? ["--newest"] : []),
              `--after ${page.nextCursor}`,
            ].join(" ")
          : null;
        context.output.result({ accounts: page.data, nextCursor: page.nextCursor }, () => [
          ...(page.data.length === 0 ? ["no accounts"] : []),
          ...table(
            page.data.map((account) => [
              account.id,
              account.type,
              account.externalId,
              balancesInline(account.balances),
            ]),
          ),
          ...(next ? ["", `next page: ${next}`] : []),
        ]);
      });
    });
}
