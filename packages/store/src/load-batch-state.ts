import { type AccountState, accountUnitKey, type BatchContext } from "@tollgate/core";
import {
  BATCH_ACCOUNT_IDS_SQL,
  lockAccountsStatement,
  type NewAccountRef,
  newAccountKey,
} from "./batch-new-account.ts";
import { loadPriors } from "./load-priors.ts";
import {
  SUBSCRIPTION_FROM,
  SUBSCRIPTION_JSON_FIELDS,
  type SubscriptionJson,
  subscriptionFromJson,
} from "./plans/subscription-rows.ts";
import {
  type AccountDbRow,
  type HoldDbRow,
  type LotDbRow,
  type MemberLimitDbRow,
  toAccount,
  toMemberLimit,
} from "./rows.ts";
import type { SqlStatement, TransactionExecutor } from "./sql-client.ts";
import {
  type AsJson,
  BALANCE_JSON_FIELDS,
  type BalanceJson,
  balanceFromJson,
  HOLD_JSON_FIELDS,
  holdFromJson,
  LOT_JSON_FIELDS,
  lotFromJson,
} from "./state-json.ts";
import { type StoredKey, storedKeyId } from "./stored-keys.ts";

/** What a batch names, collected from its items before anything is read. */
export interface BatchReferences {
  /** The accounts named by id, sorted (the lock's order). */
  accountIds: string[];
  /** The accounts named by the app's id that did not exist when their items were resolved. */
  newAccounts: NewAccountRef[];
  /** Each item's idempotency key, with the account it names (by id, or by the app's id). */
  keyed: Array<{ accountId: string | null; newAccount: NewAccountRef | null; idempotencyKey: string }>;
  holdIds: string[];
  /** The transactions that refunds and reversals name. */
  priorIds: string[];
}

/** What the batch read besides its accounts' state, which is in `ctx.accounts`. */
export interface LoadedBatch {
  /** Accounts named by the app's id that exist by now (another batch created them), by `newAccountKey`. */
  createdIds: Map<string, string>;
  /** The stored idempotency keys of the batch's items, by `storedKeyId`. */
  storedKeys: Map<string, StoredKey>;
  /** Each loaded balance's own low-balance threshold, by `accountUnitKey`. */
  lowBalanceThresholds: Map<string, bigint>;
}

/**
 * Locks the batch's accounts and loads their state into `ctx`. The begin, the lock and the load
 * travel together (`tx.pipeline`): one round trip. They stay two statements, the load after
 * the lock, because in READ COMMITTED a statement reads a snapshot taken when it starts, and
 * only one that starts once the lock is granted sees what the lock's previous holder committed;
 * so the load names the accounts as the lock does, by its parameters, not by the lock's answer.
 * A refund or reversal first needs the transactions it names (and their lots): that batch waits
 * on the lock before it loads.
 */
export async function lockAndLoad(
  tx: TransactionExecutor,
  ctx: BatchContext,
  refs: BatchReferences,
): Promise<LoadedBatch> {
  const lock = lockAccountsStatement(refs.accountIds, refs.newAccounts);
  const load = (priorLotIds: string[]) => loadStateStatement(refs, priorLotIds);
  let loaded: LoadedState | undefined;
  let accountRows: AccountDbRow[];
  if (refs.priorIds.length === 0) {
    const [locked, state] = await tx.pipeline([lock, load([])]);
    accountRows = locked as unknown as AccountDbRow[];
    [loaded] = state as unknown as LoadedState[];
    addLockedAccounts(ctx, accountRows);
  } else {
    accountRows = await tx.query<AccountDbRow>(lock.text, lock.params);
    addLockedAccounts(ctx, accountRows);
    const statement = load(await loadPriors(tx, ctx, refs.priorIds));
    [loaded] = await tx.query<LoadedState>(statement.text, statement.params);
  }
  if (!loaded) throw new Error("the batch state query returned no row");
  const createdIds = new Map<string, string>();
  const wanted = new Set(refs.newAccounts.map(newAccountKey));
  for (const row of accountRows) {
    const key = newAccountKey({ type: row.type, externalId: row.external_id } as NewAccountRef);
    if (wanted.has(key)) createdIds.set(key, row.account_id);
  }
  return { createdIds, ...fillBatchState(ctx, loaded) };
}

