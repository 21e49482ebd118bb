import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor } from "@tollgate/core";
import type { Meter } from "@tollgate/metering";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { findAccountInScope } from "./account-ref.ts";
import { AccountParam, Amount, errorResponses, jsonContent } from "./schemas.ts";
import { unitScale } from "./unit-scale.ts";

const CheckBody = z
  .object({
    account: z.string().min(1).max(300).openapi({ example: "user:alice" }),
    feature: z.string().min(1).max(64).optional(),
    provider: z.string().min(1).max(64).optional(),
    model: z.string().min(1).max(200).optional(),
    messages: z.array(z.unknown()).max(10_000).optional().openapi({ description: "The chat request's messages" }),
    maxTokens: z.number().int().min(1).max(10_000_000).optional(),
  })
  .refine((value) => (value.feature === undefined) !== (value.model === undefined), {
    message: "give a feature, or a provider, model and messages",
    path: ["feature"],
  });

const check = createRoute({
  method: "post",
  path: "/check",
  summary: "Can this account afford this feature or this model call, and why not (nothing is reserved)",
  request: { body: { content: { "application/json": { schema: CheckBody } }, required: true } },
  responses: {
    200: jsonContent(
      z
        .object({
          allowed: z.boolean(),
          reason: z.enum(["insufficient_credits", "feature_not_found", "unknown_model_price"]).nullable(),
          unit: z.string().nullable(),
          required: Amount.nullable(),
          available: z.string().nullable(),
        })
        .openapi("Check"),
      "Whether the call may go ahead; a refusal says why",
    ),
    ...errorResponses([400, 401, 404]),
  },
});

const stats = createRoute({
  method: "get",
  path: "/accounts/{account}/stats",
  summary: "Balance, used and allocated per unit and in total, and the next refresh date",
  request: { params: AccountParam },
  responses: {
    200: jsonContent(
      z
        .object({
          byUnit: z.array(
            z.object({ unit: z.string(), balance: Amount, available: z.string(), used: z.string(), allocated: Amount }),
          ),
          refreshDate: z.string().nullable(),
        })
        .openapi("AccountStats"),
      "The account's stats",
    ),
    ...errorResponses([400, 401, 404]),
  },
});

/** Checks before a call, and an account's stats, under `/v1`: a customer token may ask about its own account. */
export function checkRoutes(app: OpenAPIHono<AppEnv>, deps: { meter: Meter }): void {
  const { meter } = deps;
  const { ledger } = meter;
  const format = (unit: string, minor: bigint) => formatMinor(minor, unitScale(ledger, unit));

  app.openapi(check, async (c) => {
    const input = c.req.valid("json");
    const { accountId } = await findAccountInScope(ledger, c, input.account);
    const refused = (reason: "feature_not_found" | "unknown_model_price") =>
      c.json({ allowed: false, reason, unit: null, required: null, available: null }, 200);
    let unit: string;
    let requiredMinor: bigint;
    if (input.feature !== undefined) {
      const cost = await meter.features.costFor(accountId, input.feature);
      if (!cost) return refused("feature_not_found");
      unit = cost.unit;
      requiredMinor = cost.costMinor;
    } else {
      if (!input.provider || !input.messages) {
        throw new ApiError("invalid_request", "provider and messages are needed to check a model call", {
          fields: [{ field: input.provider ? "messages" : "provider", message: "required with model" }],
        });
      }
      const estimate = await meter.estimateCall({
        provider: input.provider,
        model: input.model as string,
        messages: input.messages,
        ...(input.maxTokens === undefined ? {} : { maxTokens: input.maxTokens }),
      });
      if (!estimate) return refused("unknown_model_price");
      unit = estimate.unit;
      const floor = meter.config.minimumAvailableMinor;
      requiredMinor = estimate.amountMinor > floor ? estimate.amountMinor : floor;
    }
    const [balance] = (await ledger.getBalances({ accountId }, { unit })) ?? [];
    const availableMinor = balance?.availableMinor ?? 0n;
    const allowed = availableMinor >= requiredMinor;
    return c.json(
      {
        allowed,
        reason: allowed ? null : ("insufficient_credits" as const),
        unit,
        required: format(unit, requiredMinor),
        available: format(unit, availableMinor),
      },
      200,
    );
  });

  app.openapi(stats, async (c) => {
    const { accountId } = await findAccountInScope(ledger, c, c.req.valid("param").account);
    const found = await meter.accountStats({ account: { accountId } });
    if (!found) throw new ApiError("not_found", "No such account.");
    return c.json(
      {
        byUnit: found.byUnit.map((row) => ({
          unit: row.unit,
          balance: format(row.unit, row.balanceMinor),
          available: format(row.unit, row.availableMinor),
          used: format(row.unit, row.usedMinor),
          allocated: format(row.unit, row.allocatedMinor),
        })),
        refreshDate: found.refreshDate?.toISOString() ?? null,
      },
      200,
    );
  });
}
