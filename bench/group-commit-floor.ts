import { CommitLane, type SqlClient } from "@tollgate/store";
import { type RunOutcome, type RunTiming, runClosedLoop } from "./measure.ts";
import { NAIVE_HOT_ACCOUNT } from "./naive-baseline.ts";

/**
 * How far group commit alone can carry a design on this machine: the ceiling the issue's
 * ratio goals meet. Two designs, each batched exactly as the ledger batches (two commit
 * lanes, an account always on the same lane, accounts locked in id order, then one
 * statement per batch) but with none of the ledger's rules, reads or results:
 *
 * - `grouped_naive`: the naive baseline's own rows (a balance update and one entry per
 *   event), so its ratio to the naive figure is what batching buys by itself;
 * - `ledger_rows`: the fewest rows a double-entry charge with an idempotency key writes
 *   (the balance, the lot drawn, a transaction carrying its key, two entries), so its
 *   ratio is the most any ledger with Tollgate's guarantees could reach here.
 *
 * Both use the naive baseline's accounts and balances (`setUpNaive` first).
 */
export type FloorDesign = "grouped_naive" | "ledger_rows";

const FLOOR_SCHEMA_SQL = `
create table if not exists floor_lots (
  lot_id text primary key,
  account_id text not null,
  remaining_minor bigint not null
) with (fillfactor = 80);
create index if not exists floor_lots_account on floor_lots (account_id);
create table if not exists floor_transactions (
  transaction_id bigint generated always as identity primary key,
  account_id text not null,
  idempotency_key text not null,
  amount_minor bigint not null,
  result text not null,
  unique (account_id, idempotency_key)
);
create table if not exists floor_entries (
  entry_id bigint generated always as identity primary key,
  transaction_id bigint not null,
  account_id text not null,
  amount_minor bigint not null,
  balance_after_minor bigint
);
create index if not exists floor_entries_account on floor_entries (account_id, entry_id);`;

export const FLOOR_LOCK_SQL = `select account_id from naive_balances where account_id = any($1::text[])
  order by account_id for no key update`;

/**
 * The `ledger_rows` design's writes before its entries, as CTEs: a batch's debits per account
 * ($1 account ids, $2 amounts, $3 keys, one element per charge), its balances and lots, and
 * a transaction per charge (`transactions`: id, account, amount).
 */
export const LEDGER_ROWS_CTES = `
debits as (select account_id, sum(amount_minor) as amount_minor
           from unnest($1::text[], $2::bigint[]) as u(account_id, amount_minor) group by account_id),
balances as (update naive_balances b set balance_minor = b.balance_minor - d.amount_minor
             from debits d where b.account_id = d.account_id returning b.account_id, b.balance_minor),
lots as (update floor_lots l set remaining_minor = l.remaining_minor - d.amount_minor
         from debits d where l.account_id = d.account_id returning l.lot_id),
transactions as (insert into floor_transactions (account_id, idempotency_key, amount_minor, result)
                 select account_id, key, amount_minor, '{"ok":true}'
                 from unnest($1::text[], $2::bigint[], $3::text[]) as u(account_id, amount_minor, key)
                 returning transaction_id, account_id, amount_minor)`;

/** The `ledger_rows` design's two entries per charge, after `LEDGER_ROWS_CTES`. */
export const LEDGER_ROWS_ENTRIES = `
insert into floor_entries (transaction_id, account_id, amount_minor, balance_after_minor)
select t.transaction_id, t.account_id, -t.amount_minor, b.balance_minor
from transactions t join balances b using (account_id)
union all select transaction_id, 'system:consumption', amount_minor, null from transactions`;

const STATEMENTS: Record<FloorDesign, string> = {
  grouped_naive: `
with debits as (select account_id, sum(amount_minor) as amount_minor
                from unnest($1::text[], $2::bigint[]) as u(account_id, amount_minor) group by account_id),
debited as (update naive_balances b set balance_minor = b.balance_minor - d.amount_minor
            from debits d where b.account_id = d.account_id returning b.account_id)
insert into naive_entries (account_id, amount_minor)
select account_id, -amount_minor from unnest($1::text[], $2::bigint[]) as u(account_id, amount_minor)`,
  ledger_rows: `with ${LEDGER_ROWS_CTES} ${LEDGER_ROWS_ENTRIES}`,
};

/** Creates the floor's tables and a lot for each naive account. */
export async function setUpFloor(sql: SqlClient): Promise<void> {
  await sql.exec(FLOOR_SCHEMA_SQL);
  await sql.query(
    `insert into floor_lots (lot_id, account_id, remaining_minor)
     select 'lot-' || account_id, account_id, balance_minor from naive_balances
     on conflict (lot_id) do nothing`,
  );
  await sql.query("analyze floor_lots");
}

/** Charges of 1 by `concurrency` callers, grouped into one transaction per batch per lane. */
export function runFloorCharges(
  pool: SqlClient,
  options: { design: FloorDesign; accounts: number | "hot"; concurrency: number; timing: RunTiming; label: string },
): Promise<RunOutcome> {
  const { accounts, design } = options;
  const lanes = [0, 1].map(
    () =>
      new CommitLane<{ accountId: string; key: string }, true>(async (charges) => {
        const accountIds = charges.map((charge) => charge.accountId);
        await pool.transaction(async (tx) => {
          await tx.query(FLOOR_LOCK_SQL, [[...new Set(accountIds)].sort()]);
          const params: unknown[] = [accountIds, charges.map(() => "1")];
          if (design === "ledger_rows") params.push(charges.map((charge) => charge.key));
          await tx.query(STATEMENTS[design], params);
        });
        return charges.map(() => true as const);
      }, 512),
  );
  return runClosedLoop({
    concurrency: options.concurrency,
    timing: options.timing,
    async operation(caller, sequence) {
      const index = accounts === "hot" ? -1 : Math.floor(Math.random() * accounts);
      const accountId = index < 0 ? NAIVE_HOT_ACCOUNT : `naive-${index}`;
      const lane = lanes[index < 0 ? 0 : index % lanes.length] as (typeof lanes)[number];
      return lane.submit({ accountId, key: `${options.label}-${caller}-${sequence}` });
    },
  });
}
