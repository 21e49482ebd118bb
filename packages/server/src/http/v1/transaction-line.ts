import { z } from "@hono/zod-openapi";
import { formatMinor, GRANT_SOURCES, TRANSACTION_KINDS } from "@tollgate/core";
import type { HistoryLine, Ledger } from "@tollgate/store";
import { unitScale } from "./unit-scale.ts";

/** One line of `GET /v1/accounts/{account}/transactions`: an entry, and what it was for. */
export const TransactionLine = z
  .object({
    entryId: z.string().openapi({ description: "Also the cursor: lines come in descending entryId" }),
    transactionId: z.string(),
    kind: z.enum(TRANSACTION_KINDS as unknown as [string, ...string[]]),
    unit: z.string(),
    amount: z.string().openapi({ description: "Signed: a grant is positive, a charge negative", example: "-3" }),
    balanceBefore: z.string(),
    balanceAfter: z.string(),
    reason: z.string().nullable().openapi({
      description: "Why: an admin grant's, a deduction's, a refund's or reversal's, a charge's when given",
    }),
    lotId: z.string().nullable(),
    source: z
      .enum(GRANT_SOURCES as unknown as [string, ...string[]])
      .nullable()
      .openapi({ description: "Where the lot this entry moved came from (a grant: the lot it made)" }),
    expiresAt: z.string().nullable().openapi({ description: "When that lot expires; null: never" }),
    usageEventId: z
      .string()
      .nullable()
      .openapi({ description: "For a charge or settlement: the usage event it paid for" }),
    feature: z.string().nullable().openapi({ description: "That usage event's feature" }),
    provider: z.string().nullable().openapi({ description: "That usage event's provider, for a model call" }),
    model: z.string().nullable(),
    member: z.string().nullable().openapi({ description: "The organization's member who drew (a user's external id)" }),
    holdId: z.string().nullable(),
    reversesTransactionId: z.string().nullable(),
    idempotencyKey: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("TransactionLine");

export function transactionLineJson(ledger: Pick<Ledger, "units">, line: HistoryLine): z.infer<typeof TransactionLine> {
  const scale = unitScale(ledger, line.unit);
  return {
    entryId: line.entryId,
    transactionId: line.transactionId,
    kind: line.kind,
    unit: line.unit,
    amount: formatMinor(line.amountMinor, scale),
    balanceBefore: formatMinor(line.balanceBeforeMinor, scale),
    balanceAfter: formatMinor(line.balanceAfterMinor, scale),
    reason: line.reason,
    lotId: line.lotId,
    source: line.lotSource,
    expiresAt: line.lotExpiresAt?.toISOString() ?? null,
    usageEventId: line.usageEventId,
    feature: line.feature,
    provider: line.provider,
    model: line.model,
    member: line.member,
    holdId: line.holdId,
    reversesTransactionId: line.reversesTransactionId,
    idempotencyKey: line.idempotencyKey,
    createdAt: line.createdAt.toISOString(),
  };
}
