import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor, parseDecimalToMinor } from "@tollgate/core";
import type { Meter } from "@tollgate/metering";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { parseAccountParam } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { idempotencyKeyOf } from "./idempotency-key.ts";
import { ledgerFailure } from "./ledger-failure.ts";
import { Amount, errorResponses, jsonContent } from "./schemas.ts";
import { unitScale } from "./unit-scale.ts";

const body = <T>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

const AccountName = z
  .string()
  .min(1)
  .max(300)
  .openapi({ description: "acct_… or type:externalId", example: "user:alice" });
const Member = z.string().min(1).max(256).optional().openapi({ description: "An organization member's external id" });

const Charged = z
  .object({
    transactionId: z.string().nullable(),
    usageEventId: z.string().nullable(),
    unit: z.string(),
    amount: Amount,
    balance: Amount,
    available: z.string(),
  })
  .openapi("Charge");

const Hold = z
  .object({ holdId: z.string(), unit: z.string(), amount: Amount, available: z.string(), expiresAt: z.string() })
  .openapi("Hold");

const createCharge = createRoute({
  method: "post",
  path: "/charges",
  summary: "Charge an account: a fixed amount, or a feature's cost (its usage event recorded in the same transaction)",
  request: body(
    z
      .object({
        account: AccountName,
        amount: Amount.optional(),
        unit: z.string().max(64).optional(),
        feature: z.string().max(64).optional(),
        member: Member,
        conversationId: z.string().min(1).max(200).optional(),
        metadata: z.record(z.string(), z.unknown()).optional(),
      })
      .refine((value) => (value.amount === undefined) !== (value.feature === undefined), {
        message: "give exactly one of amount and feature",
        path: ["amount"],
      }),
  ),
  responses: {
    200: jsonContent(Charged, "The charge and the balance after it"),
    ...errorResponses([400, 401, 402, 403, 404, 409, 422]),
  },
});

const createHold = createRoute({
  method: "post",
  path: "/holds",
  summary: "Reserve an amount before a call (settle or release it after)",
  request: body(
    z.object({
      account: AccountName,
      amount: Amount,
      unit: z.string().max(64).optional(),
      member: Member,
      ttlSeconds: z.number().int().min(1).max(86_400).optional(),
    }),
  ),
  responses: { 200: jsonContent(Hold, "The hold"), ...errorResponses([400, 401, 402, 403, 404, 409, 422]) },
});

const HoldParam = z.object({
  hold: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: "hold", in: "path" } }),
});

const settleHold = createRoute({
  method: "post",
  path: "/holds/{hold}/settle",
  summary: "Capture what a call cost: less than held releases the rest; more draws the excess",
  request: { params: HoldParam, ...body(z.object({ amount: Amount, captureAvailable: z.boolean().optional() })) },
  responses: {
    200: jsonContent(Charged.extend({ shortfall: Amount }), "The settlement"),
    ...errorResponses([400, 401, 402, 403, 404, 409, 422]),
  },
});

const releaseHold = createRoute({
  method: "post",
  path: "/holds/{hold}/release",
  summary: "Release a hold: nothing is charged",
  request: { params: HoldParam },
  responses: { 200: jsonContent(Hold, "The released hold"), ...errorResponses([400, 401, 403, 404, 409, 422]) },
});

