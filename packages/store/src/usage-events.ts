import type { Usage } from "@tollgate/core";

/**
 * A usage event as the metering layer hands it to the ledger: everything but what the
 * batch decides (its id, the transaction that charged it, what was charged, the time).
 * It is written in the same database transaction as its charge, or alone when the call
 * is not charged, under the operation's idempotency key.
 */
export interface UsageEventDraft {
  /** The unit the call is charged in (the charge's unit; recorded even when nothing is). */
  unit: string;
  /** The organization member who made the call, by user external id. */
  member?: string | null;
  feature?: string | null;
  provider?: string | null;
  model?: string | null;
  conversationId?: string | null;
  success: boolean;
  latencyMs?: number | null;
  usage: Usage;
  /** Exact USD, decimal strings. */
  providerCostUsd: string;
  providerReportedCostUsd?: string | null;
  costSource: "catalog" | "override" | "fallback" | "provider_reported" | "feature";
  /** The charge converted back to USD at the snapshot's rate (null for feature units). */
  chargedUsd?: string | null;
  /** The prices and rules the charge was computed with, kept so it can always be explained. */
  priceSnapshot: Record<string, unknown>;
  metadata?: Record<string, unknown> | null;
}

/** A usage event as stored. */
export interface UsageEventRow extends UsageEventDraft {
  accountId: string;
  usageEventId: string;
  idempotencyKey: string;
  transactionId: string | null;
  memberAccountId: string | null;
  chargedMinor: bigint;
  createdAt: Date;
}

/** Columns of `usage_events` with their SQL types, and each row's values in that order. */
export const USAGE_EVENT_COLUMNS = [
  ["account_id", "text"],
  ["usage_event_id", "text"],
  ["idempotency_key", "text"],
  ["transaction_id", "text"],
  ["member_account_id", "text"],
  ["feature", "text"],
  ["provider", "text"],
  ["model", "text"],
  ["conversation_id", "text"],
  ["success", "boolean"],
  ["latency_ms", "integer"],
  ["input_tokens", "bigint"],
  ["cache_read_tokens", "bigint"],
  ["cache_write_tokens", "bigint"],
  ["output_tokens", "bigint"],
  ["reasoning_tokens", "bigint"],
  ["images", "bigint"],
  ["audio_seconds", "numeric"],
  ["requests", "bigint"],
  ["provider_cost_usd", "numeric"],
  ["provider_reported_cost_usd", "numeric"],
  ["cost_source", "text"],
  ["unit", "text"],
  ["charged_minor", "bigint"],
  ["charged_usd", "numeric"],
  ["price_snapshot", "jsonb"],
  ["metadata", "jsonb"],
  ["created_at", "timestamptz"],
] as const;

export function usageEventValues(row: UsageEventRow): unknown[] {
  const { usage } = row;
  const count = (value: number | undefined) => String(value ?? 0);
  return [
    row.accountId,
    row.usageEventId,
    row.idempotencyKey,
    row.transactionId,
    row.memberAccountId,
    row.feature ?? null,
    row.provider ?? null,
    row.model ?? null,
    row.conversationId ?? null,
    row.success,
    row.latencyMs ?? null,
    count(usage.inputTokens),
    count(usage.cacheReadTokens),
    count(usage.cacheWriteTokens),
    count(usage.outputTokens),
    count(usage.reasoningTokens),
    count(usage.images),
    usage.audioSeconds ?? "0",
    count(usage.requests),
    row.providerCostUsd,
    row.providerReportedCostUsd ?? null,
    row.costSource,
    row.unit,
    row.chargedMinor.toString(),
    row.chargedUsd ?? null,
    JSON.stringify(row.priceSnapshot),
    row.metadata ? JSON.stringify(row.metadata) : null,
    row.createdAt.toISOString(),
  ];
}
