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
  /**
   * The prices and rules the charge was computed with, kept so it can always be explained;
   * stored once per distinct snapshot (`price_snapshots`), named by `id`.
   */
  priceSnapshot: PriceSnapshot;
  metadata?: Record<string, unknown> | null;
}

/** A snapshot and its id: the SHA-256 of its canonical JSON (see `snapshotId`). */
export interface PriceSnapshot {
  id: string;
  snapshot: Record<string, unknown>;
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

/**
 * Columns of `usage_events` with their SQL types, and each row's values in that order. The
 * rows travel as one JSON array (`jsonb_to_recordset`): one `JSON.stringify` instead of
 * escaping 28 array literals, the larger part of what a usage event cost the process.
 */
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
  ["price_snapshot_id", "text"],
  ["metadata", "jsonb"],
  ["created_at", "timestamptz"],
] as const;

/** A usage event as one object of the JSON rows, keyed by column. */
export function usageEventJson(row: UsageEventRow): Record<(typeof USAGE_EVENT_COLUMNS)[number][0], unknown> {
  const { usage } = row;
  return {
    account_id: row.accountId,
    usage_event_id: row.usageEventId,
    idempotency_key: row.idempotencyKey,
    transaction_id: row.transactionId,
    member_account_id: row.memberAccountId,
    feature: row.feature ?? null,
    provider: row.provider ?? null,
    model: row.model ?? null,
    conversation_id: row.conversationId ?? null,
    success: row.success,
    latency_ms: row.latencyMs ?? null,
    input_tokens: usage.inputTokens ?? 0,
    cache_read_tokens: usage.cacheReadTokens ?? 0,
    cache_write_tokens: usage.cacheWriteTokens ?? 0,
    output_tokens: usage.outputTokens ?? 0,
    reasoning_tokens: usage.reasoningTokens ?? 0,
    images: usage.images ?? 0,
    audio_seconds: usage.audioSeconds ?? "0",
    requests: usage.requests ?? 0,
    provider_cost_usd: row.providerCostUsd,
    provider_reported_cost_usd: row.providerReportedCostUsd ?? null,
    cost_source: row.costSource,
    unit: row.unit,
    charged_minor: row.chargedMinor.toString(),
    charged_usd: row.chargedUsd ?? null,
    price_snapshot_id: row.priceSnapshot.id,
    metadata: row.metadata ?? null,
    created_at: row.createdAt.toISOString(),
  };
}
