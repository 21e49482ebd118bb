import {
  type Account,
  type AccountState,
  applyOperation,
  type BatchContext,
  balanceAfter,
  emptyWrites,
  fail,
  type IdGenerator,
  type LedgerConfig,
  type OperationResult,
  type PlanCatalog,
  type ResolvedOperation,
  sweepAccount,
  type Unit,
} from "@tollgate/core";
import {
  keepOpened,
  lockAccounts,
  type NewAccountRef,
  newAccountKey,
  type OpenedAccount,
  openAccountInBatch,
} from "./batch-new-account.ts";
import { decodeJson, encodeJson } from "./codec.ts";
import { type HttpKeyInBatch, HttpKeysInBatch } from "./http-key-in-batch.ts";
import { loadAccountState, loadPriors, type StoredKey } from "./load-batch-state.ts";
import { newIdAt } from "./new-id.ts";
import type { IdempotencyRecord } from "./persist-writes.ts";
import { persistWrites } from "./persist-writes.ts";
import type { DefaultPlans } from "./plans/default-plans.ts";
import { toAccount } from "./rows.ts";
import type { SqlExecutor } from "./sql-client.ts";
import type { UsageEventDraft, UsageEventRow } from "./usage-events.ts";
import { batchEvents, snapshotBatch } from "./webhooks/batch-events.ts";

/**
 * One unit of work in a batch: an operation (with the usage event its charge pays for, if
 * any), a usage event charged nothing (a failed call), or bringing an account up to date.
 */
export type BatchItem =
  | {
      type: "operation";
      resolved: ResolvedOperation;
      requestHash: string;
      usageEvent?: UsageEventDraft;
      /** The account the operation names when it did not exist: opened by the batch if the operation succeeds. */
      newAccount?: NewAccountRef;
      /** The HTTP request's Idempotency-Key, claimed and answered in this transaction. */
      httpKey?: HttpKeyInBatch;
    }
  | {
      type: "usage";
      accountId: string | null;
      memberAccountId: string | null;
      idempotencyKey: string;
      requestHash: string;
      usageEvent: UsageEventDraft;
      newAccount?: NewAccountRef;
      httpKey?: HttpKeyInBatch;
    }
  | { type: "sweep"; accountId: string };

export interface BatchEnvironment {
  config: LedgerConfig;
  units: ReadonlyMap<string, Unit>;
  newId: IdGenerator;
  now: Date;
  /** The deployment's `balance.low` threshold per unit, for accounts without their own. */
  lowBalanceThresholdsDefault?: ReadonlyMap<string, bigint>;
  /** The plan a new account of each type is subscribed to when the batch opens it. */
  defaultPlans?: DefaultPlans;
  /** The deployment's plans, named by a refusal of a plan's access rule (`BatchContext.catalog`). */
  catalog?: PlanCatalog | undefined;
}

/**
 * Runs a batch inside one database transaction: lock every account it touches (in id
 * order, so concurrent batches never deadlock), load their state, apply each item in
 * order with the pure rules, then write all changes in one statement. Results come back
 * in item order; a sweep's result is null.
 */
