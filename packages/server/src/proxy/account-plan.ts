import { type AccountRef, type PlanDefinition, planInForce } from "@tollgate/core";
import type { Ledger } from "@tollgate/store";

/**
 * The plan whose rules bind the account's next call, read without writing: its subscription's
 * plan while in force; once its period has ended, what the next operation will find (a pending
 * downgrade, or no plan after a cancellation at the period's end); and for an account not yet
 * opened, its type's default plan, which its first call subscribes it to. Null: no plan
 * restricts it.
 *
 * @example
 * const plan = await accountPlan(ledger, { type: "user", externalId: "alice" }); // the "free" plan, or null
 */
export async function accountPlan(
  ledger: Pick<Ledger, "accounts" | "getSubscription" | "defaultPlans" | "now">,
  account: AccountRef,
): Promise<PlanDefinition | null> {
  const accountId = await ledger.accounts.findId(account);
  if (!accountId) return "type" in account ? (ledger.defaultPlans.get(account.type)?.plan ?? null) : null;
  const subscription = await ledger.getSubscription({ accountId });
  if (!subscription) return null;
  if (subscription.status !== "canceled" && subscription.periodEnd <= ledger.now()) {
    if (subscription.cancelAtPeriodEnd) return null;
    if (subscription.pendingPlan) return subscription.pendingPlan;
  }
  return planInForce(subscription);
}
