import type { AccountState, OperationResult } from "@tollgate/core";
import { newIdAt } from "./new-id.ts";
import type { BatchItem } from "./process-batch.ts";
import type { UsageEventDraft, UsageEventRow } from "./usage-events.ts";

/** An item that names an account: an operation, or a usage event charged nothing. */
export type AccountItem = Extract<BatchItem, { type: "operation" | "usage" }>;

/**
 * The stored usage event of an item that succeeded: charged what its transaction drew, and
 * made by the member named with it (or, for a settlement, the member its hold was placed for).
 */
export function usageEventRow(input: {
  accountId: string;
  idempotencyKey: string;
  item: AccountItem;
  result: Extract<OperationResult, { ok: true }>;
  state: AccountState | undefined;
  now: Date;
}): UsageEventRow {
  const { item, result } = input;
  const draft = item.usageEvent as UsageEventDraft;
  const value = result.value as { transactionId?: string | null; amountMinor?: bigint };
  const transactionId = value.transactionId || null;
  return {
    ...draft,
    accountId: input.accountId,
    usageEventId: newIdAt("usageEvent", input.now),
    idempotencyKey: input.idempotencyKey,
    transactionId,
    memberAccountId: memberOf(item, input.state),
    chargedMinor: transactionId === null ? 0n : (value.amountMinor ?? 0n),
    createdAt: input.now,
  };
}

/** Who made the call: the member named with it, or for a settlement, the member its hold was placed for. */
function memberOf(item: AccountItem, state: AccountState | undefined): string | null {
  if (item.type === "usage") return item.memberAccountId;
  const { op } = item.resolved;
  if (op.kind === "settle" || op.kind === "release") return state?.holds.get(op.holdId)?.memberAccountId ?? null;
  return item.resolved.memberAccountId;
}
