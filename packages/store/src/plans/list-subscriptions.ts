import { type SubscriptionStatus, type SubscriptionView, subscriptionView } from "@tollgate/core";
import type { SqlExecutor } from "../sql-client.ts";
import {
  SUBSCRIPTION_FROM,
  SUBSCRIPTION_JSON_FIELDS,
  type SubscriptionJson,
  subscriptionFromJson,
} from "./subscription-rows.ts";

/** Most subscriptions one page of `listSubscriptions` returns. */
export const SUBSCRIPTIONS_PAGE_MAX = 200;

/** A subscription in a list across accounts: its view and the account it belongs to. */
export interface ListedSubscription extends SubscriptionView {
  accountId: string;
  accountType: "user" | "organization" | "guest";
  externalId: string;
}

export interface SubscriptionsPage {
  subscriptions: ListedSubscription[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface ListSubscriptionsOptions {
  /** Only subscriptions on this plan (any version). */
  planId?: string | null;
  status?: SubscriptionStatus | null;
  /** At most SUBSCRIPTIONS_PAGE_MAX; default 50. */
  limit?: number;
  /** The previous page's `nextCursor` (an account id). */
  after?: string | null;
}

/**
 * Subscriptions across accounts, in account id order (an account has at most one, so its id is
 * a cursor that never skips or repeats one), filtered by plan and status. Canceled ones are
 * included unless `status` says otherwise: they are history an operator looks for.
 *
 * @example
 * await listSubscriptions(sql, { planId: "pro", status: "active", limit: 20 })
 */
export async function listSubscriptions(
  sql: SqlExecutor,
  options: ListSubscriptionsOptions = {},
): Promise<SubscriptionsPage> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > SUBSCRIPTIONS_PAGE_MAX) {
    throw new RangeError(`limit must be an integer from 1 to ${SUBSCRIPTIONS_PAGE_MAX}`);
  }
  // Only the conditions that apply, as listAccounts does: a plain comparison each.
  const params: unknown[] = [];
  const where = ["true"];
  const condition = (text: (param: string) => string, value: unknown) => {
    params.push(value);
    where.push(text(`$${params.length}`));
  };
  if (options.planId != null) condition((param) => `s.plan_id = ${param}`, options.planId);
  if (options.status != null) condition((param) => `s.status = ${param}`, options.status);
  if (options.after != null) condition((param) => `s.account_id > ${param}`, options.after);
  params.push(limit + 1);
  const rows = await sql.query<{
    subscription: SubscriptionJson;
    type: ListedSubscription["accountType"];
    external_id: string;
  }>(
    `select json_build_object(${SUBSCRIPTION_JSON_FIELDS}) as subscription, a.type, a.external_id
     from ${SUBSCRIPTION_FROM} join accounts a on a.account_id = s.account_id
     where ${where.join(" and ")} order by s.account_id limit $${params.length}`,
    params,
  );
  const subscriptions = rows.slice(0, limit).map((row) => ({
    ...subscriptionView(subscriptionFromJson(row.subscription)),
    accountId: row.subscription.account_id,
    accountType: row.type,
    externalId: row.external_id,
  }));
  return { subscriptions, nextCursor: rows.length > limit ? (subscriptions.at(-1)?.accountId ?? null) : null };
}
