import { type NewAccountRef, newAccountKey } from "./batch-new-account.ts";
import type { BatchReferences } from "./load-batch-state.ts";
import type { BatchItem } from "./process-batch.ts";

/**
 * Everything a batch's items name, before anything is read: the accounts (by id, sorted for the
 * lock; by the app's id when they did not exist), the holds settled or released, the
 * transactions refunded or reversed, and each item's idempotency key with its account.
 */
export function batchReferences(items: readonly BatchItem[]): BatchReferences {
  const accountIds = new Set<string>();
  const newAccounts = new Map<string, NewAccountRef>();
  const references: BatchReferences = { accountIds: [], newAccounts: [], keyed: [], holdIds: [], priorIds: [] };
  for (const item of items) {
    if (item.type === "sweep") {
      accountIds.add(item.accountId);
      continue;
    }
    if (item.newAccount) newAccounts.set(newAccountKey(item.newAccount), item.newAccount);
    const accountId = item.type === "operation" ? item.resolved.accountId : item.accountId;
    if (accountId !== null) accountIds.add(accountId);
    const idempotencyKey = item.type === "operation" ? item.resolved.op.idempotencyKey : item.idempotencyKey;
    references.keyed.push({
      accountId,
      newAccount: accountId === null ? (item.newAccount ?? null) : null,
      idempotencyKey,
    });
    if (item.type !== "operation") continue;
    const { op } = item.resolved;
    if (op.kind === "settle" || op.kind === "release") references.holdIds.push(op.holdId);
    if (op.kind === "refund" || op.kind === "reverse" || op.kind === "claw_back")
      references.priorIds.push(op.transactionId);
  }
  references.accountIds = [...accountIds].sort();
  references.newAccounts = [...newAccounts.values()];
  return references;
}
