import type { BalanceRow, Hold, Lot } from "./model.ts";
import { isExpired } from "./spend-order.ts";

/** A balance as a reader sees it at `now`, with what is due to expire already left out. */
export interface BalanceView {
  unit: string;
  balanceMinor: bigint;
  heldMinor: bigint;
  availableMinor: bigint;
  debtMinor: bigint;
  lots: Lot[];
}

/**
 * Reads do not write: lots and holds past their expiry that the sweeper has not reached yet
 * are discounted here, so a balance never shows credits that are already gone.
 */
export function viewBalance(row: BalanceRow, lots: Lot[], activeHolds: Hold[], now: Date): BalanceView {
  let heldMinor = row.heldMinor;
  const releasedByLot = new Map<string, bigint>();
  for (const hold of activeHolds) {
    if (hold.expiresAt.getTime() > now.getTime()) continue;
    heldMinor -= hold.amountMinor;
    for (const allocation of hold.allocations) {
      releasedByLot.set(allocation.lotId, (releasedByLot.get(allocation.lotId) ?? 0n) + allocation.amountMinor);
    }
  }
  let balanceMinor = row.balanceMinor;
  const liveLots: Lot[] = [];
  for (const lot of lots) {
    const lotHeld = lot.heldMinor - (releasedByLot.get(lot.lotId) ?? 0n);
    if (isExpired(lot, now)) {
      balanceMinor -= lot.remainingMinor - lotHeld;
      if (lotHeld > 0n) liveLots.push({ ...lot, remainingMinor: lotHeld, heldMinor: lotHeld });
    } else if (lot.remainingMinor > 0n) {
      liveLots.push({ ...lot, heldMinor: lotHeld });
    }
  }
  return {
    unit: row.unit,
    balanceMinor,
    heldMinor,
    availableMinor: balanceMinor - heldMinor,
    debtMinor: row.debtMinor,
    lots: liveLots,
  };
}
