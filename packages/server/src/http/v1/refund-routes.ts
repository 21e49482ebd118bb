import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor, type TransactionOutcome } from "@tollgate/core";
import type { Ledger } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { ledgerAnswer } from "../idempotency/ledger-answer.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { idempotencyKeyOf } from "./idempotency-key.ts";
import { ledgerFailure } from "./ledger-failure.ts";
import { Amount, errorResponses, jsonContent, Reason } from "./schemas.ts";
import { parseAmountField, unitScale } from "./unit-scale.ts";

const TransactionParam = z.object({
  transaction: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: "transaction", in: "path" }, example: "txn_019a…" }),
});

const Undo = z
  .object({
    transactionId: z.string().openapi({ description: "The new transaction: the refund or the reversal" }),
    kind: z.enum(["refund", "reversal"]),
    reversesTransactionId: z.string().openapi({ description: "The transaction it undoes" }),
    accountId: z.string(),
    unit: z.string(),
    amount: Amount.openapi({ description: "What came back to (or, for a grant, was taken from) the account" }),
    reason: z.string().nullable(),
    balance: Amount,
    available: z.string(),
  })
  .openapi("Undo");

const body = <T>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

const refund = createRoute({
  method: "post",
  path: "/transactions/{transaction}/refund",
  summary: "Refund part or all of a charge or settlement, to the lots it was drawn from",
  description:
    "Without `amount`, what is left unrefunded. Several refunds of one charge may add up to it, never beyond (`400`, `details.reason: refund_exceeds_charge`). Credits returned to a lot that has expired meanwhile expire again at once; debt the charge created is forgiven. A grant or a deduction is not refunded but reversed.",
  request: {
    params: TransactionParam,
    query: z.strictObject({}),
    ...body(
      z.strictObject({
        amount: Amount.optional().openapi({ description: "In the transaction's unit; default: all that is left" }),
        reason: Reason.optional(),
      }),
    ),
  },
  responses: {
    200: jsonContent(Undo, "The refund and the balance after it"),
    ...errorResponses([400, 401, 403, 404, 409, 422]),
  },
});

const reverse = createRoute({
  method: "post",
  path: "/transactions/{transaction}/reverse",
  summary: "Undo a whole grant, charge, settlement or deduction once, with a reason",
  description:
    "A charge, settlement or deduction returns what refunds have not. A grant takes its lot back, which must still be unspent and unheld (`402 insufficient_credits` otherwise). A second reversal is refused (`transaction_already_reversed`).",
  request: { params: TransactionParam, query: z.strictObject({}), ...body(z.strictObject({ reason: Reason })) },
  responses: {
    200: jsonContent(Undo, "The reversal and the balance after it"),
    ...errorResponses([400, 401, 402, 403, 404, 409, 422]),
  },
});

/** Refunds and reversals of a transaction, under `/v1` (secret keys only). */
export function refundRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger }): void {
  const { ledger } = deps;

  /** The transaction a path names, or 404: its unit is what an amount is read in. */
  const transactionOf = async (c: Parameters<typeof callerOf>[0], transactionId: string) => {
    requireSecret(callerOf(c));
    const found = await ledger.findTransaction(transactionId);
    if (!found) {
      throw new ApiError("not_found", `No transaction ${transactionId}.`, { reason: "transaction_not_found" });
    }
    return found;
  };

  const answer = (
    kind: "refund" | "reversal",
    prior: { transactionId: string; unit: string },
    outcome: TransactionOutcome,
    reason: string | null,
  ) => {
    const format = (minor: bigint) => formatMinor(minor, unitScale(ledger, prior.unit));
    return {
      transactionId: outcome.transactionId,
      kind,
      reversesTransactionId: prior.transactionId,
      accountId: outcome.accountId,
      unit: outcome.unit,
      amount: format(outcome.amountMinor),
      reason,
      balance: format(outcome.balanceMinor),
      available: format(outcome.availableMinor),
    };
  };

  app.openapi(refund, async (c) => {
    const prior = await transactionOf(c, c.req.valid("param").transaction);
    const input = c.req.valid("json");
    const scale = unitScale(ledger, prior.unit);
    const amountMinor = input.amount === undefined ? undefined : parseAmountField(input.amount, scale);
    if (amountMinor === 0n) {
      throw new ApiError("invalid_request", "amount: a refund returns more than 0 (leave it out to refund all)", {
        fields: [{ field: "amount", message: "must be more than 0" }],
      });
    }
    return ledgerAnswer(c, {
      run: (options) =>
        ledger.refund(
          {
            transactionId: prior.transactionId,
            ...(amountMinor === undefined ? {} : { amountMinor }),
            ...(input.reason === undefined ? {} : { reason: input.reason }),
            idempotencyKey: idempotencyKeyOf(c),
          },
          options,
        ),
      render: (result) => {
        if (!result.ok) throw ledgerFailure(result, { ledger, unit: prior.unit });
        return answer("refund", prior, result.value, input.reason ?? null);
      },
    });
  });

  app.openapi(reverse, async (c) => {
    const prior = await transactionOf(c, c.req.valid("param").transaction);
    const { reason } = c.req.valid("json");
    return ledgerAnswer(c, {
      run: (options) =>
        ledger.reverse(
          {
            transactionId: prior.transactionId,
            reason,
            idempotencyKey: idempotencyKeyOf(c),
          },
          options,
        ),
      render: (result) => {
        if (!result.ok) throw ledgerFailure(result, { ledger, unit: prior.unit });
        return answer("reversal", prior, result.value, reason);
      },
    });
  });
}
