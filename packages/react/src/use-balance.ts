import type { BalanceJson } from "./balance-json.ts";
import type { BalanceStatus } from "./balance-subscription.ts";
import { useTollgate } from "./tollgate-provider.tsx";

export interface UseBalance {
  status: BalanceStatus;
  /** The balance in `unit` (default: the account's first unit); null before the first event. */
  balance: BalanceJson | null;
  /** Every unit's balance. */
  balances: BalanceJson[] | null;
  error: Error | null;
}

/**
 * The account's balance, live: it changes when any charge, grant or hold does, through any
 * server instance, and reconnects with backoff when the stream drops.
 *
 * @example
 * const { balance, status } = useBalance("credits");
 */
export function useBalance(unit?: string): UseBalance {
  const { live } = useTollgate();
  const balances = live.balances;
  const balance = balances ? ((unit ? balances.find((row) => row.unit === unit) : balances[0]) ?? null) : null;
  return { status: live.status, balance, balances, error: live.error };
}
