import {
  type BalanceRow,
  type BalanceView,
  type Hold,
  type Lot,
  type TransactionKind,
  viewBalance,
} from "@tollgate/core";
import type { HoldDbRow, LotDbRow } from "./rows.ts";
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

/** What a balance read starts from: the account's balance rows, live lots and active holds. */
export interface AccountBalanceState {
  balances: BalanceRow[];
  lots: Lot[];
  holds: Hold[];
}

/**
 * Every unit the account holds, or only `unit`, as a reader sees them at `now`; null when
 * there is no such customer account. One statement (one round trip): a balance read is the
 * API's most frequent request.
 */
export async function readBalances(
  sql: SqlExecutor,
  accountId: string,
  options: { unit?: string; now: Date },
): Promise<BalanceView[] | null> {
  const state = await readBalanceState(sql, accountId, options);
  return state && viewBalances(state, options.now);
}

/** The rows behind `readBalances`, every unit or only `unit`; null when there is no such customer account. */
export async function readBalanceState(
  sql: SqlExecutor,
  accountId: string,
  options: { unit?: string } = {},
): Promise<AccountBalanceState | null> {
  const json = (fields: string, from: string, order: string) =>
    `(select coalesce(json_agg(json_build_object(${fields}) order by ${order}), '[]') from ${from})`;
  const [row] = await sql.query<{
    found: boolean;
    balances: BalanceJson[];
    lots: Array<AsJson<LotDbRow>>;
    holds: Array<AsJson<HoldDbRow>>;
  }>(
    `select exists (select 1 from accounts where account_id = $1 and type <> 'system') as found,
       ${json(BALANCE_JSON_FIELDS, "balances where account_id = $1 and ($2::text is null or unit = $2)", "unit")} as balances,
       ${json(
         LOT_JSON_FIELDS,
         "lots where account_id = $1 and live and ($2::text is null or unit = $2)",
         "priority, expires_at nulls last, created_at, lot_id",
       )} as lots,
       ${json(
         HOLD_JSON_FIELDS,
         "holds where account_id = $1 and status = 'active' and ($2::text is null or unit = $2)",
         "hold_id",
       )} as holds`,
    [accountId, options.unit ?? null],
  );
  if (!row?.found) return null;
  return {
    balances: row.balances.map(balanceFromJson),
    lots: row.lots.map(lotFromJson),
    holds: row.holds.map(holdFromJson),
  };
}

/** The state as a reader sees it at `now` (expired lots and holds count as gone), every unit or only `unit`. */
export function viewBalances(state: AccountBalanceState, now: Date, unit?: string): BalanceView[] {
  const balances = unit === undefined ? state.balances : state.balances.filter((balance) => balance.unit === unit);
  return balances.map((balance) =>
    viewBalance(
      balance,
      state.lots.filter((lot) => lot.unit === balance.unit),
      state.holds.filter((hold) => hold.unit === balance.unit),
      now,
    ),
  );
}

/** One line of an account's history: an entry and the transaction that made it. */
export interface HistoryLine {
  entryId: string;
  transactionId: string;
  kind: TransactionKind;
  unit: string;
  amountMinor: bigint;
  balanceBeforeMinor: bigint;
  balanceAfterMinor: bigint;
  lotId: string | null;
  holdId: string | null;
  reversesTransactionId: string | null;
  reason: string | null;
  idempotencyKey: string | null;
  createdAt: Date;
}

export interface HistoryPage {
  lines: HistoryLine[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export const HISTORY_LIMIT_MAX = 500;

/** An account's entries, newest first, a page at a time. */
export async function readHistory(
  sql: SqlExecutor,
  accountId: string,
  options: { unit?: string; limit?: number; before?: string | null },
): Promise<HistoryPage> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_LIMIT_MAX) {
    throw new RangeError(`limit must be an integer from 1 to ${HISTORY_LIMIT_MAX}`);
  }
  if (options.before != null && !/^\d{1,19}$/.test(options.before)) throw new RangeError("invalid history cursor");
  const rows = await sql.query<{
    entry_id: bigint;
    transaction_id: string;
    kind: TransactionKind;
    unit: string;
    amount_minor: bigint;
    balance_before_minor: bigint;
    balance_after_minor: bigint;
    lot_id: string | null;
    hold_id: string | null;
    reverses_transaction_id: string | null;
    reason: string | null;
    idempotency_key: string | null;
    created_at: Date;
  }>(
    `select e.entry_id, e.transaction_id, t.kind, e.unit, e.amount_minor, e.balance_before_minor,
       e.balance_after_minor, e.lot_id, t.hold_id, t.reverses_transaction_id, t.reason, t.idempotency_key, e.created_at
     from entries e join transactions t on t.transaction_id = e.transaction_id
     where e.account_id = $1 and ($2::text is null or e.unit = $2) and ($3::bigint is null or e.entry_id < $3)
     order by e.entry_id desc limit $4`,
    [accountId, options.unit ?? null, options.before ?? null, limit + 1],
  );
  const lines = rows.slice(0, limit).map(
    (row): HistoryLine => ({
      entryId: row.entry_id.toString(),
      transactionId: row.transaction_id,
      kind: row.kind,
      unit: row.unit,
      amountMinor: row.amount_minor,
      balanceBeforeMinor: row.balance_before_minor,
      balanceAfterMinor: row.balance_after_minor,
      lotId: row.lot_id,
      holdId: row.hold_id,
      reversesTransactionId: row.reverses_transaction_id,
      reason: row.reason,
      idempotencyKey: row.idempotency_key,
      createdAt: row.created_at,
    }),
  );
  return { lines, nextCursor: rows.length > limit ? (lines.at(-1)?.entryId ?? null) : null };
}
