/** A plan as the HTTP API answers it (`GET /v1/plans`). */
export interface PlanJson {
  id: string;
  name: string;
  version: number;
  price: { amount: string; currency: string } | null;
  period: { every: string; anchor: string; timeZone: string };
  allocations: Array<{ unit: string; amount: string; renewal: string; rolloverCap: string | null }>;
  models: { allow: string[] | null; deny: string[] };
  features: { allow: string[] | null; deny: string[] };
  overage: { policy: string; unit?: string; limit?: string };
  downgrade: string;
  cancel: string;
  versions?: Array<{ version: number; createdAt: string; subscribers: number }>;
}

/** A subscription as the HTTP API answers it (`GET /v1/accounts/{account}/subscription`). */
export interface SubscriptionJson {
  id: string;
  accountId: string;
  plan: string;
  planVersion: number;
  status: string;
  periodStart: string;
  periodEnd: string;
  pendingChange: { plan: string; planVersion: number } | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
}

/** "20.00 usd", or "free". */
export const priceLabel = (price: PlanJson["price"]): string => (price ? `${price.amount} ${price.currency}` : "free");

/** "1000 credits (rollover, cap 500) + 2.50 usd (reset) per month". */
export function allocationLabel(plan: Pick<PlanJson, "allocations" | "period">): string {
  const parts = plan.allocations.map(
    (allocation) =>
      `${allocation.amount} ${allocation.unit} (${allocation.renewal}${allocation.rolloverCap === null ? "" : `, cap ${allocation.rolloverCap}`})`,
  );
  return `${parts.length === 0 ? "nothing" : parts.join(" + ")} per ${plan.period.every}`;
}

/** The lines of `plans show`: the plan, its rules and its stored versions. */
export function planLines(plan: PlanJson): string[] {
  const access = (rule: PlanJson["models"]) =>
    `${rule.allow === null ? "all" : rule.allow.join(", ")}${rule.deny.length > 0 ? `, except ${rule.deny.join(", ")}` : ""}`;
  return [
    `${plan.id} (${plan.name}), version ${plan.version}: ${priceLabel(plan.price)}`,
    `  grants ${allocationLabel(plan)}, ${plan.period.anchor} periods in ${plan.period.timeZone}`,
    `  models: ${access(plan.models)}; features: ${access(plan.features)}`,
    `  overage: ${plan.overage.policy === "allow" ? `allowed to -${plan.overage.limit} ${plan.overage.unit}` : "blocked"}; downgrades ${plan.downgrade}, cancellations ${plan.cancel}`,
    ...(plan.versions ?? []).map(
      (version) => `  v${version.version}: ${version.subscribers} subscriber(s), stored ${version.createdAt}`,
    ),
  ];
}

/** The lines of `subscriptions show` and of each subscription write. */
export function subscriptionLines(subscription: SubscriptionJson): string[] {
  return [
    `${subscription.accountId}: ${subscription.plan} v${subscription.planVersion}, ${subscription.status}`,
    `  period ${subscription.periodStart} to ${subscription.periodEnd}`,
    ...(subscription.pendingChange
      ? [
          `  changes to ${subscription.pendingChange.plan} v${subscription.pendingChange.planVersion} at the period's end`,
        ]
      : []),
    ...(subscription.cancelAtPeriodEnd ? ["  cancels at the period's end"] : []),
    ...(subscription.canceledAt ? [`  canceled ${subscription.canceledAt}`] : []),
  ];
}
