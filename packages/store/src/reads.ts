import { type BalanceRow, type BalanceView, type Hold, type Lot, viewBalance } from "@tollgate/core";
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
