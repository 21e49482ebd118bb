import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor, type HoldOutcome } from "@tollgate/core";
import type { CallEstimate, Meter } from "@tollgate/metering";
import type { Ledger } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { DURATION_MS_MAX } from "../../duration.ts";
import { ApiError } from "../api-error.ts";
import { ledgerAnswer } from "../idempotency/ledger-answer.ts";
import { parseAccountParam } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { AccountName, FeatureName, MemberName } from "./call-fields.ts";
import { Charged, chargedJson } from "./charge-routes.ts";
import { refusedAs } from "./domain-input.ts";
import { idempotencyKeyOf } from "./idempotency-key.ts";
import { ledgerFailure } from "./ledger-failure.ts";
import { EstimatedUsage, estimatedUsageJson, ModelCallFields, modelCallOf, refineModelCall } from "./model-call.ts";
import { Amount, errorResponses, jsonContent } from "./schemas.ts";
import { parseAmountField, unitScale } from "./unit-scale.ts";

const Hold = z
  .object({
    holdId: z.string(),
    unit: z.string(),
    amount: Amount,
    available: z.string(),
    expiresAt: z.string(),
    estimate: Amount.nullable().openapi({ description: "For a model call: the most it can cost, which is held" }),
    estimatedUsage: EstimatedUsage.nullable(),
  })
  .openapi("Hold");

const HoldBody = z
  .strictObject({
    account: AccountName,
    amount: Amount.optional().openapi({ description: "Hold this amount (or give a model call instead)" }),
    unit: z.string().max(64).optional().openapi({ description: "With amount: its unit (default: the default unit)" }),
    ...ModelCallFields,
    feature: FeatureName.optional().openapi({
      description: "The feature the call serves; the account's plan must include it",
    }),
    member: MemberName.optional(),
    // Bounded here only for sanity: the deployment's holdTtlMax decides (invalid_expiry beyond it).
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(DURATION_MS_MAX / 1000)
      .optional()
      .openapi({ description: "How long the hold lives (default: the deployment's holdTtl, at most its holdTtlMax)" }),
  })
  .superRefine((body, context) => {
    refineModelCall(body, context, { field: "amount", present: body.amount !== undefined });
    if (body.model !== undefined && body.unit !== undefined) {
      context.addIssue({ code: "custom", path: ["unit"], message: "a model call is held in the pricing unit" });
    }
  });

const createHold = createRoute({
  method: "post",
  path: "/holds",
  summary: "Reserve before a call: an amount, or the most a model call can cost (estimated from its request)",
  description:
    "In the pricing unit, either form also needs the deployment's minimum available balance (`minimumAvailable`) to be available, or it is refused with 402 `insufficient_credits`.",
  request: {
    query: z.strictObject({}),
    body: { content: { "application/json": { schema: HoldBody } }, required: true },
  },
  responses: { 200: jsonContent(Hold, "The hold"), ...errorResponses([400, 401, 402, 403, 404, 409, 422]) },
});

const HoldParam = z.object({
  hold: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: "hold", in: "path" }, example: "hold_019a…" }),
});

const settleHold = createRoute({
  method: "post",
  path: "/holds/{hold}/settle",
  summary: "Capture what a call cost: less than held releases the rest; more draws the excess",
  request: {
    params: HoldParam,
    query: z.strictObject({}),
    body: {
      content: {
        "application/json": { schema: z.strictObject({ amount: Amount, captureAvailable: z.boolean().optional() }) },
      },
      required: true,
    },
  },
  responses: {
    200: jsonContent(Charged.extend({ shortfall: Amount }), "The settlement"),
    ...errorResponses([400, 401, 402, 403, 404, 409, 422]),
  },
});

const releaseHold = createRoute({
  method: "post",
  path: "/holds/{hold}/release",
  summary: "Release a hold: nothing is charged",
  request: { params: HoldParam, query: z.strictObject({}) },
  responses: { 200: jsonContent(Hold, "The released hold"), ...errorResponses([400, 401, 403, 404, 409, 422]) },
});

