import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor, type PlanCatalog, type Result, type SubscriptionOutcome } from "@tollgate/core";
import type { Ledger } from "@tollgate/store";
import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { accountIdInScope, findAccountInScope, parseAccountParam } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { planOfBody } from "./configured-plan.ts";
import { idempotencyKeyOf } from "./idempotency-key.ts";
import { ledgerFailure } from "./ledger-failure.ts";
import { SubscriptionJson, subscriptionJson } from "./plan-json.ts";
import { AccountParam, Amount, catalogIdText, errorResponses, jsonContent } from "./schemas.ts";
import { unitScale } from "./unit-scale.ts";

const PlanField = catalogIdText("a plan id").openapi({
  description: "A configured plan's id (GET /v1/plans)",
  example: "pro",
});

const jsonBody = <T extends z.ZodType>(schema: T) => ({
  content: { "application/json": { schema } },
  required: true,
});

/** A write's answer: the subscription after it, the grants it made, the balance of the plan's first unit. */
const SubscriptionChange = z
  .object({
    subscription: SubscriptionJson,
    transactionIds: z.array(z.string()).openapi({ description: "The allocation grants this made (none: none due)" }),
    unit: z.string(),
    balance: Amount,
    available: z.string(),
  })
  .openapi("SubscriptionChange");

const WRITE_ERRORS = errorResponses([400, 401, 403, 404, 409, 422]);

const getSubscription = createRoute({
  method: "get",
  path: "/accounts/{account}/subscription",
  summary: "The account's subscription (a canceled one too), or 404 when it never had one",
  request: { params: AccountParam, query: z.strictObject({}) },
  responses: { 200: jsonContent(SubscriptionJson, "The subscription"), ...errorResponses([400, 401, 404]) },
});

const subscribe = createRoute({
  method: "post",
  path: "/accounts/{account}/subscription",
  summary: "Subscribe the account to a plan: the current period's allocation is granted now",
  description:
    "Opens the account if it does not exist (with its signup grant; the plan takes its type's default plan's place). An account with a live subscription is refused `already_subscribed`: change its plan instead. `anchor` (no later than now) is where anniversary periods are counted from.",
  request: {
    params: AccountParam,
    query: z.strictObject({}),
    body: jsonBody(
      z.strictObject({
        plan: PlanField,
        anchor: z.string().datetime({ offset: true }).optional().openapi({ description: "Default: now" }),
      }),
    ),
  },
  responses: { 200: jsonContent(SubscriptionChange, "The new subscription"), ...WRITE_ERRORS },
});

const changePlan = createRoute({
  method: "post",
  path: "/accounts/{account}/subscription/change",
  summary: "Move the subscription to another plan: an upgrade now, a downgrade as the plan's `downgrade` says",
  request: { params: AccountParam, query: z.strictObject({}), body: jsonBody(z.strictObject({ plan: PlanField })) },
  responses: { 200: jsonContent(SubscriptionChange, "The subscription after the change"), ...WRITE_ERRORS },
});

const cancel = createRoute({
  method: "post",
  path: "/accounts/{account}/subscription/cancel",
  summary: "Cancel the subscription, now or at its period's end as its plan's `cancel` says",
  request: { params: AccountParam, query: z.strictObject({}) },
  responses: { 200: jsonContent(SubscriptionChange, "The subscription after the cancellation"), ...WRITE_ERRORS },
});

/**
 * An account's subscription under `/v1`: secret keys read and write it, a customer token reads
 * its own account's. Plans are named by their configured id; the ledger stores the version.
 */
export function subscriptionRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger; catalog: PlanCatalog }): void {
  const { ledger, catalog } = deps;

  /** The write's answer, or its refusal as the API's error. */
  const answer = (c: Context<AppEnv>, result: Result<SubscriptionOutcome>) => {
    if (!result.ok) throw ledgerFailure(result, { ledger, unit: ledger.config.defaultUnit });
    const { value } = result;
    const scale = unitScale(ledger, value.unit);
    return c.json(
      {
        subscription: subscriptionJson(value.accountId, value.subscription),
        transactionIds: value.transactionIds,
        unit: value.unit,
        balance: formatMinor(value.balanceMinor, scale),
        available: formatMinor(value.availableMinor, scale),
      },
      200,
    );
  };

  app.openapi(getSubscription, async (c) => {
    const accountId = await accountIdInScope(ledger, c, c.req.valid("param").account);
    const subscription = await ledger.getSubscription({ accountId });
    if (!subscription) {
      // An account id that does not exist reads as no subscription too: one answer, as for accounts.
      throw new ApiError("not_found", "The account has no subscription.", { reason: "subscription_not_found" });
    }
    return c.json(subscriptionJson(accountId, subscription), 200);
  });

  app.openapi(subscribe, async (c) => {
    requireSecret(callerOf(c));
    const body = c.req.valid("json");
    const plan = planOfBody(catalog, body.plan);
    const result = await ledger.subscribe({
      account: parseAccountParam(c.req.valid("param").account),
      plan,
      ...(body.anchor === undefined ? {} : { anchorAt: new Date(body.anchor) }),
      idempotencyKey: idempotencyKeyOf(c),
    });
    return answer(c, result);
  });

  app.openapi(changePlan, async (c) => {
    requireSecret(callerOf(c));
    const plan = planOfBody(catalog, c.req.valid("json").plan);
    // The account must exist: a change never opens one (it would have no subscription to change).
    const account = await findAccountInScope(ledger, c, c.req.valid("param").account);
    const result = await ledger.changePlan({
      account: { accountId: account.accountId },
      plan,
      idempotencyKey: idempotencyKeyOf(c),
    });
    return answer(c, result);
  });

  app.openapi(cancel, async (c) => {
    requireSecret(callerOf(c));
    const account = await findAccountInScope(ledger, c, c.req.valid("param").account);
    const result = await ledger.cancelSubscription({
      account: { accountId: account.accountId },
      idempotencyKey: idempotencyKeyOf(c),
    });
    return answer(c, result);
  });
}
