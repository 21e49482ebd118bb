import type { SqlClient } from "@tollgate/store";
import { type RunOutcome, type RunTiming, runClosedLoop } from "./measure.ts";

/**
 * The design Tollgate replaces, at its fastest: one database transaction per event that
 * debits a balance row (the check in the same statement) and appends an entry. Written as
 * one statement, so each event is a single round trip and an autocommit: the ceiling of
 * that design, not a strawman. Its own two tables live beside the ledger's in the schema.
 */
const NAIVE_SCHEMA_SQL = `
create table if not exists naive_balances (
  account_id text primary key,
  balance_minor bigint not null check (balance_minor >= 0)
);
create table if not exists naive_entries (
  entry_id bigint generated always as identity primary key,
  account_id text not null,
  amount_minor bigint not null,
  created_at timestamptz not null default now()
);`;

const NAIVE_CHARGE_SQL = `
with debited as (
  update naive_balances set balance_minor = balance_minor - $2
  where account_id = $1 and balance_minor >= $2 returning account_id
)
insert into naive_entries (account_id, amount_minor) select account_id, -$2::bigint from debited`;

export const NAIVE_HOT_ACCOUNT = "naive-hot";

/** Creates the tables and funds `accounts` accounts plus the hot one. */
export async function setUpNaive(sql: SqlClient, options: { accounts: number }): Promise<void> {
  await sql.exec(NAIVE_SCHEMA_SQL);
  await sql.query(
    `insert into naive_balances (account_id, balance_minor)
     select 'naive-' || n, 1000000000000 from generate_series(0, $1::int - 1) n
     union all select $2, 1000000000000
     on conflict (account_id) do nothing`,
    [options.accounts, NAIVE_HOT_ACCOUNT],
  );
  await sql.query("analyze naive_balances");
}

/**
 * Charges of 1 through `pool` (a pool as large as the concurrency), to a random account of
 * `accounts`, or all to the hot account when `accounts` is "hot".
 */
export function runNaiveCharges(
  pool: SqlClient,
  options: { accounts: number | "hot"; concurrency: number; timing: RunTiming },
): Promise<RunOutcome> {
  const { accounts } = options;
  return runClosedLoop({
    concurrency: options.concurrency,
    timing: options.timing,
    async operation() {
      const accountId = accounts === "hot" ? NAIVE_HOT_ACCOUNT : `naive-${Math.floor(Math.random() * accounts)}`;
      await pool.query(NAIVE_CHARGE_SQL, [accountId, "1"]);
      return true;
    },
  });
}
