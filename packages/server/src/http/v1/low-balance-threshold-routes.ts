import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { AMOUNT_MINOR_MAX, formatMinor, parseDecimalToMinor } from "@tollgate/core";
import type { Ledger, LowBalanceThreshold, Webhooks } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { accountNotFound } from "./account-not-found.ts";
import { findAccountInScope } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { AccountParam, Amount, errorResponses, jsonContent } from "./schemas.ts";
import { unitScale } from "./unit-scale.ts";

const Thresholds = z
  .object({
    accountId: z.string(),
    thresholds: z.array(
      z.object({
        unit: z.string(),
        account: Amount.nullable().openapi({ description: "The account's own threshold; null: it has none" }),
        default: Amount.nullable().openapi({ description: "The deployment's default (webhooks.lowBalanceThresholds)" }),
        effective: Amount.nullable().openapi({ description: "What applies: the account's, else the default" }),
        off: z.boolean().openapi({ description: "No balance.low in this unit for the account" }),
      }),
    ),
  })
  .openapi("LowBalanceThresholds");

const getThresholds = createRoute({
  method: "get",
  path: "/accounts/{account}/low-balance-thresholds",
  summary: "An account's balance.low thresholds per unit: its own, the deployment's default, and what applies",
  request: { params: AccountParam, query: z.strictObject({}) },
  responses: { 200: jsonContent(Thresholds, "The thresholds"), ...errorResponses([400, 401, 403, 404]) },
});

const setThreshold = createRoute({
  method: "post",
  path: "/accounts/{account}/low-balance-thresholds",
  summary: "Set an account's own balance.low threshold in a unit: sent when available drops below it",
  description:
    '`below: "0"` turns balance.low off for the account in the unit; `below: null` drops its own threshold, so the deployment\'s default applies again.',
  request: {
    params: AccountParam,
    query: z.strictObject({}),
    body: {
      content: {
        "application/json": {
          schema: z.strictObject({
            unit: z.string().min(1).max(64).optional().openapi({ description: "Default: the deployment's unit" }),
            below: Amount.nullable(),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: jsonContent(Thresholds, "The account's thresholds after the change"),
    ...errorResponses([400, 401, 403, 404, 409, 422]),
  },
});

/** `balance.low` thresholds per account and unit, under `/v1`, for secret keys only. */
export function lowBalanceThresholdRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { webhooks: Webhooks; ledger: Ledger },
): void {
  const { webhooks, ledger } = deps;

  const answer = async (accountId: string) => {
    const thresholds = await webhooks.lowBalanceThresholds(accountId);
    return { accountId, thresholds: thresholds.map((threshold) => thresholdJson(ledger, threshold)) };
  };

  app.openapi(getThresholds, async (c) => {
    requireSecret(callerOf(c));
    const account = await findAccountInScope(ledger, c, c.req.valid("param").account);
    return c.json(await answer(account.accountId), 200);
  });

  app.openapi(setThreshold, async (c) => {
    requireSecret(callerOf(c));
    const body = c.req.valid("json");
    const unit = body.unit ?? ledger.config.defaultUnit;
    const scale = unitScale(ledger, unit);
    const thresholdMinor = body.below === null ? null : belowMinor(body.below, scale);
    const account = await findAccountInScope(ledger, c, c.req.valid("param").account);
    const result = await webhooks.setLowBalanceThreshold({ accountId: account.accountId, unit, thresholdMinor });
    if (result.code === "account_not_found") throw accountNotFound();
    if (result.code === "unit_not_found") throw new Error(`unit ${unit} vanished while setting a threshold`);
    return c.json(await answer(account.accountId), 200);
  });
}

function thresholdJson(ledger: Pick<Ledger, "units">, threshold: LowBalanceThreshold) {
  const scale = unitScale(ledger, threshold.unit);
  const format = (minor: bigint | null) => (minor === null ? null : formatMinor(minor, scale));
  return {
    unit: threshold.unit,
    account: format(threshold.accountMinor),
    default: format(threshold.defaultMinor),
    effective: format(threshold.effectiveMinor),
    off: threshold.effectiveMinor === null || threshold.effectiveMinor === 0n,
  };
}

/** A threshold in the unit's decimals, at most the largest amount, or 400 naming `below`. */
function belowMinor(text: string, scale: number): bigint {
  let message: string;
  try {
    const minor = parseDecimalToMinor(text, scale);
    if (minor <= AMOUNT_MINOR_MAX) return minor;
    message = `at most ${formatMinor(AMOUNT_MINOR_MAX, scale)}`;
  } catch (error) {
    message = (error as Error).message;
  }
  throw new ApiError("invalid_request", `below: ${message}`, { fields: [{ field: "below", message }] });
}
