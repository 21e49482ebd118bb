import { readBalances, type SqlClient } from "@tollgate/store";

/** An account's totals per unit, as an app's `getTokenStats()` helper shows them. */
export interface AccountStats {
  totalBalanceMinor: bigint;
  totalUsedMinor: bigint;
  totalAllocatedMinor: bigint;
  byUnit: Array<{
    unit: string;
    scale: number;
    balanceMinor: bigint;
    availableMinor: bigint;
    /** Charged and settled, less what was refunded. */
    usedMinor: bigint;
    /** Granted, from every source. */
    allocatedMinor: bigint;
  }>;
  /** When the plan next allocates: the end of an active subscription's period; null without one. */
  refreshDate: Date | null;
}

/**
 * Balance, used and allocated per unit, over the account's life, and their totals. Totals
 * add units together as a per-feature workspace does (its units are all whole feature counts); a
 * deployment mixing scales should read `byUnit`.
 */
export async function accountStats(
  sql: SqlClient,
  query: {
    accountId: string;
    units: ReadonlyMap<string, { scale: number }>;
    now: Date;
    /** The subscription's period end (`Ledger.getSubscription`), read by the caller: metering reads no plan table. */
    refreshDate?: Date | null;
  },
): Promise<AccountStats> {
  const balances = (await readBalances(sql, query.accountId, { now: query.now })) ?? [];
  const flows = await sql.query<{ unit: string; used_minor: bigint; allocated_minor: bigint }>(
    `select e.unit,
       coalesce(-sum(e.amount_minor) filter (where t.kind in ('charge', 'settle', 'refund')), 0) as used_minor,
       coalesce(sum(e.amount_minor) filter (where t.kind = 'grant'), 0) as allocated_minor
     from entries e join transactions t on t.transaction_id = e.transaction_id
     where e.account_id = $1 group by e.unit`,
    [query.accountId],
  );
  const units = new Set([...balances.map((view) => view.unit), ...flows.map((row) => row.unit)]);
  const byUnit = [...units].sort().map((unit) => {
    const view = balances.find((candidate) => candidate.unit === unit);
    const flow = flows.find((row) => row.unit === unit);
    return {
      unit,
      scale: query.units.get(unit)?.scale ?? 0,
      balanceMinor: view?.balanceMinor ?? 0n,
      availableMinor: view?.availableMinor ?? 0n,
      usedMinor: BigInt(flow?.used_minor ?? 0n),
      allocatedMinor: BigInt(flow?.allocated_minor ?? 0n),
    };
  });
  const total = (pick: (row: (typeof byUnit)[number]) => bigint) => byUnit.reduce((sum, row) => sum + pick(row), 0n);
  return {
    totalBalanceMinor: total((row) => row.balanceMinor),
    totalUsedMinor: total((row) => row.usedMinor),
    totalAllocatedMinor: total((row) => row.allocatedMinor),
    byUnit,
    refreshDate: query.refreshDate ?? null,
  };
}
