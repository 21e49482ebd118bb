import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { SUBSCRIPTION_STATUSES } from "@tollgate/core";
import { type Ledger, SUBSCRIPTIONS_PAGE_MAX } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { SubscriptionJson, subscriptionJson } from "./plan-json.ts";
import { AccountCursor, AccountType, catalogIdText, errorResponses, jsonContent, pageLimit } from "./schemas.ts";

const ListedSubscription = SubscriptionJson.extend({
  account: z.object({ id: z.string(), type: AccountType, externalId: z.string() }),
}).openapi("ListedSubscription");

const listSubscriptionsRoute = createRoute({
  method: "get",
  path: "/subscriptions",
  summary: "Subscriptions across accounts, by plan and status, a page at a time, each with its account",
  description:
    "In account id order (an account has at most one subscription). Canceled ones are included unless `status` filters them out. `after` is the previous page's `nextCursor`. Secret keys only.",
  request: {
    query: z.strictObject({
      plan: catalogIdText("a plan id").optional().openapi({ description: "Only this plan (any version)" }),
      status: z.enum(SUBSCRIPTION_STATUSES).optional(),
      limit: pageLimit(SUBSCRIPTIONS_PAGE_MAX),
      after: AccountCursor,
    }),
  },
  responses: {
    200: jsonContent(
      z.object({ data: z.array(ListedSubscription), nextCursor: z.string().nullable() }),
      "A page of subscriptions",
    ),
    ...errorResponses([400, 401, 403]),
  },
});

/** Subscriptions across accounts, under `/v1` (secret keys only, as the account list). */
export function subscriptionListRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger }): void {
  const { ledger } = deps;

  app.openapi(listSubscriptionsRoute, async (c) => {
    requireSecret(callerOf(c));
    const query = c.req.valid("query");
    const page = await ledger.listSubscriptions({
      planId: query.plan ?? null,
      status: query.status ?? null,
      limit: query.limit ?? 50,
      after: query.after ?? null,
    });
    const data = page.subscriptions.map((listed) => ({
      ...subscriptionJson(listed.accountId, listed),
      account: { id: listed.accountId, type: listed.accountType, externalId: listed.externalId },
    }));
    return c.json({ data, nextCursor: page.nextCursor }, 200);
  });
}
