import type { BalanceRow, Hold, Lot } from "@tollgate/core";
import { type BalanceDbRow, type HoldDbRow, type LotDbRow, toBalance, toHold, toLot } from "./rows.ts";

/**
 * Balances, lots and holds as `json_build_object` fields, so one statement can bring back
 * several tables in one round trip. Amounts travel as text, so no bigint is ever a JS number.
 */
export const BALANCE_JSON_FIELDS = `'account_id', account_id, 'unit', unit, 'balance_minor', balance_minor::text,
  'held_minor', held_minor::text, 'debt_minor', debt_minor::text, 'version', version::text,
  'low_balance_threshold_minor', low_balance_threshold_minor::text`;

export const LOT_JSON_FIELDS = `'account_id', account_id, 'lot_id', lot_id, 'unit', unit, 'source', source,
  'priority', priority, 'expires_at', expires_at, 'granted_minor', granted_minor::text,
  'remaining_minor', remaining_minor::text, 'held_minor', held_minor::text, 'transaction_id', transaction_id,
  'created_at', created_at`;

export const HOLD_JSON_FIELDS = `'account_id', account_id, 'hold_id', hold_id, 'unit', unit,
  'amount_minor', amount_minor::text, 'captured_minor', captured_minor::text, 'status', status,
  'expires_at', expires_at, 'allocations', allocations, 'member_account_id', member_account_id,
  'transaction_id', transaction_id, 'created_at', created_at`;

/** A row as the fields above send it: bigint columns as decimal strings, timestamps as ISO strings. */
type JsonValue<T> = T extends bigint | Date ? string : T;
export type AsJson<Row> = { [Column in keyof Row]: JsonValue<Row[Column]> };

export type BalanceJson = AsJson<BalanceDbRow> & { low_balance_threshold_minor: string | null };

export function balanceFromJson(row: BalanceJson): BalanceRow {
  return toBalance({
    ...row,
    balance_minor: BigInt(row.balance_minor),
    held_minor: BigInt(row.held_minor),
    debt_minor: BigInt(row.debt_minor),
    version: BigInt(row.version),
  });
}

export function lotFromJson(row: AsJson<LotDbRow>): Lot {
  return toLot({
    ...row,
    expires_at: row.expires_at === null ? null : new Date(row.expires_at),
    granted_minor: BigInt(row.granted_minor),
    remaining_minor: BigInt(row.remaining_minor),
    held_minor: BigInt(row.held_minor),
    created_at: new Date(row.created_at),
  });
}

export function holdFromJson(row: AsJson<HoldDbRow>): Hold {
  return toHold({
    ...row,
    amount_minor: BigInt(row.amount_minor),
    captured_minor: BigInt(row.captured_minor),
    expires_at: new Date(row.expires_at),
    created_at: new Date(row.created_at),
  });
}
