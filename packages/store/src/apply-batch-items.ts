import {
  type Account,
  applyOperation,
  type BatchContext,
  balanceAfter,
  fail,
  type OperationResult,
  replayOrConflict,
  sweepAccount,
} from "@tollgate/core";
import { keepOpened, newAccountKey, type OpenedAccount, openAccountInBatch } from "./batch-new-account.ts";
import { type AccountItem, usageEventRow } from "./batch-usage-event.ts";
import { decodeJson, encodeJson } from "./codec.ts";
import type { HttpKeysInBatch } from "./http-key-in-batch.ts";
import type { LoadedBatch } from "./load-batch-state.ts";
import type { IdempotencyRecord } from "./persist-writes.ts";
import type { BatchEnvironment, BatchItem } from "./process-batch.ts";
import { type StoredKey, storedKeyId } from "./stored-keys.ts";
import type { UsageEventRow } from "./usage-events.ts";
import type { BatchSnapshot } from "./webhooks/batch-events.ts";

/** What applying a batch's items produced: a result per item, and the rows to write besides the rules' own. */
export interface AppliedBatch {
  /** In item order; a sweep's is null. */
  results: Array<OperationResult | null>;
  newAccounts: Account[];
  idempotency: IdempotencyRecord[];
  usageEvents: UsageEventRow[];
}

/**
 * Applies each item in order, with the pure rules, to the state the batch loaded: a key used
 * before is replayed or refused (the core decides which), an account named by the app's id is
 * opened if it does not exist, and a success stores its key and its usage event.
 */
export function applyBatchItems(
  ctx: BatchContext,
  env: BatchEnvironment,
  items: readonly BatchItem[],
  state: { loaded: LoadedBatch; before: BatchSnapshot; httpKeys: HttpKeysInBatch },
): AppliedBatch {
  const applied: AppliedBatch = { results: [], newAccounts: [], idempotency: [], usageEvents: [] };
  const newKeys = new Map<string, StoredKey>();
  for (const item of items) {
    if (item.type === "sweep") {
      const account = ctx.accounts.get(item.accountId);
      if (account) sweepAccount(ctx, account);
      applied.results.push(null);
      continue;
    }
    const { httpKey } = item;
    // The request's HTTP key already stands for a request (its outcome set): the item does not run.
    if (httpKey && state.httpKeys.answered(httpKey)) {
      applied.results.push(ANSWERED_BY_HTTP_KEY);
      continue;
    }
    const result = applyItem(ctx, env, item, { ...state, applied, newKeys });
    if (httpKey) state.httpKeys.record(httpKey, result);
    applied.results.push(result);
  }
  return applied;
}

/** The result of an item its HTTP key answered instead (`HttpKeyInBatch.outcome`): it did not run. */
const ANSWERED_BY_HTTP_KEY = fail("idempotency_conflict", {
  message: "the request's Idempotency-Key already stands for a request; see its HTTP outcome",
});

function applyItem(
  ctx: BatchContext,
  env: BatchEnvironment,
  item: AccountItem,
  batch: { loaded: LoadedBatch; before: BatchSnapshot; applied: AppliedBatch; newKeys: Map<string, StoredKey> },
): OperationResult {
  const { createdIds, storedKeys } = batch.loaded;
  const { accountId, opened } = itemAccount(ctx, env, item, createdIds);
  const known = accountId !== null && ctx.accounts.has(accountId) ? accountId : null;
  const idempotencyKey = item.type === "operation" ? item.resolved.op.idempotencyKey : item.idempotencyKey;
  const keyId = known === null ? null : storedKeyId(known, idempotencyKey);
  const earlier = keyId === null ? undefined : (batch.newKeys.get(keyId) ?? storedKeys.get(keyId));
  if (earlier) {
    return replayOrConflict(
      {
        requestHash: earlier.requestHash,
        result: () => decodeJson<Extract<OperationResult, { ok: true }>>(earlier.resultJson),
      },
      item.requestHash,
    ) as OperationResult;
  }
  const result =
    item.type === "operation"
      ? applyOperation(ctx, { ...item.resolved, accountId: known })
      : recordUncharged(ctx, known, item.usageEvent.unit);
  if (opened) {
    // The account exists only if what named it succeeded: a refusal stores nothing.
    if (result.ok) {
      const { newAccounts, idempotency } = batch.applied;
      keepOpened(opened, { newAccounts, idempotency, newKeys: batch.newKeys, before: batch.before });
    } else {
      opened.undo();
      if (item.newAccount) createdIds.delete(newAccountKey(item.newAccount));
    }
  }
  if (!result.ok || known === null || keyId === null) return result;
  if (item.usageEvent) {
    const event = usageEventRow({
      accountId: known,
      idempotencyKey,
      item,
      result,
      state: ctx.accounts.get(known),
      now: env.now,
    });
    batch.applied.usageEvents.push(event);
    Object.assign(result.value, { usageEventId: event.usageEventId });
  }
  const resultJson = encodeJson(result);
  batch.newKeys.set(keyId, { requestHash: item.requestHash, resultJson });
  batch.applied.idempotency.push({
    accountId: known,
    idempotencyKey,
    requestHash: item.requestHash,
    resultJson,
    createdAt: env.now,
  });
  return result;
}

/**
 * The account an item applies to: the one it names by id; else, for one named by the app's id,
 * the one that exists by now (created by another batch, or by an earlier item of this one), or
 * one this batch opens for it.
 */
function itemAccount(
  ctx: BatchContext,
  env: BatchEnvironment,
  item: AccountItem,
  createdIds: Map<string, string>,
): { accountId: string | null; opened: OpenedAccount | null } {
  const accountId = item.type === "operation" ? item.resolved.accountId : item.accountId;
  if (accountId !== null || !item.newAccount) return { accountId, opened: null };
  const refKey = newAccountKey(item.newAccount);
  const created = createdIds.get(refKey);
  if (created !== undefined) return { accountId: created, opened: null };
  const opened = openAccountInBatch(ctx, item.newAccount, {
    defaultPlans: env.defaultPlans,
    subscribing: item.type === "operation" && item.resolved.op.kind === "subscribe",
  });
  createdIds.set(refKey, opened.account.accountId);
  return { accountId: opened.account.accountId, opened };
}

/** A usage event charged nothing: the account must exist; its balance is reported as is. */
function recordUncharged(ctx: BatchContext, accountId: string | null, unit: string): OperationResult {
  const state = accountId === null ? undefined : ctx.accounts.get(accountId);
  if (!state) return fail("account_not_found");
  if (!ctx.units.has(unit)) return fail("unit_not_found");
  sweepAccount(ctx, state);
  return {
    ok: true,
    value: { ...balanceAfter(state, unit), transactionId: null, amountMinor: 0n } as never,
    replayed: false,
  };
}
