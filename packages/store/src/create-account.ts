import {
  ACCOUNT_TYPES,
  type Account,
  type AccountType,
  externalIdProblem,
  type IdGenerator,
  type LedgerConfig,
  type Unit,
} from "@tollgate/core";
import { requestHash } from "./codec.ts";
import { type DefaultPlans, defaultPlanOp } from "./plans/default-plans.ts";
import { type BatchItem, processBatch } from "./process-batch.ts";
import { type AccountDbRow, toAccount } from "./rows.ts";
import { signupGrantOps } from "./signup-grants.ts";
import type { TransactionExecutor } from "./sql-client.ts";

/**
 * Inserts an account with the deployment's signup grants and its type's default plan in `tx`,
 * or, when another process created it first, returns that one (its transaction made the signup
 * grant; `created` is false). With the batch opening an account for a write that succeeds (batch-new-account.ts),
 * the only way one is created, so none ever exists without the credits it was promised.
 */
export async function createAccountIn(
  tx: TransactionExecutor,
  env: { config: LedgerConfig; units: ReadonlyMap<string, Unit>; newId: IdGenerator; defaultPlans?: DefaultPlans },
  ref: { type: AccountType; externalId: string },
  now: Date,
): Promise<{ account: Account; created: boolean }> {
  assertExternalRef(ref);
  const { config, newId } = env;
  const [inserted] = await tx.query<AccountDbRow>(
    `insert into accounts (account_id, type, external_id, overdraft_limit_minor, created_at)
     values ($1, $2, $3, $4, $5) on conflict (type, external_id) do nothing returning *`,
    [newId("account"), ref.type, ref.externalId, config.overdraftLimitMinorDefault.toString(), now.toISOString()],
  );
  if (!inserted) {
    const [existing] = await tx.query<AccountDbRow>("select * from accounts where type = $1 and external_id = $2", [
      ref.type,
      ref.externalId,
    ]);
    if (!existing) throw new Error(`account ${ref.type}/${ref.externalId} vanished while being created`);
    return { account: toAccount(existing), created: false };
  }
  const created = toAccount(inserted);
  const subscribe = defaultPlanOp(env.defaultPlans, created);
  const ops = [...signupGrantOps(config, created, now), ...(subscribe ? [subscribe] : [])];
  const items: BatchItem[] = ops.map((op) => ({
    type: "operation",
    resolved: { op, accountId: created.accountId, memberAccountId: null },
    requestHash: requestHash(op as unknown as Record<string, unknown>),
  }));
  if (items.length > 0) {
    // Not committed here: the caller's transaction may go on.
    const results = await processBatch(tx, { ...env, now }, items, { commit: false });
    const failed = results.find((result) => result && !result.ok);
    if (failed && !failed.ok) throw new Error(`the signup grant or default plan failed: ${failed.code}`);
  }
  return { account: created, created: true };
}

export { EXTERNAL_ID_LENGTH_MAX } from "@tollgate/core";

/** A type and an external id an account may have, or a RangeError saying what is wrong (`externalIdProblem`). */
export function assertExternalRef(ref: { type: AccountType; externalId: string }): void {
  if (!(ACCOUNT_TYPES as readonly string[]).includes(ref.type)) {
    throw new RangeError(`account type must be one of ${ACCOUNT_TYPES.join(", ")}; got "${ref.type}"`);
  }
  if (typeof ref.externalId !== "string") throw new RangeError("externalId must be a string");
  const problem = externalIdProblem(ref.externalId);
  if (problem !== null) throw new RangeError(`externalId ${problem}`);
}
