import type { SqlClient, SqlExecutor } from "../sql-client.ts";
import { type FailingWebhooks, readFailingWebhooks } from "./failing-webhooks.ts";
import { readUsageTotals, type UsageWindow } from "./usage-totals.ts";

/** What customers hold in one unit: the sum of their balances (system accounts left out). */
export interface OutstandingBalance {
  unit: string;
  /** Customer accounts with a balance row in this unit. */
  accounts: number;
  /** The sum of the customers' balances: the credits issued and not yet spent or expired. */
  balanceMinor: bigint;
  /** Of it, reserved by active holds. */
  heldMinor: bigint;
  /** Debt recorded against customers (an overrun allowed by an overdraft limit). */
  debtMinor: bigint;
}

/** The active holds in one unit. */
export interface ActiveHolds {
  unit: string;
  holds: number;
  amountMinor: bigint;
}

/** The deployment at a glance, for the operator's dashboard (`GET /v1/overview`). */
export interface Overview {
  now: Date;
  outstanding: OutstandingBalance[];
  activeHolds: ActiveHolds[];
  /** Usage since the start of today in the asked time zone. */
  today: UsageWindow;
  /** Usage of the 30 days (720 hours) before `now`. */
  last30Days: UsageWindow;
  webhooks: FailingWebhooks;
}

export interface OverviewOptions {
  now: Date;
  /** Where "today" begins (an IANA name, already checked by the caller). Default UTC. */
  timeZone?: string;
}

const DAY_MS = 86_400_000;

/**
 * Reads the overview: balances and holds per unit, usage today and over 30 days, and failing
 * webhooks. Amounts are never added across units; USD figures are exact decimal strings. On a
 * `SqlClient` every figure reads one snapshot (a repeatable-read, read-only transaction), so the
 * held amount of the balances always equals the active holds' beside it.
 *
 * @example
 * const overview = await readOverview(ledger.sql, { now: new Date(), timeZone: "Europe/Paris" });
 * overview.outstanding[0]; // { unit: "credits", accounts: 3, balanceMinor: 29700n, … }
 */
export async function readOverview(sql: SqlExecutor | SqlClient, options: OverviewOptions): Promise<Overview> {
  // Block ranges filled since the last summary are otherwise read whole by every window; this
  // summarizes only those (none, most times), outside the read-only snapshot, as it writes the index.
  await sql.query(
    "select brin_summarize_new_values(index) from to_regclass('usage_events_created_at') index where index is not null",
  );
  if (!("transaction" in sql)) return readFigures(sql, options);
  return sql.transaction(async (tx) => {
    await tx.query("set transaction isolation level repeatable read, read only");
    return readFigures(tx, options);
  });
}

async function readFigures(sql: SqlExecutor, options: OverviewOptions): Promise<Overview> {
  const { now } = options;
  const [startOfToday] = await sql.query<{ at: Date }>(
    "select date_trunc('day', $1::timestamptz at time zone $2) at time zone $2 as at",
    [now.toISOString(), options.timeZone ?? "UTC"],
  );
  if (!startOfToday) throw new Error("the start of today query returned no row");
  const outstanding = await sql.query<{ unit: string; accounts: number; balance: bigint; held: bigint; debt: bigint }>(
    `select b.unit, count(*)::int as accounts, sum(b.balance_minor) as balance, sum(b.held_minor) as held,
       sum(b.debt_minor) as debt
     from balances b join accounts a on a.account_id = b.account_id
     where a.type <> 'system' group by b.unit order by b.unit`,
  );
  const holds = await sql.query<{ unit: string; holds: number; amount: bigint }>(
    `select unit, count(*)::int as holds, sum(amount_minor) as amount
     from holds where status = 'active' group by unit order by unit`,
  );
  return {
    now,
    outstanding: outstanding.map((row) => ({
      unit: row.unit,
      accounts: row.accounts,
      balanceMinor: BigInt(row.balance),
      heldMinor: BigInt(row.held),
      debtMinor: BigInt(row.debt),
    })),
    activeHolds: holds.map((row) => ({ unit: row.unit, holds: row.holds, amountMinor: BigInt(row.amount) })),
    today: await readUsageTotals(sql, { from: new Date(startOfToday.at), to: now }),
    last30Days: await readUsageTotals(sql, { from: new Date(now.getTime() - 30 * DAY_MS), to: now }),
    webhooks: await readFailingWebhooks(sql),
  };
}
