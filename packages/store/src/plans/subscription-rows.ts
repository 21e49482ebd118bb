import type { SubscriptionState, SubscriptionStatus } from "@tollgate/core";
import { type PlanJson, planFromJson } from "./plan-json.ts";

/**
 * A subscription with its plan's definitions (current and pending), as `json_build_object`
 * fields over `subscriptions s` joined to `plan_versions p` (current) and `q` (pending,
 * left join): what a batch loads with the rest of its accounts' state, in the same statement.
 */
export const SUBSCRIPTION_JSON_FIELDS = `'account_id', s.account_id, 'subscription_id', s.subscription_id,
  'plan_id', s.plan_id, 'plan_version', s.plan_version, 'definition', p.definition, 'status', s.status,
  'anchor_at', s.anchor_at, 'period_start', s.period_start, 'period_end', s.period_end,
  'pending_plan_id', s.pending_plan_id, 'pending_plan_version', s.pending_plan_version,
  'pending_definition', q.definition, 'cancel_at_period_end', s.cancel_at_period_end,
  'canceled_at', s.canceled_at, 'version', s.version::text, 'created_at', s.created_at`;

/** The tables the fields above read from; a `where` on `s` follows. */
export const SUBSCRIPTION_FROM = `subscriptions s
  join plan_versions p on p.plan_id = s.plan_id and p.version = s.plan_version
  left join plan_versions q on q.plan_id = s.pending_plan_id and q.version = s.pending_plan_version`;

export interface SubscriptionJson {
  account_id: string;
  subscription_id: string;
  plan_id: string;
  plan_version: number;
  definition: PlanJson;
  status: SubscriptionStatus;
  anchor_at: string;
  period_start: string;
  period_end: string;
  pending_plan_id: string | null;
  pending_plan_version: number | null;
  pending_definition: PlanJson | null;
  cancel_at_period_end: boolean;
  canceled_at: string | null;
  version: string;
  created_at: string;
}

/** A loaded row as the core's state. */
export function subscriptionFromJson(row: SubscriptionJson): SubscriptionState {
  const pending =
    row.pending_plan_id !== null && row.pending_plan_version !== null && row.pending_definition !== null
      ? {
          planId: row.pending_plan_id,
          planVersion: row.pending_plan_version,
          plan: planFromJson(row.pending_definition),
        }
      : null;
  return {
    subscriptionId: row.subscription_id,
    planId: row.plan_id,
    planVersion: row.plan_version,
    plan: planFromJson(row.definition),
    status: row.status,
    anchorAt: new Date(row.anchor_at),
    periodStart: new Date(row.period_start),
    periodEnd: new Date(row.period_end),
    pendingChange: pending,
    cancelAtPeriodEnd: row.cancel_at_period_end,
    canceledAt: row.canceled_at === null ? null : new Date(row.canceled_at),
    createdAt: new Date(row.created_at),
    version: Number(row.version),
  };
}