export async function processBatch(
  tx: SqlExecutor,
  env: BatchEnvironment,
  items: BatchItem[],
): Promise<Array<OperationResult | null>> {
  const accountIds = new Set<string>();
  const holdIds: string[] = [];
  const priorIds: string[] = [];
  const newRefs = new Map<string, NewAccountRef>();
  for (const item of items) {
    if (item.type !== "sweep" && item.newAccount) newRefs.set(newAccountKey(item.newAccount), item.newAccount);
    if (item.type !== "operation") {
      if (item.accountId !== null) accountIds.add(item.accountId);
      continue;
    }
    const { op, accountId } = item.resolved;
    if (accountId !== null) accountIds.add(accountId);
    if (op.kind === "settle" || op.kind === "release") holdIds.push(op.holdId);
    if (op.kind === "refund" || op.kind === "reverse" || op.kind === "claw_back") priorIds.push(op.transactionId);
  }
  const ids = [...accountIds].sort();
  const ctx: BatchContext = {
    now: env.now,
    newId: env.newId,
    config: env.config,
    units: env.units,
    accounts: new Map(),
    priorTransactions: new Map(),
    writes: emptyWrites(),
    ...(env.catalog ? { catalog: env.catalog } : {}),
  };

  const accountRows = await lockAccounts(tx, ids, [...newRefs.values()]);
  // Accounts named by the app's id that another batch created since the item was resolved.
  const createdIds = new Map<string, string>();
  for (const row of accountRows) {
    const ref = { type: row.type, externalId: row.external_id } as NewAccountRef;
    if (newRefs.has(newAccountKey(ref))) createdIds.set(newAccountKey(ref), row.account_id);
    ctx.accounts.set(row.account_id, {
      account: toAccount(row),
      balances: new Map(),
      lots: new Map(),
      holds: new Map(),
      members: new Map(),
    });
  }
  const priorLotIds = priorIds.length > 0 ? await loadPriors(tx, ctx, priorIds) : [];
  // An item naming an account by the app's id that exists by now (another instance created it
  // since the item was resolved) looks its key up on that account: it may be a replay.
  const accountOf = (item: Extract<BatchItem, { type: "operation" | "usage" }>) =>
    (item.type === "operation" ? item.resolved.accountId : item.accountId) ??
    (item.newAccount ? (createdIds.get(newAccountKey(item.newAccount)) ?? null) : null);
  const keyed = items.flatMap((item): Array<{ accountId: string | null; idempotencyKey: string }> => {
    if (item.type === "operation")
      return [{ accountId: accountOf(item), idempotencyKey: item.resolved.op.idempotencyKey }];
    return item.type === "usage" ? [{ accountId: accountOf(item), idempotencyKey: item.idempotencyKey }] : [];
  });
  const lowBalanceThresholds = new Map<string, bigint>();
  const storedKeys = await loadAccountState(tx, ctx, { keyed, holdIds, priorLotIds, lowBalanceThresholds });
  const httpKeys = await HttpKeysInBatch.claim(
    tx,
    items.flatMap((item) => (item.type !== "sweep" && item.httpKey ? [item.httpKey] : [])),
  );
  const before = snapshotBatch(ctx);

  const results: Array<OperationResult | null> = [];
  const newKeys = new Map<string, StoredKey>();
  const idempotency: IdempotencyRecord[] = [];
  const usageEvents: UsageEventRow[] = [];
  const newAccounts: Account[] = [];
  for (const item of items) {
    if (item.type === "sweep") {
      const state = ctx.accounts.get(item.accountId);
      if (state) sweepAccount(ctx, state);
      results.push(null);
      continue;
    }
    const { httpKey } = item;
    if (httpKey && httpKeys.answered(httpKey)) {
      results.push(ANSWERED_BY_HTTP_KEY);
      continue;
    }
    const answer = (result: OperationResult) => {
      if (httpKey) httpKeys.record(httpKey, result);
      results.push(result);
    };
    let accountId = item.type === "operation" ? item.resolved.accountId : item.accountId;
    let opened: OpenedAccount | null = null;
    if (accountId === null && item.newAccount) {
      const refKey = newAccountKey(item.newAccount);
      accountId = createdIds.get(refKey) ?? null;
      if (accountId === null) {
        opened = openAccountInBatch(ctx, item.newAccount, {
          defaultPlans: env.defaultPlans,
          subscribing: item.type === "operation" && item.resolved.op.kind === "subscribe",
        });
        accountId = opened.account.accountId;
        createdIds.set(refKey, accountId);
      }
    }
    const known = accountId !== null && ctx.accounts.has(accountId) ? accountId : null;
    const idempotencyKey = item.type === "operation" ? item.resolved.op.idempotencyKey : item.idempotencyKey;
    const key = `${known}\u0000${idempotencyKey}`;
    const earlier = newKeys.get(key) ?? storedKeys.get(key);
    if (known !== null && earlier) {
      answer(
        earlier.requestHash === item.requestHash
          ? { ...decodeJson<Extract<OperationResult, { ok: true }>>(earlier.resultJson), replayed: true }
          : fail("idempotency_conflict", { message: "this idempotency key was used with a different request" }),
      );
      continue;
    }
    const result =
      item.type === "operation"
        ? applyOperation(ctx, { ...item.resolved, accountId: known })
        : recordUncharged(ctx, known, item.usageEvent.unit);
    if (opened) {
      // The account exists only if what named it succeeded: a refusal stores nothing.
      if (result.ok) keepOpened(opened, { newAccounts, idempotency, newKeys, before });
      else {
        opened.undo();
        if (item.newAccount) createdIds.delete(newAccountKey(item.newAccount));
      }
    }
    if (result.ok && known !== null) {
      if (item.usageEvent) {
        const event = usageEventRow(env, {
          accountId: known,
          idempotencyKey,
          item,
          result,
          state: ctx.accounts.get(known),
        });
        usageEvents.push(event);
        Object.assign(result.value, { usageEventId: event.usageEventId });
      }
      const resultJson = encodeJson(result);
      newKeys.set(key, { requestHash: item.requestHash, resultJson });
      idempotency.push({
        accountId: known,
        idempotencyKey,
        requestHash: item.requestHash,
        resultJson,
        createdAt: env.now,
      });
    }
    answer(result);
  }
  const webhookEvents = batchEvents(ctx, before, {
    account: lowBalanceThresholds,
    deploymentDefaults: env.lowBalanceThresholdsDefault ?? NO_THRESHOLDS,
  });
  await persistWrites(tx, {
    accounts: newAccounts,
    writes: ctx.writes,
    idempotency,
    usageEvents,
    webhookEvents,
    httpKeys,
    now: env.now,
  });
  return results;
}