/** An empty state for each locked account, which the load fills. */
function addLockedAccounts(ctx: BatchContext, rows: readonly AccountDbRow[]): void {
  for (const row of rows) {
    ctx.accounts.set(row.account_id, {
      account: toAccount(row),
      balances: new Map(),
      lots: new Map(),
      holds: new Map(),
      members: new Map(),
    });
  }
}

/**
 * Everything a batch reads after taking its locks, in one statement (one round trip, where
 * one per table cost a round trip each): the idempotency keys its items name, and its
 * accounts' balances, live lots, active holds, subscriptions (with their plan versions'
 * definitions, which the renewal in every sweep reads) and organization members (only
 * organizations have member rows). Amounts travel as text inside the JSON, so no bigint is
 * ever a JS number. Parts with nothing to look up are left out (the server then neither
 * parses nor plans them); each part yields `[]` when it finds nothing.
 */
function loadStateStatement(refs: BatchReferences, priorLotIds: string[]): SqlStatement {
  const byAppId = refs.newAccounts.length > 0;
  const params: unknown[] = [refs.accountIds];
  if (byAppId)
    params.push(
      refs.newAccounts.map((ref) => ref.type),
      refs.newAccounts.map((ref) => ref.externalId),
    );
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}::text[]`;
  };
  // The same accounts as the lock's: by id, and by the app's id once they exist.
  const accounts = byAppId ? "(select ids from batch_accounts)::text[]" : "$1::text[]";
  const parts: string[] = [];
  const part = (name: string, fields: string, from: string) =>
    parts.push(`(select coalesce(json_agg(json_build_object(${fields})), '[]') from ${from}) as ${name}`);
  if (refs.keyed.length > 0) part("keys", KEY_FIELDS, `idempotency_keys where ${keyedRows(refs, param)}`);
  part("balances", BALANCE_JSON_FIELDS, `balances where account_id = any(${accounts})`);
  part(
    "lots",
    LOT_JSON_FIELDS,
    priorLotIds.length > 0
      ? `lots where account_id = any(${accounts}) and (live or lot_id = any(${param(priorLotIds)}))`
      : `lots where account_id = any(${accounts}) and live`,
  );
  part(
    "holds",
    HOLD_JSON_FIELDS,
    refs.holdIds.length > 0
      ? `holds where account_id = any(${accounts}) and (status = 'active' or hold_id = any(${param(refs.holdIds)}))`
      : `holds where account_id = any(${accounts}) and status = 'active'`,
  );
  part("subscriptions", SUBSCRIPTION_JSON_FIELDS, `${SUBSCRIPTION_FROM} where s.account_id = any(${accounts})`);
  part(
    "members",
    `'account_id', m.account_id, 'member_account_id', m.member_account_id, 'unit', l.unit,
       'cap_minor', l.cap_minor::text, 'spent_minor', l.spent_minor::text, 'held_minor', l.held_minor::text`,
    `members m left join member_limits l using (account_id, member_account_id)
        where m.account_id = any(${accounts})`,
  );
  const select = `select ${parts.join(",\n  ")}`;
  return {
    text: byAppId ? `with batch_accounts as (select ${BATCH_ACCOUNT_IDS_SQL} as ids) ${select}` : select,
    params,
  };
}

const KEY_FIELDS =
  "'account_id', account_id, 'idempotency_key', idempotency_key, 'request_hash', request_hash, 'result', result::text";

/**
 * The condition on `idempotency_keys` for the items' keys: on the account each names by id, or,
 * for an account named by the app's id, on the account of that id if it exists by now.
 */
function keyedRows(refs: BatchReferences, param: (value: unknown) => string): string {
  const accountIds = refs.keyed.map((key) => key.accountId);
  const keys = refs.keyed.map((key) => key.idempotencyKey);
  if (refs.keyed.every((key) => key.newAccount === null)) {
    return `(account_id, idempotency_key) in (select * from unnest(${param(accountIds)}, ${param(keys)}))`;
  }
  return `(account_id, idempotency_key) in (
        select coalesce(k.account_id, a.account_id), k.idempotency_key
        from unnest(${param(accountIds)}, ${param(refs.keyed.map((key) => key.newAccount?.type ?? null))},
          ${param(refs.keyed.map((key) => key.newAccount?.externalId ?? null))}, ${param(keys)})
          as k(account_id, type, external_id, idempotency_key)
        left join accounts a on k.account_id is null and a.type = k.type and a.external_id = k.external_id)`;
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

interface LoadedState {
  keys?: Array<{ account_id: string; idempotency_key: string; request_hash: string; result: string }>;
  balances: BalanceJson[];
  lots: Array<AsJson<LotDbRow>>;
  holds: Array<AsJson<HoldDbRow>>;
  subscriptions: SubscriptionJson[];
  members?: Array<Nullable<AsJson<MemberLimitDbRow>> & { account_id: string; member_account_id: string }>;
}

const bigintOrNull = (value: string | null) => (value === null ? null : BigInt(value));

/** Puts the loaded rows into `ctx` and returns the stored keys and the balances' own thresholds. */
function fillBatchState(
  ctx: BatchContext,
  loaded: LoadedState,
): Pick<LoadedBatch, "storedKeys" | "lowBalanceThresholds"> {
  // The load names the accounts as the lock does, so it can read rows of one the lock did not
  // take (a system account): they are not the batch's, and are left out.
  fillAccountStates(loaded, (accountId) => ctx.accounts.get(accountId));
  const lowBalanceThresholds = new Map<string, bigint>();
  for (const row of loaded.balances) {
    if (row.low_balance_threshold_minor === null || !ctx.accounts.has(row.account_id)) continue;
    lowBalanceThresholds.set(accountUnitKey(row.account_id, row.unit), BigInt(row.low_balance_threshold_minor));
  }
  const storedKeys = new Map<string, StoredKey>();
  for (const row of loaded.keys ?? []) {
    storedKeys.set(storedKeyId(row.account_id, row.idempotency_key), {
      requestHash: row.request_hash,
      resultJson: row.result,
    });
  }
  return { storedKeys, lowBalanceThresholds };
}

/** Puts the loaded rows into their accounts' state, as the domain's types. */
function fillAccountStates(loaded: LoadedState, state: (accountId: string) => AccountState | undefined): void {
  for (const row of loaded.balances) {
    state(row.account_id)?.balances.set(row.unit, balanceFromJson(row));
  }
  for (const row of loaded.lots) {
    const lot = lotFromJson(row);
    state(row.account_id)?.lots.set(lot.lotId, lot);
  }
  for (const row of loaded.holds) {
    const hold = holdFromJson(row);
    state(row.account_id)?.holds.set(hold.holdId, hold);
  }
  for (const row of loaded.subscriptions) {
    const found = state(row.account_id);
    if (found) found.subscription = subscriptionFromJson(row);
  }
  for (const row of loaded.members ?? []) {
    const limits = state(row.account_id)?.members;
    if (!limits) continue;
    let byUnit = limits.get(row.member_account_id);
    if (!byUnit) {
      byUnit = new Map();
      limits.set(row.member_account_id, byUnit);
    }
    if (row.unit === null) continue;
    const limit = toMemberLimit({
      ...row,
      unit: row.unit,
      cap_minor: bigintOrNull(row.cap_minor),
      spent_minor: bigintOrNull(row.spent_minor),
      held_minor: bigintOrNull(row.held_minor),
    });
    byUnit.set(row.unit, limit);
  }
}
