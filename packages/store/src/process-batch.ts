import {
  type AccountState,
  applyOperation,
  type BatchContext,
  emptyWrites,
  fail,
  type IdGenerator,
  type LedgerConfig,
  type OperationResult,
  type PriorTransaction,
  type ResolvedOperation,
  sweepAccount,
  type Unit,
} from "@tollgate/core";
import { decodeJson, encodeJson } from "./codec.ts";
import type { IdempotencyRecord } from "./persist-writes.ts";
import { persistWrites } from "./persist-writes.ts";
import {
  type AccountDbRow,
  type BalanceDbRow,
  type EntryDbRow,
  type HoldDbRow,
  type LotDbRow,
  type MemberLimitDbRow,
  type TransactionDbRow,
  toAccount,
  toBalance,
  toEntry,
  toHold,
  toLot,
  toMemberLimit,
  toTransaction,
} from "./rows.ts";
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
    holdAccounts: new Map(),
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
  const storedKeys = await loadIdempotencyKeys(tx, items, ctx);
  await loadAccountState(tx, ctx, { holdIds, priorLotIds });

  const results: Array<OperationResult | null> = [];
  const newKeys = new Map<string, { requestHash: string; resultJson: string }>();
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

async function loadIdempotencyKeys(
  tx: SqlExecutor,
  items: BatchItem[],
  ctx: BatchContext,
): Promise<Map<string, { requestHash: string; resultJson: string }>> {
  const accounts: string[] = [];
  const keys: string[] = [];
  for (const item of items) {
    if (item.type !== "operation" || item.resolved.accountId === null) continue;
    if (!ctx.accounts.has(item.resolved.accountId)) continue;
    accounts.push(item.resolved.accountId);
    keys.push(item.resolved.op.idempotencyKey);
  }
  const stored = new Map<string, { requestHash: string; resultJson: string }>();
  if (keys.length === 0) return stored;
  const rows = await tx.query<{ account_id: string; idempotency_key: string; request_hash: string; result: string }>(
    `select account_id, idempotency_key, request_hash, result::text as result from idempotency_keys
     where (account_id, idempotency_key) in (select * from unnest($1::text[], $2::text[]))`,
    [accounts, keys],
  );
  for (const row of rows) {
    stored.set(`${row.account_id}\u0000${row.idempotency_key}`, {
      requestHash: row.request_hash,
      resultJson: row.result,
    });
  }
  return stored;
}

async function loadAccountState(
  tx: SqlExecutor,
  ctx: BatchContext,
  refs: { holdIds: string[]; priorLotIds: string[] },
): Promise<void> {
  const ids = [...ctx.accounts.keys()];
  if (ids.length === 0) return;
  const state = (accountId: string): AccountState => {
    const found = ctx.accounts.get(accountId);
    if (!found) throw new Error(`row for unlocked account ${accountId}`);
    return found;
  };
  const balances = await tx.query<BalanceDbRow>(
    "select account_id, unit, balance_minor, held_minor, debt_minor, version from balances where account_id = any($1::text[])",
    [ids],
  );
  for (const row of balances) state(row.account_id).balances.set(row.unit, toBalance(row));
  const lots = await tx.query<LotDbRow>(
    `select * from lots where account_id = any($1::text[]) and (remaining_minor > 0 or lot_id = any($2::text[]))`,
    [ids, refs.priorLotIds],
  );
  for (const row of lots) state(row.account_id).lots.set(row.lot_id, toLot(row));
  const holds = await tx.query<HoldDbRow>(
    `select * from holds where account_id = any($1::text[]) and (status = 'active' or hold_id = any($2::text[]))`,
    [ids, refs.holdIds],
  );
  for (const row of holds) {
    state(row.account_id).holds.set(row.hold_id, toHold(row));
    ctx.holdAccounts.set(row.hold_id, row.account_id);
  }
  const organizations = ids.filter((id) => state(id).account.type === "organization");
  if (organizations.length === 0) return;
  const members = await tx.query<MemberLimitDbRow>(
    `select m.account_id, m.member_account_id, l.unit, l.cap_minor, l.spent_minor, l.held_minor
     from members m left join member_limits l using (account_id, member_account_id)
     where m.account_id = any($1::text[])`,
    [organizations],
  );
  for (const row of members) {
    const limits = state(row.account_id).members;
    let byUnit = limits.get(row.member_account_id);
    if (!byUnit) {
      byUnit = new Map();
      limits.set(row.member_account_id, byUnit);
    }
    if (row.unit !== null) byUnit.set(row.unit, toMemberLimit({ ...row, unit: row.unit }));
  }
}

/** Loads the transactions that refunds and reversals name, with every undo of them so far. */
async function loadPriors(tx: SqlExecutor, ctx: BatchContext, priorIds: string[]): Promise<string[]> {
  const transactions = await tx.query<TransactionDbRow>(
    `select * from transactions where transaction_id = any($1::text[]) or reverses_transaction_id = any($1::text[])
     order by created_at, transaction_id`,
    [priorIds],
  );
  const entries = await tx.query<EntryDbRow>(
    "select * from entries where transaction_id = any($1::text[]) order by entry_id",
    [transactions.map((row) => row.transaction_id)],
  );
  const byTransaction = new Map<string, PriorTransaction>();
  for (const row of transactions) {
    if (priorIds.includes(row.transaction_id)) {
      byTransaction.set(row.transaction_id, {
        record: toTransaction(row),
        entries: [],
        refundedMinor: 0n,
        reversed: false,
      });
    }
  }
  for (const row of transactions) {
    const prior = row.reverses_transaction_id ? byTransaction.get(row.reverses_transaction_id) : undefined;
    if (!prior) continue;
    if (row.kind === "refund") prior.refundedMinor += row.amount_minor;
    if (row.kind === "reversal") prior.reversed = true;
  }
  const undoing = new Map(
    transactions.map((row) => [row.transaction_id, row.reverses_transaction_id ?? row.transaction_id]),
  );
  const lotIds = new Set<string>();
  for (const row of entries) {
    const prior = byTransaction.get(undoing.get(row.transaction_id) ?? "");
    if (!prior) continue;
    prior.entries.push(toEntry(row));
    if (row.lot_id) lotIds.add(row.lot_id);
  }
  for (const [id, prior] of byTransaction) ctx.priorTransactions.set(id, prior);
  return [...lotIds];
}
