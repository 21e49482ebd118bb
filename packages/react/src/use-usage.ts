import { accountPath, type TollgateApi, TollgateApiError } from "./tollgate-api.ts";
import { useTollgate } from "./tollgate-provider.tsx";
import { type ApiRead, useApiRead } from "./use-api-read.ts";

/** One unit of `GET /v1/accounts/{account}/stats`. */
export interface UnitStats {
  unit: string;
  balance: string;
  available: string;
  used: string;
  allocated: string;
}

/** The subscription fields a usage display needs (`GET …/subscription`). */
export interface SubscriptionSummary {
  plan: string;
  status: "active" | "past_due" | "canceled";
  periodStart: string;
  periodEnd: string;
  cancelAtPeriodEnd: boolean;
}

/** One group of a usage report (`GET …/usage`). */
export interface UsageGroup {
  key: string | null;
  unit: string;
  calls: number;
  charged: string;
}

export interface Usage {
  byUnit: UnitStats[];
  /** When the allocation next renews (the period's end); null: no plan renews it. */
  refreshDate: string | null;
  /** The account's subscription; null when it has none. */
  subscription: SubscriptionSummary | null;
  /** Where "this period" starts: the subscription's period, else the first of the month (UTC). */
  periodStart: string;
  /** This period's usage by model, largest charge first. */
  byModel: UsageGroup[];
}

/**
 * The account's usage this period: used and allocated per unit, the next refresh, and what
 * each model cost. Read again after every balance change, so it is as live as the balance.
 *
 * @example
 * const { data } = useUsage(); // data?.byUnit[0].used
 */
export function useUsage(): ApiRead<Usage> {
  const { api, account, live } = useTollgate();
  return useApiRead(api, (client, signal) => readUsage(client, account, signal), [account, live.version]);
}

/** The reads behind `useUsage`, for anything that is not a hook (the widget shares them). */
export async function readUsage(api: TollgateApi, account: string, signal?: AbortSignal): Promise<Usage> {
  const init = signal ? { signal } : {};
  const [stats, subscription] = await Promise.all([
    api.get<{ byUnit: UnitStats[]; refreshDate: string | null }>(accountPath(account, "/stats"), init),
    api.get<SubscriptionSummary>(accountPath(account, "/subscription"), init).catch((error: unknown) => {
      if (error instanceof TollgateApiError && error.status === 404) return null;
      throw error;
    }),
  ]);
  const live = subscription && subscription.status !== "canceled" ? subscription : null;
  const periodStart = live?.periodStart ?? startOfMonthUtc(new Date()).toISOString();
  const query = new URLSearchParams({ groupBy: "model", from: periodStart });
  const report = await api.get<{ data: UsageGroup[] }>(accountPath(account, `/usage?${query}`), init);
  return { byUnit: stats.byUnit, refreshDate: stats.refreshDate, subscription, periodStart, byModel: report.data };
}

function startOfMonthUtc(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}
