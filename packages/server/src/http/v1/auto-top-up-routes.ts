import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { AMOUNT_MINOR_MAX, formatMinor, type PlanCatalog, parseDecimalToMinor } from "@tollgate/core";
import { type AutoTopUp, type AutoTopUpCrossing, AutoTopUps, type Ledger } from "@tollgate/store";
import type Stripe from "stripe";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { findAccountInScope } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { AccountParam, Amount, catalogIdText, errorResponses, jsonContent } from "./schemas.ts";
import { unitScale } from "./unit-scale.ts";

/** Crossings a read lists, newest first. */
const CROSSINGS_LISTED_MAX = 20;

const AutoTopUpJson = z
  .object({
    unit: z.string().openapi({ description: "The pack's unit: the balance watched" }),
    pack: z.string(),
    threshold: Amount.openapi({ description: "Bought when available falls below this" }),
  })
  .openapi("AutoTopUp");

const CrossingJson = z
  .object({
    id: z.string(),
    unit: z.string(),
    pack: z.string(),
    threshold: Amount,
    available: z.string().openapi({ description: "Available right after the batch that crossed (may be negative)" }),
    status: z.enum(["due", "requested", "succeeded", "failed"]),
    attempts: z.number().int(),
    paymentIntentId: z.string().nullable(),
    detail: z.string().nullable(),
    crossedAt: z.string(),
  })
  .openapi("AutoTopUpCrossing");

const AutoTopUpsJson = z
  .object({
    accountId: z.string(),
    autoTopUps: z.array(AutoTopUpJson),
    crossings: z.array(CrossingJson).openapi({ description: `The latest ${CROSSINGS_LISTED_MAX}, newest first` }),
  })
  .openapi("AutoTopUps");

const getAutoTopUp = createRoute({
  method: "get",
  path: "/accounts/{account}/auto-top-up",
  summary: "An account's automatic top-ups and its latest crossings below their thresholds",
  request: { params: AccountParam, query: z.strictObject({}) },
  responses: { 200: jsonContent(AutoTopUpsJson, "The automatic top-ups"), ...errorResponses([400, 401, 403, 404]) },
});

