import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { ACCOUNTS_PAGE_MAX, type Ledger } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { accountJson } from "./account-json.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { balanceWithLotsJson } from "./balance-json.ts";
import { Account, AccountCursor, AccountType, Balance, errorResponses, jsonContent, pageLimit } from "./schemas.ts";

const ListedAccount = Account.extend({ balances: z.array(Balance) }).openapi("ListedAccount");

const listAccounts = createRoute({
  method: "get",
  path: "/accounts",
  summary: "Accounts a page at a time, by type or by the start of their external id, each with its balances",
  description:
    "Oldest first (id order, which is creation order) or `order=newest`. `search` matches the start of the external id, exactly and case-sensitively (`user_2f` finds `user_2f9a`): an index serves it, as a substring search could not. `after` is the previous page's `nextCursor`.",
  request: {
    query: z.strictObject({
      type: AccountType.optional(),
      search: z.string().min(1).max(256).optional().openapi({ description: "A prefix of the external id" }),
      order: z.enum(["oldest", "newest"]).optional().openapi({ description: "Default oldest" }),
      limit: pageLimit(ACCOUNTS_PAGE_MAX),
      after: AccountCursor,
    }),
  },
  responses: {
    200: jsonContent(
      z.object({ data: z.array(ListedAccount), nextCursor: z.string().nullable() }),
      "A page of accounts",
    ),
    ...errorResponses([400, 401, 403]),
  },
});

/** Listing and searching accounts, under `/v1` (secret keys only: a customer token sees one account). */
export function accountListRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger }): void {
  const { ledger } = deps;

  app.openapi(listAccounts, async (c) => {
    requireSecret(callerOf(c));
    const query = c.req.valid("query");
    const page = await ledger.accounts.list({
      type: query.type ?? null,
      search: query.search ?? null,
      order: query.order ?? "oldest",
      limit: query.limit ?? 50,
      after: query.after ?? null,
    });
    const data = await Promise.all(
      page.accounts.map(async (account) => ({
        ...accountJson(account),
        balances: ((await ledger.getBalances({ accountId: account.accountId })) ?? []).map((view) =>
          balanceWithLotsJson(ledger, view),
        ),
      })),
    );
    return c.json({ data, nextCursor: page.nextCursor }, 200);
  });
}
