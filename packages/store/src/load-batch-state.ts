import type { AccountState, BatchContext, PriorTransaction } from "@tollgate/core";
import {
  SUBSCRIPTION_FROM,
  SUBSCRIPTION_JSON_FIELDS,
  type SubscriptionJson,
  subscriptionFromJson,
} from "./plans/subscription-rows.ts";
import {
  type EntryDbRow,
  type HoldDbRow,
  type LotDbRow,
  type MemberLimitDbRow,
  type TransactionDbRow,
  toEntry,
  toMemberLimit,
  toTransaction,
} from "./rows.ts";
import type { SqlExecutor } from "./sql-client.ts";
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

/** An idempotency key already stored: the request it was first used for, and its result. */
export interface StoredKey {
  requestHash: string;
  resultJson: string;
}

/**
 * Everything a batch reads after taking its locks, in one statement (one round trip, where
 * one per table cost a round trip each): the idempotency keys its operations name, and the
 * locked accounts' balances, live lots, active holds, subscriptions (with their plan versions'
 * definitions, which the renewal in every sweep reads) and organization members. It must be
 * a statement of its own after the lock: in READ COMMITTED each statement reads a snapshot
 * taken when it starts, and only one that starts after the lock is granted sees what the
 * previous holder of the lock committed. Amounts travel as text inside the JSON, so no
 * bigint is ever a JS number. Parts with nothing to look up are left out (the server then
 * neither parses nor plans them); each part yields `[]` when it finds nothing.
 */
function loadStateStatement(refs: {
  accountIds: string[];
  keyAccountIds: string[];
  keys: string[];
  holdIds: string[];
  priorLotIds: string[];
  organizationIds: string[];
}): { text: string; params: unknown[] } {
  const params: unknown[] = [refs.accountIds];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}::text[]`;
  };
  const parts: string[] = [];
  const part = (name: string, fields: string, from: string) =>
    parts.push(`(select coalesce(json_agg(json_build_object(${fields})), '[]') from ${from}) as ${name}`);
  if (refs.keys.length > 0) {
    part(
      "keys",
      "'account_id', account_id, 'idempotency_key', idempotency_key, 'request_hash', request_hash, 'result', result::text",
      `idempotency_keys where (account_id, idempotency_key) in
        (select * from unnest(${param(refs.keyAccountIds)}, ${param(refs.keys)}))`,
    );
  }
  part("balances", BALANCE_JSON_FIELDS, "balances where account_id = any($1::text[])");
  part(
    "lots",
    LOT_JSON_FIELDS,
    refs.priorLotIds.length > 0
      ? `lots where account_id = any($1::text[]) and (live or lot_id = any(${param(refs.priorLotIds)}))`
      : "lots where account_id = any($1::text[]) and live",
  );
  part(
    "holds",
    HOLD_JSON_FIELDS,
    refs.holdIds.length > 0
      ? `holds where account_id = any($1::text[]) and (status = 'active' or hold_id = any(${param(refs.holdIds)}))`
      : "holds where account_id = any($1::text[]) and status = 'active'",
  );
  part("subscriptions", SUBSCRIPTION_JSON_FIELDS, `${SUBSCRIPTION_FROM} where s.account_id = any($1::text[])`);
  if (refs.organizationIds.length > 0) {
    part(
      "members",
      `'account_id', m.account_id, 'member_account_id', m.member_account_id, 'unit', l.unit,
       'cap_minor', l.cap_minor::text, 'spent_minor', l.spent_minor::text, 'held_minor', l.held_minor::text`,
      `members m left join member_limits l using (account_id, member_account_id)
        where m.account_id = any(${param(refs.organizationIds)})`,
    );
  }
  return { text: `select ${parts.join(",\n  ")}`, params };
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

/**
 * Loads the locked accounts' state into `ctx` and returns the stored idempotency keys of
 * the batch's operations, keyed by account and key.
 */
export async function loadAccountState(
  tx: SqlExecutor,
  ctx: BatchContext,
  refs: {
    keyed: ReadonlyArray<{ accountId: string | null; idempotencyKey: string }>;
    holdIds: string[];
    priorLotIds: string[];
    /** Filled with each loaded balance's own low-balance threshold, keyed `accountId \0 unit`. */
    lowBalanceThresholds?: Map<string, bigint>;
  },
): Promise<Map<string, StoredKey>> {
  const ids = [...ctx.accounts.keys()];
  if (ids.length === 0) return new Map();
  const keyAccounts: string[] = [];
  const keys: string[] = [];
  for (const { accountId, idempotencyKey } of refs.keyed) {
    if (accountId === null || !ctx.accounts.has(accountId)) continue;
    keyAccounts.push(accountId);
    keys.push(idempotencyKey);
  }
  const state = (accountId: string): AccountState => {
    const found = ctx.accounts.get(accountId);
    if (!found) throw new Error(`row for unlocked account ${accountId}`);
    return found;
  };
  const statement = loadStateStatement({
    accountIds: ids,
    keyAccountIds: keyAccounts,
    keys,
    holdIds: refs.holdIds,
    priorLotIds: refs.priorLotIds,
    organizationIds: ids.filter((id) => state(id).account.type === "organization"),
  });
  const [loaded] = await tx.query<LoadedState>(statement.text, statement.params);
  if (!loaded) throw new Error("the batch state query returned no row");
  fillAccountStates(loaded, state);
  for (const row of loaded.balances) {
    if (row.low_balance_threshold_minor === null) continue;
    refs.lowBalanceThresholds?.set(`${row.account_id}\u0000${row.unit}`, BigInt(row.low_balance_threshold_minor));
  }
  const stored = new Map<string, StoredKey>();
  for (const row of loaded.keys ?? []) {
    stored.set(`${row.account_id}\u0000${row.idempotency_key}`, {
      requestHash: row.request_hash,
      resultJson: row.result,
    });
  }
  return stored;
}

/** Puts the loaded rows into their accounts' state, as the domain's types. */
function fillAccountStates(loaded: LoadedState, state: (accountId: string) => AccountState): void {
  for (const row of loaded.balances) {
    state(row.account_id).balances.set(row.unit, balanceFromJson(row));
  }
  for (const row of loaded.lots) {
    const lot = lotFromJson(row);
    state(row.account_id).lots.set(lot.lotId, lot);
  }
  for (const row of loaded.holds) {
    const hold = holdFromJson(row);
    state(row.account_id).holds.set(hold.holdId, hold);
  }
  for (const row of loaded.subscriptions) {
    state(row.account_id).subscription = subscriptionFromJson(row);
  }
  for (const row of loaded.members ?? []) {
    const limits = state(row.account_id).members;
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

/** Loads the transactions that refunds and reversals name, with every undo of them so far. */
export async function loadPriors(tx: SqlExecutor, ctx: BatchContext, priorIds: string[]): Promise<string[]> {
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
