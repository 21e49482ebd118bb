import { z } from "@hono/zod-openapi";
import { CANONICAL_AMOUNT, formatMinor, validateUsage } from "@tollgate/core";
import { type ModelUsageInput, type UsageOutcome, validateCallFields } from "@tollgate/metering";
import type { Ledger } from "@tollgate/store";
import { parseAccountParam } from "./account-ref.ts";
import { ConversationId, FeatureName, MemberName, Metadata, Model, Provider } from "./call-fields.ts";
import { domainRule } from "./domain-input.ts";
import { Amount } from "./schemas.ts";
import { unitScale } from "./unit-scale.ts";

const Count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Decimal = z
  .string()
  .regex(CANONICAL_AMOUNT, 'a non-negative decimal string, e.g. "1.5" (no leading zeros, "+" or spaces)');

/** One model call's usage as the API takes it, alone (`POST /v1/usage-events`) or in a batch. */
export const UsageBody = z.strictObject({
  account: z.string().min(1).max(300).openapi({ example: "user:alice" }),
  provider: Provider,
  model: Model,
  usage: z
    .strictObject({
      inputTokens: Count.optional(),
      cacheReadTokens: Count.optional(),
      cacheWriteTokens: Count.optional(),
      outputTokens: Count.optional(),
      reasoningTokens: Count.optional(),
      images: Count.optional(),
      audioSeconds: Decimal.optional(),
      requests: Count.optional(),
    })
    // A part larger than its total (cached over input, reasoning over output), as the meter refuses it.
    .superRefine(domainRule([], validateUsage)),
  holdId: z.string().min(1).max(100).optional().openapi({ description: "Settle this hold instead of charging afresh" }),
  providerReportedCostUsd: Decimal.optional().openapi({
    description: "The provider's own cost (OpenRouter's usage.cost)",
  }),
  success: z.boolean().optional(),
  latencyMs: Count.superRefine(domainRule([], (latencyMs: number) => validateCallFields({ latencyMs })))
    .optional()
    .openapi({ description: "How long the call took, at most a day" }),
  conversationId: ConversationId.optional(),
  feature: FeatureName.optional(),
  member: MemberName.optional(),
  plan: z.string().min(1).max(200).optional(),
  metadata: Metadata.optional(),
});

/** What a recorded usage event charged, as the API answers it. */
export const RecordedUsage = z
  .object({
    usageEventId: z.string(),
    transactionId: z.string().nullable(),
    unit: z.string(),
    amount: Amount,
    balance: Amount,
    available: z.string(),
  })
  .openapi("UsageEvent");

/** The Meter's input for one usage body, charged under `idempotencyKey`. */
export function toUsageInput(body: z.infer<typeof UsageBody>, idempotencyKey: string): ModelUsageInput {
  const { account, ...input } = body;
  return { ...input, account: parseAccountParam(account), idempotencyKey };
}

/** A recorded event's outcome in its unit's decimals. */
export function recordedUsageJson(ledger: Pick<Ledger, "units">, outcome: UsageOutcome): z.infer<typeof RecordedUsage> {
  const scale = unitScale(ledger, outcome.unit);
  return {
    usageEventId: outcome.usageEventId,
    transactionId: outcome.transactionId || null,
    unit: outcome.unit,
    amount: formatMinor(outcome.amountMinor, scale),
    balance: formatMinor(outcome.balanceMinor, scale),
    available: formatMinor(outcome.availableMinor, scale),
  };
}
