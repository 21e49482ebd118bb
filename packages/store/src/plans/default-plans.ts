import type { AccountType, PlanCatalog, PlanVersion, SubscribeOperation } from "@tollgate/core";
import { RESERVED_KEY_PREFIX } from "../idempotency-keys.ts";

/** Per account type, the plan version a new account of that type is subscribed to. */
export type DefaultPlans = ReadonlyMap<AccountType, PlanVersion>;

/** The reserved idempotency key of the subscription to a default plan, made with the account. */
export const DEFAULT_PLAN_KEY = `${RESERVED_KEY_PREFIX}default-plan`;

/**
 * The default plans of a catalog as stored versions, from what `syncPlanVersions` returned.
 * Throws when a default plan has no version: the catalog was not synced first.
 */
export function defaultPlansOf(
  catalog: PlanCatalog,
  versions: ReadonlyMap<string, PlanVersion>,
): Map<AccountType, PlanVersion> {
  const defaults = new Map<AccountType, PlanVersion>();
  for (const [type, planId] of Object.entries(catalog.defaultPlans) as Array<[AccountType, string]>) {
    const version = versions.get(planId);
    if (!version) throw new Error(`the default plan "${planId}" was not stored`);
    defaults.set(type, version);
  }
  return defaults;
}

/**
 * The subscription a new account of `type` starts with, as an operation on `accountId`: its
 * type's default plan under the reserved key, so it is made once, with the account; null when
 * the type has no default plan.
 *
 * @example
 * defaultPlanOp(defaults, { accountId: "acct_…", type: "user" }) // { kind: "subscribe", plan: free, … }
 */
export function defaultPlanOp(
  defaults: DefaultPlans | undefined,
  account: { accountId: string; type: AccountType },
): SubscribeOperation | null {
  const version = defaults?.get(account.type);
  if (!version) return null;
  return {
    kind: "subscribe",
    account: { accountId: account.accountId },
    plan: version.plan,
    planVersion: version.planVersion,
    idempotencyKey: DEFAULT_PLAN_KEY,
  };
}
