import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor } from "@tollgate/core";
import { HOLDS_PAGE_MAX, type Ledger } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { findAccountInScope } from "./account-ref.ts";
import { AccountParam, Amount, errorResponses, jsonContent } from "./schemas.ts";
import { unitScale } from "./unit-scale.ts";

const ActiveHold = z
  .object({
    holdId: z.string().openapi({ example: "hold_019a…" }),
    unit: z.string(),
    amount: Amount.openapi({ description: "What it reserves" }),
    member: z.string().nullable().openapi({ description: "The member that drew it (an organization's user)" }),
    expiresAt: z.string().openapi({ format: "date-time" }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("ActiveHold");

const listHolds = createRoute({
  method: "get",
  path: "/accounts/{account}/holds",
  summary: "The account's active holds, oldest first, a page at a time: what its `held` is made of",
  description:
    "A hold past its expiry is left out even before the sweep releases it, as the balances already count it released. `after` is the previous page's `nextCursor`. A customer token reads its own account's.",
  request: {
    params: AccountParam,
    query: z.strictObject({
      limit: z.coerce.number().int().min(1).max(HOLDS_PAGE_MAX).optional().openapi({ description: "Default 50" }),
      after: z
        .string()
        .regex(/^hold_[0-9a-f]{32}$/, "the nextCursor of the previous page (hold_…)")
        .optional(),
    }),
  },
  responses: {
    200: jsonContent(
      z.object({ accountId: z.string(), data: z.array(ActiveHold), nextCursor: z.string().nullable() }),
      "A page of active holds",
    ),
    ...errorResponses([400, 401, 404]),
  },
});

/** An account's active holds, under `/v1`, scoped like its balances. */
export function holdListRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger }): void {
  const { ledger } = deps;

  app.openapi(listHolds, async (c) => {
    const account = await findAccountInScope(ledger, c, c.req.valid("param").account);
    const query = c.req.valid("query");
    const page = await ledger.listActiveHolds(
      { accountId: account.accountId },
      { limit: query.limit ?? 50, after: query.after ?? null },
    );
    const data = (page?.holds ?? []).map((hold) => ({
      holdId: hold.holdId,
      unit: hold.unit,
      amount: formatMinor(hold.amountMinor, unitScale(ledger, hold.unit)),
      member: hold.member,
      expiresAt: hold.expiresAt.toISOString(),
      createdAt: hold.createdAt.toISOString(),
    }));
    return c.json({ accountId: account.accountId, data, nextCursor: page?.nextCursor ?? null }, 200);
  });
}
