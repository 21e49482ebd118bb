import type { SqlExecutor } from "./sql-client.ts";

/** The most rows each backlog count reads: a count past it reads as this (a limit on everything). */
export const JOB_BACKLOG_COUNT_MAX = 100_000;

/**
 * What the background jobs have yet to do, read from the database at `now`: the same rows each
 * job's next pass takes, so it is the same on every instance, whether a server runs or not.
 * Each count stops at `JOB_BACKLOG_COUNT_MAX`.
 */
export interface JobBacklog {
  /** Active subscriptions whose period has ended: the renewal job's (or the next operation's). */
  renewalsDue: number;
  /** Active holds past their expiry, not yet released: the expiry sweep's. */
  holdsPastExpiry: number;
  /** Lots past their expiry with credits left, not yet expired: the expiry sweep's. */
  lotsPastExpiry: number;
  /** Webhook deliveries not yet succeeded or failed for good. */
  deliveriesPending: number;
  /** Of those, the ones due now (the rest wait for their retry time): the dispatcher's. */
  deliveriesDue: number;
}

/**
 * Counts the backlog in one statement, each count bounded so a large backlog reads quickly.
 *
 * @example
 * await readJobBacklog(ledger.sql, new Date()); // { renewalsDue: 0, holdsPastExpiry: 2, … }
 */
export async function readJobBacklog(sql: SqlExecutor, now: Date): Promise<JobBacklog> {
  const bounded = (query: string) => `(select count(*)::int from (${query} limit ${JOB_BACKLOG_COUNT_MAX}) bounded)`;
  const [row] = await sql.query<Record<keyof JobBacklog, number>>(
    `select
       ${bounded("select 1 from subscriptions where status = 'active' and period_end <= $1")} as "renewalsDue",
       ${bounded("select 1 from holds where status = 'active' and expires_at <= $1")} as "holdsPastExpiry",
       ${bounded("select 1 from lots where live and expires_at <= $1 and remaining_minor > held_minor")} as "lotsPastExpiry",
       ${bounded("select 1 from webhook_deliveries where status = 'pending'")} as "deliveriesPending",
       ${bounded("select 1 from webhook_deliveries where status = 'pending' and next_attempt_at <= $1")} as "deliveriesDue"`,
    [now.toISOString()],
  );
  if (!row) throw new Error("the backlog query returned no row");
  return {
    renewalsDue: Number(row.renewalsDue),
    holdsPastExpiry: Number(row.holdsPastExpiry),
    lotsPastExpiry: Number(row.lotsPastExpiry),
    deliveriesPending: Number(row.deliveriesPending),
    deliveriesDue: Number(row.deliveriesDue),
  };
}
