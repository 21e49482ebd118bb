export * from "./account-directory.ts";
export * from "./api-keys.ts";
export * from "./auto-top-up/index.ts";
export * from "./balance-cache.ts";
export * from "./balance-events.ts";
export * from "./codec.ts";
export * from "./commit-lane.ts";
export * from "./commit-lane-full.ts";
export { EXTERNAL_ID_LENGTH_MAX } from "./create-account.ts";
export * from "./dashboard-sessions.ts";
export * from "./database-unavailable.ts";
export * from "./history.ts";
export * from "./http-idempotency.ts";
export type { HttpKeyInBatch, HttpKeyOutcome } from "./http-key-in-batch.ts";
export * from "./idempotency-keys.ts";
export { JOB_BACKLOG_COUNT_MAX, type JobBacklog } from "./job-backlog.ts";
export * from "./ledger.ts";
export * from "./list-accounts.ts";
export * from "./list-holds.ts";
export * from "./members.ts";
export * from "./migrate.ts";
export { idFloorAt } from "./new-id.ts";
export * from "./open-database.ts";
export * from "./overview/index.ts";
export { DEFAULT_PLAN_KEY, type DefaultPlans } from "./plans/default-plans.ts";
export {
  type ListedSubscription,
  type ListSubscriptionsOptions,
  SUBSCRIPTIONS_PAGE_MAX,
  type SubscriptionsPage,
} from "./plans/list-subscriptions.ts";
export { planFromJson, planHash, planToJson } from "./plans/plan-json.ts";
export type { PlanVersionCount } from "./plans/plan-version-counts.ts";
export type { SubscriptionRead } from "./plans/subscription-reads.ts";
export type { GrantPreview } from "./preview-grants.ts";
export * from "./reads.ts";
export * from "./reconcile.ts";
export * from "./reservation-in-doubt.ts";
export * from "./server-instances.ts";
export * from "./sql-client.ts";
export * from "./stripe/index.ts";
export * from "./usage-events.ts";
export * from "./webhooks/index.ts";
