import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor } from "@tollgate/core";
import type { Ledger } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { ledgerAnswer } from "../idempotency/ledger-answer.ts";
import { accountIdInScope } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { FeatureName, PlanModelName } from "./call-fields.ts";
import { idempotencyKeyOf } from "./idempotency-key.ts";
import { ledgerFailure } from "./ledger-failure.ts";
import { AccountParam, Amount, errorResponses, jsonContent, Reason } from "./schemas.ts";
import { parseAmountField, unitScale } from "./unit-scale.ts";

const Deduction = z
  .object({
    transactionId: z.string(),
    accountId: z.string(),
    unit: z.string(),
    amount: Amount,
    reason: z.string(),
    balance: Amount,
    available: z.string(),
  })
  .openapi("Deduction");

const createDeduction = createRoute({
  method: "post",
  path: "/accounts/{account}/deductions",
  summary: "Take credits from an account as an admin act, with a reason kept in its history",
  description:
    "Draws from the account's lots in spend order, bounded by what is available (no overdraft), to the adjustment account. The account must exist: a deduction never creates one. `402 insufficient_credits` names the unit, what was asked and what is available.",
  request: {
    params: AccountParam,
    query: z.strictObject({}),
    body: {
      content: {
        "application/json": {
          schema: z.strictObject({
            amount: Amount,
            unit: z.string().min(1).max(64).optional(),
            reason: Reason,
            model: PlanModelName.optional().openapi({ description: "The model it pays for; the plan must allow it" }),
            feature: FeatureName.optional().openapi({
              description: "The feature it pays for; the plan must include it",
            }),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: jsonContent(Deduction, "The deduction and the balance after it"),
    ...errorResponses([400, 401, 402, 403, 404, 409, 422]),
  },
});

/** Admin deductions (`tollgate deduct`'s equal), under `/v1`, for secret keys only. */
export function deductionRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger }): void {
  const { ledger } = deps;

  app.openapi(createDeduction, async (c) => {
    requireSecret(callerOf(c));
    const input = c.req.valid("json");
    const unit = input.unit ?? ledger.config.defaultUnit;
    const scale = unitScale(ledger, unit);
    const amountMinor = parseAmountField(input.amount, scale);
    if (amountMinor === 0n) {
      throw new ApiError("invalid_request", "amount: a deduction takes more than 0", {
        fields: [{ field: "amount", message: "must be more than 0" }],
      });
    }
    // Found first, by id: a deduction from an account that does not exist is a 404, never a new account.
    const accountId = await accountIdInScope(ledger, c, c.req.valid("param").account);
    const format = (minor: bigint) => formatMinor(minor, scale);
    return ledgerAnswer(c, {
      run: (options) =>
        ledger.deduct(
          {
            account: { accountId },
            unit,
            amountMinor,
            reason: input.reason,
            ...(input.model === undefined ? {} : { model: input.model }),
            ...(input.feature === undefined ? {} : { feature: input.feature }),
            idempotencyKey: idempotencyKeyOf(c),
          },
          options,
        ),
      render: (result) => {
        if (!result.ok) throw ledgerFailure(result, { ledger, unit });
        const deducted = result.value;
        return {
          transactionId: deducted.transactionId,
          accountId: deducted.accountId,
          unit,
          amount: format(deducted.amountMinor),
          reason: input.reason,
          balance: format(deducted.balanceMinor),
          available: format(deducted.availableMinor),
        };
      },
    });
  });
}
