import {
  applyOperation,
  type BatchContext,
  emptyWrites,
  fail,
  type IdGenerator,
  type LedgerConfig,
  type OperationResult,
  type ResolvedOperation,
  sweepAccount,
  type Unit,
} from "@tollgate/core";
import { decodeJson, encodeJson } from "./codec.ts";
import { loadAccountState, loadPriors, type StoredKey } from "./load-batch-state.ts";
import type { IdempotencyRecord } from "./persist-writes.ts";
import { persistWrites } from "./persist-writes.ts";
import { type AccountDbRow, toAccount } from "./rows.ts";
import type { SqlExecutor } from "./sql-client.ts";

/** One unit of work in a batch: an operation, or bringing an account up to date (expiry). */
export type BatchItem =
  | { type: "operation"; resolved: ResolvedOperation; requestHash: string }
  | { type: "sweep"; accountId: string };

export interface BatchEnvironment {
  config: LedgerConfig;
  units: ReadonlyMap<string, Unit>;
  newId: IdGenerator;
  now: Date;
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
  for (const item of items) {
    if (item.type === "sweep") {
      accountIds.add(item.accountId);
      continue;
    }
    const { op, accountId } = item.resolved;
    if (accountId !== null) accountIds.add(accountId);
    if (op.kind === "settle" || op.kind === "release") holdIds.push(op.holdId);
    if (op.kind === "refund" || op.kind === "reverse") priorIds.push(op.transactionId);
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
  };

  const accountRows = await tx.query<AccountDbRow>(
    `select account_id, type, external_id, overdraft_limit_minor, created_at from accounts
     where account_id = any($1::text[]) and type <> 'system' order by account_id for no key update`,
    [ids],
  );
  for (const row of accountRows) {
    ctx.accounts.set(row.account_id, {
      account: toAccount(row),
      balances: new Map(),
      lots: new Map(),
      holds: new Map(),
      members: new Map(),
    });
  }
  const priorLotIds = priorIds.length > 0 ? await loadPriors(tx, ctx, priorIds) : [];
  const operations = items.flatMap((item) => (item.type === "operation" ? [item.resolved] : []));
  const storedKeys = await loadAccountState(tx, ctx, { operations, holdIds, priorLotIds });

  const results: Array<OperationResult | null> = [];
  const newKeys = new Map<string, StoredKey>();
  const idempotency: IdempotencyRecord[] = [];
  for (const item of items) {
    if (item.type === "sweep") {
      const state = ctx.accounts.get(item.accountId);
      if (state) sweepAccount(ctx, state);
      results.push(null);
      continue;
    }
    const resolved = ctx.accounts.has(item.resolved.accountId ?? "")
      ? item.resolved
      : { ...item.resolved, accountId: null };
    const key = `${resolved.accountId}\u0000${resolved.op.idempotencyKey}`;
    const earlier = newKeys.get(key) ?? storedKeys.get(key);
    if (resolved.accountId !== null && earlier) {
      results.push(
        earlier.requestHash === item.requestHash
          ? { ...decodeJson<Extract<OperationResult, { ok: true }>>(earlier.resultJson), replayed: true }
          : fail("idempotency_conflict", { message: "this idempotency key was used with a different request" }),
      );
      continue;
    }
    const result = applyOperation(ctx, resolved);
    if (result.ok && resolved.accountId !== null) {
      const resultJson = encodeJson(result);
      newKeys.set(key, { requestHash: item.requestHash, resultJson });
      idempotency.push({
        accountId: resolved.accountId,
        idempotencyKey: resolved.op.idempotencyKey,
        requestHash: item.requestHash,
        resultJson,
        createdAt: env.now,
      });
    }
    results.push(result);
  }
  await persistWrites(tx, ctx.writes, idempotency, env.now);
  return results;
}
