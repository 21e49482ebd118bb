import {
  type Account,
  type AccountType,
  accountUnitKey,
  applyOperation,
  availableOf,
  type BatchContext,
} from "@tollgate/core";
import { encodeJson, requestHash } from "./codec.ts";
import type { IdempotencyRecord } from "./persist-writes.ts";
import { type DefaultPlans, defaultPlanOp } from "./plans/default-plans.ts";
import { signupGrantOps } from "./signup-grants.ts";
import type { SqlStatement } from "./sql-client.ts";
import { type StoredKey, storedKeyId } from "./stored-keys.ts";
import type { BatchSnapshot } from "./webhooks/batch-events.ts";

/** An account a batch item names by the app's id that did not exist when the item was resolved. */
export interface NewAccountRef {
  type: AccountType;
  externalId: string;
}

/** The one map key of a type and an external id (NUL occurs in neither). */
export const newAccountKey = (ref: NewAccountRef): string => `${ref.type}\u0000${ref.externalId}`;

/**
 * An account a batch opened in memory for the item that names it, with its signup grants
 * applied and its type's default plan subscribed: kept (`keep`'s rows written with the batch)
 * if the item succeeds, taken back (`undo`) if it is refused, so a refusal stores nothing, not
 * even the account.
 */
export interface OpenedAccount {
  account: Account;
  /** The signup grants' and default plan's idempotency records, written only when the account is kept. */
  idempotency: IdempotencyRecord[];
  /** `accountId \0 unit` → available after the signup grants and default plan: where the batch's webhook events start from. */
  availableMinor: Map<string, bigint>;
  /** Takes the account, its signup grants and its subscription out of the batch's state and writes. */
  undo(): void;
}

/**
 * Opens a new account inside the batch: an empty state, then the deployment's signup grants
 * through the same rules as every grant, then the subscription to its type's default plan (if
 * the deployment has one) with that period's allocation, so the item that follows draws on them
 * (a first charge of 50 on an account that starts with 100 succeeds and leaves 50). Nothing
 * reaches the database unless the batch writes `account` with its other rows.
 */
export function openAccountInBatch(
  ctx: BatchContext,
  ref: NewAccountRef,
  options: {
    defaultPlans?: DefaultPlans | undefined;
    /** The item opening it subscribes the account itself: its plan takes the default's place. */
    subscribing?: boolean;
  } = {},
): OpenedAccount {
  const account: Account = {
    accountId: ctx.newId("account"),
    type: ref.type,
    externalId: ref.externalId,
    overdraftLimitMinor: ctx.config.overdraftLimitMinorDefault,
    createdAt: ctx.now,
  };
  const { accountId } = account;
  const mark = { transactions: ctx.writes.transactions.length, entries: ctx.writes.entries.length };
  ctx.accounts.set(accountId, { account, balances: new Map(), lots: new Map(), holds: new Map(), members: new Map() });
  const idempotency: IdempotencyRecord[] = [];
  const subscribe = options.subscribing ? null : defaultPlanOp(options.defaultPlans, account);
  for (const op of [...signupGrantOps(ctx.config, account, ctx.now), ...(subscribe ? [subscribe] : [])]) {
    const result = applyOperation(ctx, { op, accountId, memberAccountId: null });
    // A configuration (and a plan catalog) the ledger checked on open; failing here is a programmer error.
    if (!result.ok)
      throw new Error(`the ${op.kind === "grant" ? "signup grant" : "default plan"} failed: ${result.code}`);
    idempotency.push({
      accountId,
      idempotencyKey: op.idempotencyKey,
      requestHash: requestHash(op as unknown as Record<string, unknown>),
      resultJson: encodeJson(result),
      createdAt: ctx.now,
    });
  }
  const state = ctx.accounts.get(accountId);
  const availableMinor = new Map<string, bigint>();
  for (const row of state?.balances.values() ?? [])
    availableMinor.set(accountUnitKey(accountId, row.unit), availableOf(row));
  const undo = () => {
    // Only the signup grants and the default plan wrote since the mark: the refused item changed nothing.
    ctx.accounts.delete(accountId);
    ctx.writes.transactions.length = mark.transactions;
    ctx.writes.entries.length = mark.entries;
    for (const map of [ctx.writes.lots, ctx.writes.balances, ctx.writes.members, ctx.writes.subscriptions]) {
      for (const [key, write] of map) if (write.accountId === accountId) map.delete(key);
    }
    for (const [key, hold] of ctx.writes.holds) if (hold.accountId === accountId) ctx.writes.holds.delete(key);
    ctx.writes.packGrants = ctx.writes.packGrants.filter((grant) => grant.accountId !== accountId);
    ctx.writes.renewals = ctx.writes.renewals.filter((renewal) => renewal.accountId !== accountId);
  };
  return { account, idempotency, availableMinor, undo };
}

/**
 * Locks the batch's accounts, in account-id order in one statement (so concurrent batches never
 * deadlock): those named by id, and those named by the app's id that exist by now. An account
 * another instance is creating and has not committed is not seen: the batch then inserts it too,
 * fails on the unique (type, external_id), and its items are retried one by one, finding it.
 * Its rows are `AccountDbRow`s.
 */
export function lockAccountsStatement(ids: string[], refs: readonly NewAccountRef[]): SqlStatement {
  const columns = "account_id, type, external_id, overdraft_limit_minor, created_at";
  if (refs.length === 0) {
    return {
      text: `select ${columns} from accounts
       where account_id = any($1::text[]) and type <> 'system' order by account_id for no key update`,
      params: [ids],
    };
  }
  return {
    text: `select ${columns} from accounts
     where account_id = any(${BATCH_ACCOUNT_IDS_SQL}) and type <> 'system' order by account_id for no key update`,
    params: [ids, refs.map((ref) => ref.type), refs.map((ref) => ref.externalId)],
  };
}

/**
 * The ids of a batch's accounts as one SQL array, from its parameters $1 (ids), $2 and $3 (the
 * types and external ids of the accounts it names by the app's id): the lock and the load that
 * follows it compute the same set, so the load need not wait for the lock's answer.
 */
export const BATCH_ACCOUNT_IDS_SQL = `array_cat($1::text[], array(
       select a.account_id from accounts a join unnest($2::text[], $3::text[]) as r(type, external_id)
         on a.type = r.type and a.external_id = r.external_id))`;

/** An opened account whose item succeeded: written with the batch, its signup grants' keys with it. */
export function keepOpened(
  opened: OpenedAccount,
  batch: {
    newAccounts: Account[];
    idempotency: IdempotencyRecord[];
    newKeys: Map<string, StoredKey>;
    before: BatchSnapshot;
  },
): void {
  batch.newAccounts.push(opened.account);
  for (const record of opened.idempotency) {
    batch.idempotency.push(record);
    batch.newKeys.set(storedKeyId(record.accountId, record.idempotencyKey), record);
  }
  // Events compare against the balance the account started with, its signup grants included.
  for (const [key, minor] of opened.availableMinor) batch.before.availableMinor.set(key, minor);
}
