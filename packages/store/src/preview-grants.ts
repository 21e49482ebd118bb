import {
  type AccountRef,
  accountUnitKey,
  type GrantOperation,
  type GrantOutcome,
  type OperationResult,
  type Result,
} from "@tollgate/core";
import { newAccountKey } from "./batch-new-account.ts";
import { requestHash } from "./codec.ts";
import { createAccountIn } from "./create-account.ts";
import { type BatchEnvironment, type BatchItem, processBatch } from "./process-batch.ts";
import { readBalanceState, viewBalances } from "./reads.ts";
import type { SqlClient, SqlExecutor, TransactionExecutor } from "./sql-client.ts";

/** What one grant of a preview would do. */
export interface GrantPreview {
  /** The account's id; null when it does not exist yet (the grant would create it) or no such `acct_…` exists. */
  accountId: string | null;
  /** Whether the account exists now; if not, the grant would create it, with its signup grant. */
  accountExists: boolean;
  /**
   * The balance in the grant's unit that the grant finds: the account's now (0 when it does not
   * exist), or after the previous grants of the preview to the same account and unit.
   */
  balanceBeforeMinor: bigint;
  /** What the grant would answer: its outcome, a replay of an earlier grant under its key, or a failure. */
  result: Result<GrantOutcome>;
}

/** One key per account a ref names as written: an id, or a type and an external id. */
const refKey = (ref: AccountRef) => ("accountId" in ref ? ref.accountId : newAccountKey(ref));

/** Thrown to roll the preview's transaction back, and caught. */
const ROLLBACK = Symbol("preview rollback");

/**
 * Runs grants as the ledger would, in order, and writes nothing: in one transaction that is
 * always rolled back, accounts that do not exist are created (with their signup grants) and
 * the grants go through the same batch as every operation, so a replay, an idempotency
 * conflict or any rule's refusal comes out as it would for real. Nothing it makes is seen by
 * anyone else: no notification is sent, no cache learns an id.
 */
export async function previewGrants(
  sql: SqlClient,
  env: BatchEnvironment,
  ops: readonly GrantOperation[],
): Promise<GrantPreview[]> {
  if (ops.length === 0) return [];
  let previews: GrantPreview[] = [];
  try {
    await sql.transaction(async (tx) => {
      const accounts = new Map<string, { accountId: string | null; exists: boolean }>();
      for (const op of ops) {
        const key = refKey(op.account);
        if (!accounts.has(key)) accounts.set(key, await resolveInPreview(tx, env, op.account));
      }
      const balances = await balancesNow(tx, env, ops, accounts);
      const items: BatchItem[] = ops.map((op) => ({
        type: "operation",
        resolved: { op, accountId: accounts.get(refKey(op.account))?.accountId ?? null, memberAccountId: null },
        // As `Ledger.execute` hashes a grant, so a replay is recognized as one.
        requestHash: requestHash(op as unknown as Record<string, unknown>),
      }));
      // Not committed: the preview's transaction is rolled back below.
      const results = await processBatch(tx, env, items, { commit: false });
      previews = ops.map((op, index) => {
        const account = accounts.get(refKey(op.account)) ?? { accountId: null, exists: false };
        const balanceKey = accountUnitKey(account.accountId ?? "", op.unit ?? env.config.defaultUnit);
        const balanceBeforeMinor = balances.get(balanceKey) ?? 0n;
        const result = results[index] as OperationResult as Result<GrantOutcome>;
        if (result.ok && !result.replayed) balances.set(balanceKey, result.value.balanceMinor);
        return {
          accountId: account.exists ? account.accountId : null,
          accountExists: account.exists,
          balanceBeforeMinor,
          result,
        };
      });
      throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
  return previews;
}

/** The account a ref names, created inside the preview's transaction when it does not exist. */
async function resolveInPreview(
  tx: TransactionExecutor,
  env: BatchEnvironment,
  ref: AccountRef,
): Promise<{ accountId: string | null; exists: boolean }> {
  if ("accountId" in ref) {
    const [row] = await tx.query<{ account_id: string }>(
      "select account_id from accounts where account_id = $1 and type <> 'system'",
      [ref.accountId],
    );
    return { accountId: row?.account_id ?? null, exists: row !== undefined };
  }
  const [row] = await tx.query<{ account_id: string }>(
    "select account_id from accounts where type = $1 and external_id = $2",
    [ref.type, ref.externalId],
  );
  if (row) return { accountId: row.account_id, exists: true };
  return { accountId: (await createAccountIn(tx, env, ref, env.now)).account.accountId, exists: false };
}

/** Each existing account's balance now in each unit the grants name; an account made by the preview has none yet. */
async function balancesNow(
  tx: SqlExecutor,
  env: BatchEnvironment,
  ops: readonly GrantOperation[],
  accounts: ReadonlyMap<string, { accountId: string | null; exists: boolean }>,
): Promise<Map<string, bigint>> {
  const balances = new Map<string, bigint>();
  const read = new Set<string>();
  for (const op of ops) {
    const account = accounts.get(refKey(op.account));
    if (!account?.exists || account.accountId === null || read.has(account.accountId)) continue;
    read.add(account.accountId);
    const state = await readBalanceState(tx, account.accountId);
    for (const view of state ? viewBalances(state, env.now) : []) {
      balances.set(accountUnitKey(account.accountId, view.unit), view.balanceMinor);
    }
  }
  return balances;
}
