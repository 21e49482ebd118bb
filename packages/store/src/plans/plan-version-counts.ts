import type { SqlClient } from "../sql-client.ts";

/** A limit on everything: more versions than one plan is ever given. */
export const PLAN_VERSIONS_LISTED_MAX = 1000;

/** One stored version of a plan and how many accounts are on it. */
export interface PlanVersionCount {
  version: number;
  createdAt: Date;
  /** Subscriptions on this version that are not canceled (active or past due). */
  subscribers: number;
}

/**
 * The stored versions of a plan, oldest first, each with its subscriber count: where
 * grandfathered subscribers are, before `migrateSubscribers` moves them. Empty when the plan was
 * never stored.
 *
 * @example
 * await planVersionCounts(sql, "pro"); // [{ version: 1, subscribers: 12, … }, { version: 2, subscribers: 3, … }]
 */
export async function planVersionCounts(sql: SqlClient, planId: string): Promise<PlanVersionCount[]> {
  const rows = await sql.query<{ version: number; created_at: Date | string; subscribers: number | string }>(
    `select v.version, v.created_at,
       (select count(*) from subscriptions s
         where s.plan_id = v.plan_id and s.plan_version = v.version and s.status <> 'canceled') as subscribers
     from plan_versions v where v.plan_id = $1 order by v.version limit $2`,
    [planId, PLAN_VERSIONS_LISTED_MAX],
  );
  return rows.map((row) => ({
    version: Number(row.version),
    createdAt: new Date(row.created_at),
    subscribers: Number(row.subscribers),
  }));
}
