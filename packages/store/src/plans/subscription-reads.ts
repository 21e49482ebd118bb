import { type PlanDefinition, type PlanVersion, type SubscriptionView, subscriptionView } from "@tollgate/core";
import type { SqlClient } from "../sql-client.ts";
import { type PlanJson, planFromJson } from "./plan-json.ts";
import {
  SUBSCRIPTION_FROM,
  SUBSCRIPTION_JSON_FIELDS,
  type SubscriptionJson,
  subscriptionFromJson,
} from "./subscription-rows.ts";

/** A subscription as read: its view, with the definition of its plan version (and of a pending change). */
export interface SubscriptionRead extends SubscriptionView {
  plan: PlanDefinition;
  pendingPlan: PlanDefinition | null;
}

/**
 * The account's subscription as stored (canceled ones included), or null when it never had
 * one. A period that ended is renewed by the next operation on the account or by the renewal
 * job; until then the stored period is the one shown.
 */
export async function readSubscription(sql: SqlClient, accountId: string): Promise<SubscriptionRead | null> {
  const [row] = await sql.query<{ subscription: SubscriptionJson }>(
    `select json_build_object(${SUBSCRIPTION_JSON_FIELDS}) as subscription from ${SUBSCRIPTION_FROM}
     where s.account_id = $1`,
    [accountId],
  );
  if (!row) return null;
  const state = subscriptionFromJson(row.subscription);
  return { ...subscriptionView(state), plan: state.plan, pendingPlan: state.pendingChange?.plan ?? null };
}

/** Active subscriptions whose period ended by `now`, soonest first, at most `limit`. */
export async function dueSubscriptionAccounts(sql: SqlClient, query: { now: Date; limit: number }): Promise<string[]> {
  const rows = await sql.query<{ account_id: string }>(
    `select account_id from subscriptions where status = 'active' and period_end <= $1
     order by period_end, account_id limit $2`,
    [query.now.toISOString(), query.limit],
  );
  return rows.map((row) => row.account_id);
}

/** A stored version of a plan (the latest when `version` is absent); null when there is none. */
export async function readPlanVersion(sql: SqlClient, planId: string, version?: number): Promise<PlanVersion | null> {
  const [row] = await sql.query<{ version: number; definition: PlanJson }>(
    `select version, definition from plan_versions where plan_id = $1 and ($2::integer is null or version = $2)
     order by version desc limit 1`,
    [planId, version ?? null],
  );
  return row ? { planId, planVersion: Number(row.version), plan: planFromJson(row.definition) } : null;
}

/** Accounts on another version of `planId` than `version`, not canceled, at most `limit`. */
export async function subscribersOffVersion(
  sql: SqlClient,
  query: { planId: string; version: number; limit: number },
): Promise<string[]> {
  const rows = await sql.query<{ account_id: string }>(
    `select account_id from subscriptions where plan_id = $1 and plan_version <> $2 and status <> 'canceled'
     order by account_id limit $3`,
    [query.planId, query.version, query.limit],
  );
  return rows.map((row) => row.account_id);
}