/** Charges and holds, under `/v1`: the hot path of an app's backend (secret keys only). */
export function chargeRoutes(app: OpenAPIHono<AppEnv>, deps: { meter: Meter }): void {
  const { ledger } = deps.meter;
  const scaleOf = (unit: string) => unitScale(ledger, unit);
  const amountOf = (text: string, unit: string) => {
    try {
      return parseDecimalToMinor(text, scaleOf(unit));
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError("invalid_request", `amount: ${(error as Error).message}`, {
        fields: [{ field: "amount", message: (error as Error).message }],
      });
    }
  };
  const formatter = (unit: string) => (minor: bigint) => formatMinor(minor, scaleOf(unit));
  const charged = (value: {
    transactionId?: string | null;
    usageEventId?: string;
    unit: string;
    amountMinor: bigint;
    balanceMinor: bigint;
    availableMinor: bigint;
  }) => {
    const format = formatter(value.unit);
    return {
      transactionId: value.transactionId || null,
      usageEventId: value.usageEventId ?? null,
      unit: value.unit,
      amount: format(value.amountMinor),
      balance: format(value.balanceMinor),
      available: format(value.availableMinor),
    };
  };

  app.openapi(createCharge, async (c) => {
    requireSecret(callerOf(c));
    const input = c.req.valid("json");
    const account = parseAccountParam(input.account);
    const idempotencyKey = idempotencyKeyOf(c);
    const context = {
      account,
      idempotencyKey,
      ...(input.member === undefined ? {} : { member: input.member }),
      ...(input.conversationId === undefined ? {} : { conversationId: input.conversationId }),
      ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
    };
    if (input.feature !== undefined) {
      const result = await deps.meter.chargeFeature({ ...context, feature: input.feature });
      if (!result.ok) throw ledgerFailure(result, formatter(ledger.config.defaultUnit));
      return c.json(charged(result.value), 200);
    }
    const unit = input.unit ?? ledger.config.defaultUnit;
    const result = await ledger.charge({
      account,
      unit,
      amountMinor: amountOf(input.amount as string, unit),
      ...(input.member === undefined ? {} : { member: input.member }),
      idempotencyKey,
    });
    if (!result.ok) throw ledgerFailure(result, formatter(unit));
    return c.json(charged(result.value), 200);
  });

  app.openapi(createHold, async (c) => {
    requireSecret(callerOf(c));
    const input = c.req.valid("json");
    const unit = input.unit ?? ledger.config.defaultUnit;
    const result = await ledger.authorize({
      account: parseAccountParam(input.account),
      unit,
      amountMinor: amountOf(input.amount, unit),
      ...(input.member === undefined ? {} : { member: input.member }),
      ...(input.ttlSeconds === undefined ? {} : { ttlMs: input.ttlSeconds * 1000 }),
      idempotencyKey: idempotencyKeyOf(c),
    });
    if (!result.ok) throw ledgerFailure(result, formatter(unit));
    const format = formatter(unit);
    const hold = result.value;
    return c.json(
      {
        holdId: hold.holdId,
        unit,
        amount: format(hold.amountMinor),
        available: format(hold.availableMinor),
        expiresAt: hold.expiresAt.toISOString(),
      },
      200,
    );
  });

  app.openapi(settleHold, async (c) => {
    requireSecret(callerOf(c));
    const input = c.req.valid("json");
    const holdId = c.req.valid("param").hold;
    // The amount is in the hold's unit, so its scale is that unit's.
    const hold = await ledger.findHold(holdId);
    if (!hold) throw new ApiError("not_found", "No such hold.", { reason: "hold_not_found" });
    const result = await ledger.settle({
      holdId,
      amountMinor: amountOf(input.amount, hold.unit),
      ...(input.captureAvailable === undefined ? {} : { captureAvailable: input.captureAvailable }),
      idempotencyKey: idempotencyKeyOf(c),
    });
    if (!result.ok) throw ledgerFailure(result, formatter(hold.unit));
    return c.json(
      { ...charged(result.value), shortfall: formatter(result.value.unit)(result.value.shortfallMinor) },
      200,
    );
  });

  app.openapi(releaseHold, async (c) => {
    requireSecret(callerOf(c));
    const result = await ledger.release({ holdId: c.req.valid("param").hold, idempotencyKey: idempotencyKeyOf(c) });
    if (!result.ok) throw ledgerFailure(result, formatter(ledger.config.defaultUnit));
    const hold = result.value;
    const format = formatter(hold.unit);
    return c.json(
      {
        holdId: hold.holdId,
        unit: hold.unit,
        amount: format(hold.amountMinor),
        available: format(hold.availableMinor),
        expiresAt: hold.expiresAt.toISOString(),
      },
      200,
    );
  });
}