const putAutoTopUp = createRoute({
  method: "put",
  path: "/accounts/{account}/auto-top-up",
  summary: "Buy a pack with the saved payment method whenever the account's available balance falls below a threshold",
  description:
    "Once per crossing below `threshold` (in the pack's unit), a background job asks Stripe for an off-session payment of the pack's price with the default (else first) saved payment method of the account's Stripe customer; the pack is granted when the payment succeeds. Replaces the account's automatic top-up in that unit. The account needs a Stripe customer (a checkout) by the time it crosses.",
  request: {
    params: AccountParam,
    query: z.strictObject({}),
    body: {
      content: {
        "application/json": {
          schema: z.strictObject({
            pack: catalogIdText("a pack id").openapi({ example: "starter" }),
            threshold: Amount,
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: jsonContent(AutoTopUpsJson, "The account's automatic top-ups after the change"),
    ...errorResponses([400, 401, 403, 404, 501]),
  },
});

const deleteAutoTopUp = createRoute({
  method: "delete",
  path: "/accounts/{account}/auto-top-up",
  summary: "Turn an account's automatic top-up off (in one unit, or all)",
  request: {
    params: AccountParam,
    query: z.strictObject({ unit: z.string().min(1).max(64).optional() }),
  },
  responses: {
    200: jsonContent(AutoTopUpsJson, "The account's automatic top-ups after the change"),
    ...errorResponses([400, 401, 403, 404]),
  },
});

/**
 * Automatic top-ups per account, under `/v1`, for secret keys (docs/operating/stripe.md,
 * "Automatic top-up"). Setting one needs Stripe (`stripe_not_configured` otherwise); reading and
 * removing do not.
 */
export function autoTopUpRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { ledger: Ledger; stripe: Stripe | null; catalog: PlanCatalog },
): void {
  const { ledger } = deps;
  const topUps = new AutoTopUps(ledger.sql);
  const answer = async (accountId: string) => ({
    accountId,
    autoTopUps: (await topUps.list(accountId)).map((topUp) => topUpJson(ledger, topUp)),
    crossings: (await topUps.crossings(accountId, CROSSINGS_LISTED_MAX)).map((crossing) =>
      crossingJson(ledger, crossing),
    ),
  });

  app.openapi(getAutoTopUp, async (c) => {
    requireSecret(callerOf(c));
    const account = await findAccountInScope(ledger, c, c.req.valid("param").account);
    return c.json(await answer(account.accountId), 200);
  });

  app.openapi(putAutoTopUp, async (c) => {
    requireSecret(callerOf(c));
    const body = c.req.valid("json");
    // Every check before any write: a refused request leaves nothing behind.
    const pack = deps.catalog.packs.find((candidate) => candidate.id === body.pack);
    if (!pack) throw fieldError("pack", `no pack "${body.pack}" in the configuration`);
    if (!pack.price) throw fieldError("pack", `pack "${pack.id}" has no price: it cannot be bought`);
    const thresholdMinor = thresholdOf(body.threshold, unitScale(ledger, pack.unit));
    const account = await findAccountInScope(ledger, c, c.req.valid("param").account);
    if (account.type === "guest") {
      throw new ApiError("forbidden", "A guest account cannot buy: make it a user or an organization first.", {
        reason: "guest_cannot_purchase",
      });
    }
    // After the request's own checks: a malformed request is the caller's 400 on any deployment.
    if (!deps.stripe) {
      throw new ApiError(
        "stripe_not_configured",
        "Automatic top-ups pay through Stripe, which is not set up on this deployment: set STRIPE_SECRET_KEY and restart; see docs/operating/stripe.md.",
      );
    }
    await topUps.set({
      accountId: account.accountId,
      unit: pack.unit,
      thresholdMinor,
      packId: pack.id,
      now: ledger.now(),
    });
    return c.json(await answer(account.accountId), 200);
  });

  app.openapi(deleteAutoTopUp, async (c) => {
    requireSecret(callerOf(c));
    const { unit } = c.req.valid("query");
    const account = await findAccountInScope(ledger, c, c.req.valid("param").account);
    await topUps.remove({ accountId: account.accountId, ...(unit === undefined ? {} : { unit }) });
    return c.json(await answer(account.accountId), 200);
  });
}

function topUpJson(ledger: Pick<Ledger, "units">, topUp: AutoTopUp) {
  return {
    unit: topUp.unit,
    pack: topUp.packId,
    threshold: formatMinor(topUp.thresholdMinor, unitScale(ledger, topUp.unit)),
  };
}

function crossingJson(ledger: Pick<Ledger, "units">, crossing: AutoTopUpCrossing) {
  const scale = unitScale(ledger, crossing.unit);
  return {
    id: crossing.crossingId,
    unit: crossing.unit,
    pack: crossing.packId,
    threshold: formatMinor(crossing.thresholdMinor, scale),
    available: formatMinor(crossing.availableMinor, scale),
    status: crossing.status,
    attempts: crossing.attempts,
    paymentIntentId: crossing.paymentIntentId,
    detail: crossing.detail,
    crossedAt: crossing.crossedAt.toISOString(),
  };
}

/** A threshold in the unit's decimals, above zero and at most the largest amount, or 400 naming `threshold`. */
function thresholdOf(text: string, scale: number): bigint {
  let message: string;
  try {
    const minor = parseDecimalToMinor(text, scale);
    if (minor > 0n && minor <= AMOUNT_MINOR_MAX) return minor;
    message = minor === 0n ? "must be above 0" : `at most ${formatMinor(AMOUNT_MINOR_MAX, scale)}`;
  } catch (error) {
    message = (error as Error).message;
  }
  throw fieldError("threshold", message);
}

function fieldError(field: string, message: string): ApiError {
  return new ApiError("invalid_request", `${field}: ${message}`, { fields: [{ field, message }] });
}
