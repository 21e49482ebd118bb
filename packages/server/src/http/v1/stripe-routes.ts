import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Account, PlanCatalog } from "@tollgate/core";
import {
  type Ledger,
  STRIPE_EVENT_OUTCOMES,
  STRIPE_EVENT_PAGE_MAX,
  StripeCustomers,
  StripeEvents,
} from "@tollgate/store";
import type Stripe from "stripe";
import type { AppEnv } from "../../app-env.ts";
import { createCheckoutSession, createPortalSession } from "../../stripe/stripe-checkout.ts";
import { callStripe } from "../../stripe/stripe-failure.ts";
import { applyStripePush, planStripePush } from "../../stripe/stripe-push.ts";
import { ApiError } from "../api-error.ts";
import { accountNotFound } from "./account-not-found.ts";
import { parseAccountParam } from "./account-ref.ts";
import { assertInScope, callerOf, requireAdmin, requireSecret } from "./auth.ts";
import { idempotencyKeyOf } from "./idempotency-key.ts";
import { catalogIdText, errorResponses, jsonContent } from "./schemas.ts";
import { StripeChangeJson, StripeEventJson, stripeChangeJson, stripeEventJson } from "./stripe-json.ts";

const AccountField = z.string().min(1).max(300).openapi({ example: "user:alice" });
const ItemId = catalogIdText("a plan or pack id").openapi({ example: "pro" });
const ReturnUrl = z
  .string()
  .max(2048)
  .regex(/^https?:\/\//, "an http(s) URL")
  .openapi({ description: "Where Stripe sends the customer back: a page of your app (http or https)" });
const body = <T extends z.ZodType>(schema: T) => ({
  content: { "application/json": { schema } },
  required: true,
});

const createCheckout = createRoute({
  method: "post",
  path: "/checkout-sessions",
  summary: "A Stripe Checkout session for a plan (a subscription) or a pack (a one-time purchase)",
  description:
    "The account's Stripe customer is made at its first checkout and kept. Stripe sends the customer back to `successUrl` or `cancelUrl`; the purchase takes effect through the webhook (`POST /stripe/webhook`).",
  request: {
    query: z.strictObject({}),
    body: body(
      z
        .strictObject({
          account: AccountField,
          plan: ItemId.optional(),
          pack: ItemId.optional(),
          successUrl: ReturnUrl,
          cancelUrl: ReturnUrl,
        })
        .refine((input) => (input.plan === undefined) !== (input.pack === undefined), {
          message: "name exactly one of plan and pack",
          path: ["plan"],
        }),
    ),
  },
  responses: {
    200: jsonContent(
      z.object({ id: z.string().openapi({ example: "cs_test_…" }), url: z.string() }),
      "The session: send the customer to its url",
    ),
    ...errorResponses([400, 401, 403, 404, 409, 422, 501, 502]),
  },
});

const createPortal = createRoute({
  method: "post",
  path: "/portal-sessions",
  summary: "A Stripe billing portal session for an account that has checked out before",
  request: {
    query: z.strictObject({}),
    body: body(z.strictObject({ account: AccountField, returnUrl: ReturnUrl })),
  },
  responses: {
    200: jsonContent(z.object({ url: z.string() }), "The session: send the customer to its url"),
    ...errorResponses([400, 401, 403, 404, 409, 422, 501, 502]),
  },
});

const push = createRoute({
  method: "post",
  path: "/stripe/push",
  summary: "Make Stripe's Products and Prices match the configuration's plans and packs (admin keys)",
  description:
    "With `dryRun: true`, only the changes it would make. Prices are immutable: a new amount, currency or interval is a new Price that takes the lookup key (`tollgate_plan_<id>`, `tollgate_pack_<id>`), and the old one is deactivated.",
  request: { query: z.strictObject({}), body: body(z.strictObject({ dryRun: z.boolean() })) },
  responses: {
    200: jsonContent(
      z.object({ applied: z.boolean(), changes: z.array(StripeChangeJson) }),
      "The changes, applied or not",
    ),
    ...errorResponses([400, 401, 403, 409, 422, 501, 502]),
  },
});

const listEvents = createRoute({
  method: "get",
  path: "/stripe/events",
  summary: "Stripe webhook events received, newest first, a page at a time (cursor: `after`; admin keys)",
  request: {
    query: z.strictObject({
      type: z.string().min(1).max(200).optional().openapi({ example: "checkout.session.completed" }),
      outcome: z.enum(STRIPE_EVENT_OUTCOMES as [string, ...string[]]).optional(),
      limit: z.coerce.number().int().min(1).max(STRIPE_EVENT_PAGE_MAX).optional(),
      after: z.string().min(1).max(255).optional().openapi({ description: "The previous page's nextCursor" }),
    }),
  },
  responses: {
    200: jsonContent(z.object({ data: z.array(StripeEventJson), nextCursor: z.string().nullable() }), "A page"),
    ...errorResponses([400, 401, 403]),
  },
});

/**
 * Stripe under `/v1`: checkout and portal sessions (secret keys), the catalog push and the log
 * of webhook events (admin keys). Without a Stripe key every route but the log answers
 * `stripe_not_configured` (501), saying what to set.
 */
export function stripeRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { ledger: Ledger; stripe: Stripe | null; catalog: PlanCatalog },
): void {
  const customers = new StripeCustomers(deps.ledger.sql);
  const events = new StripeEvents(deps.ledger.sql);
  const stripeOrRefuse = (): Stripe => {
    if (deps.stripe) return deps.stripe;
    throw new ApiError(
      "stripe_not_configured",
      "Stripe is not set up on this deployment: set STRIPE_SECRET_KEY (sk_test_… for test mode) and restart; see docs/operating/stripe.md.",
    );
  };

  /** The buyer, made on first use when named by type and external id; guests cannot buy. */
  const buyerOf = async (text: string): Promise<Account> => {
    const ref = parseAccountParam(text);
    const account = "accountId" in ref ? await deps.ledger.accounts.find(ref) : await deps.ledger.accounts.ensure(ref);
    if (!account) throw accountNotFound();
    if (account.type === "guest") {
      throw new ApiError("forbidden", "A guest account cannot buy: make it a user or an organization first.", {
        reason: "guest_cannot_purchase",
      });
    }
    return account;
  };

  app.openapi(createCheckout, async (c) => {
    const caller = callerOf(c);
    requireSecret(caller);
    const input = c.req.valid("json");
    const stripe = stripeOrRefuse();
    const account = await buyerOf(input.account);
    assertInScope(caller, account.accountId);
    const session = await callStripe(() =>
      createCheckoutSession(
        { stripe, customers, catalog: deps.catalog, now: deps.ledger.now() },
        {
          accountId: account.accountId,
          item: input.plan !== undefined ? { kind: "plan", id: input.plan } : { kind: "pack", id: input.pack ?? "" },
          successUrl: input.successUrl,
          cancelUrl: input.cancelUrl,
          idempotencyKey: `tollgate_checkout_${caller.keyId}_${idempotencyKeyOf(c)}`.slice(0, 255),
        },
      ),
    );
    return c.json(session, 200);
  });

  app.openapi(createPortal, async (c) => {
    const caller = callerOf(c);
    requireSecret(caller);
    const input = c.req.valid("json");
    const stripe = stripeOrRefuse();
    const accountId = await deps.ledger.accounts.findId(parseAccountParam(input.account));
    if (accountId === null) throw accountNotFound();
    assertInScope(caller, accountId);
    const session = await callStripe(() =>
      createPortalSession(
        { stripe, customers },
        {
          accountId,
          returnUrl: input.returnUrl,
          idempotencyKey: `tollgate_portal_${caller.keyId}_${idempotencyKeyOf(c)}`.slice(0, 255),
        },
      ),
    );
    return c.json(session, 200);
  });

  app.openapi(push, async (c) => {
    requireAdmin(callerOf(c));
    const { dryRun } = c.req.valid("json");
    const stripe = stripeOrRefuse();
    const changes = await callStripe(() => planStripePush(stripe, deps.catalog));
    if (dryRun) return c.json({ applied: false, changes: changes.map(stripeChangeJson) }, 200);
    const applied = await callStripe(() => applyStripePush(stripe, changes));
    return c.json({ applied: true, changes: applied.map(stripeChangeJson) }, 200);
  });

  app.openapi(listEvents, async (c) => {
    requireAdmin(callerOf(c));
    const query = c.req.valid("query");
    const page = await events.list({
      ...(query.type ? { type: query.type } : {}),
      ...(query.outcome ? { outcome: query.outcome as (typeof STRIPE_EVENT_OUTCOMES)[number] } : {}),
      limit: query.limit ?? 50,
      before: query.after ?? null,
    });
    return c.json({ data: page.items.map(stripeEventJson), nextCursor: page.nextCursor }, 200);
  });
}