/** Holds under `/v1`: reserve before a call, settle or release after it (secret keys only). */
export function holdRoutes(app: OpenAPIHono<AppEnv>, deps: { meter: Meter }): void {
  const { meter } = deps;
  const { ledger } = meter;

  app.openapi(createHold, async (c) => {
    requireSecret(callerOf(c));
    const input = c.req.valid("json");
    const account = parseAccountParam(input.account);
    const idempotencyKey = idempotencyKeyOf(c);
    const context = {
      account,
      idempotencyKey,
      ...(input.member === undefined ? {} : { member: input.member }),
      ...(input.ttlSeconds === undefined ? {} : { ttlMs: input.ttlSeconds * 1000 }),
      ...(input.feature === undefined ? {} : { feature: input.feature }),
    };
    if (input.model !== undefined) {
      // The meter estimates from the request, holds the estimate and enforces the minimum. Its
      // only RangeError left by the schema is the shape of messages, which the tokenizer reads.
      return ledgerAnswer(c, {
        run: (options) =>
          refusedAs("messages", () => meter.authorizeCall({ ...context, ...modelCallOf(input) }, options)),
        render: (result) => {
          if (!result.ok) throw ledgerFailure(result, { ledger, unit: meter.unit.unit });
          return holdJson(ledger, result.value, result.value.estimate);
        },
      });
    }
    const unit = input.unit ?? ledger.config.defaultUnit;
    const floor = meter.config.minimumAvailableMinor;
    return ledgerAnswer(c, {
      run: (options) =>
        ledger.authorize(
          {
            ...context,
            unit,
            amountMinor: parseAmountField(input.amount as string, unitScale(ledger, unit)),
            // A hold is how a call starts: in the pricing unit, whatever its form, the floor applies.
            ...(unit === meter.unit.unit && floor > 0n ? { minimumAvailableMinor: floor } : {}),
          },
          options,
        ),
      render: (result) => {
        if (!result.ok) throw ledgerFailure(result, { ledger, unit });
        return holdJson(ledger, result.value, null);
      },
    });
  });

  app.openapi(settleHold, async (c) => {
    requireSecret(callerOf(c));
    const input = c.req.valid("json");
    const holdId = c.req.valid("param").hold;
    // The amount is in the hold's unit, so its scale is that unit's.
    const hold = await ledger.findHold(holdId);
    if (!hold) throw new ApiError("not_found", "No such hold.", { reason: "hold_not_found" });
    return ledgerAnswer(c, {
      run: (options) =>
        ledger.settle(
          {
            holdId,
            amountMinor: parseAmountField(input.amount, unitScale(ledger, hold.unit)),
            ...(input.captureAvailable === undefined ? {} : { captureAvailable: input.captureAvailable }),
            idempotencyKey: idempotencyKeyOf(c),
          },
          options,
        ),
      render: (result) => {
        if (!result.ok) throw ledgerFailure(result, { ledger, unit: hold.unit });
        const shortfall = formatMinor(result.value.shortfallMinor, unitScale(ledger, result.value.unit));
        return { ...chargedJson(ledger, result.value), shortfall };
      },
    });
  });

  app.openapi(releaseHold, async (c) => {
    requireSecret(callerOf(c));
    return ledgerAnswer(c, {
      run: (options) =>
        ledger.release({ holdId: c.req.valid("param").hold, idempotencyKey: idempotencyKeyOf(c) }, options),
      render: (result) => {
        if (!result.ok) throw ledgerFailure(result, { ledger, unit: ledger.config.defaultUnit });
        return holdJson(ledger, result.value, null);
      },
    });
  });
}

function holdJson(ledger: Pick<Ledger, "units">, hold: HoldOutcome, estimate: CallEstimate | null) {
  const scale = unitScale(ledger, hold.unit);
  return {
    holdId: hold.holdId,
    unit: hold.unit,
    amount: formatMinor(hold.amountMinor, scale),
    available: formatMinor(hold.availableMinor, scale),
    expiresAt: hold.expiresAt.toISOString(),
    estimate: estimate && formatMinor(estimate.amountMinor, scale),
    estimatedUsage: estimate && estimatedUsageJson(estimate),
  };
}