/** The result of an item its HTTP key answered instead (`HttpKeyInBatch.outcome`): it did not run. */
const ANSWERED_BY_HTTP_KEY = fail("idempotency_conflict", {
  message: "the request's Idempotency-Key already stands for a request; see its HTTP outcome",
});

const NO_THRESHOLDS: ReadonlyMap<string, bigint> = new Map();

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

/** The stored usage event of an item that succeeded: charged what its transaction drew. */
function usageEventRow(
  env: BatchEnvironment,
  input: {
    accountId: string;
    idempotencyKey: string;
    item: Extract<BatchItem, { type: "operation" | "usage" }>;
    result: Extract<OperationResult, { ok: true }>;
    state: AccountState | undefined;
  },
): UsageEventRow {
  const { item, result } = input;
  const draft = item.usageEvent as UsageEventDraft;
  const value = result.value as { transactionId?: string | null; amountMinor?: bigint };
  const transactionId = value.transactionId || null;
  return {
    ...draft,
    accountId: input.accountId,
    usageEventId: newIdAt("usageEvent", env.now),
    idempotencyKey: input.idempotencyKey,
    transactionId,
    memberAccountId: memberOf(item, input.state),
    chargedMinor: transactionId === null ? 0n : (value.amountMinor ?? 0n),
    createdAt: env.now,
  };
}

/** Who made the call: the member named with it, or for a settlement, the member its hold was placed for. */
function memberOf(item: Extract<BatchItem, { type: "operation" | "usage" }>, state: AccountState | undefined) {
  if (item.type === "usage") return item.memberAccountId;
  const { op } = item.resolved;
  if (op.kind === "settle" || op.kind === "release") return state?.holds.get(op.holdId)?.memberAccountId ?? null;
  return item.resolved.memberAccountId;
}
