import type { Lot } from "./model.ts";

/**
 * The documented spend order: lower priority first, then soonest expiry (no expiry last),
 * then oldest, then lot id so the order is total and the same on every run.
 */
export function compareSpendOrder(a: Lot, b: Lot): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const aExpiry = a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const bExpiry = b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (aExpiry !== bExpiry) return aExpiry < bExpiry ? -1 : 1;
  const aCreated = a.createdAt.getTime();
  const bCreated = b.createdAt.getTime();
  if (aCreated !== bCreated) return aCreated - bCreated;
  return a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0;
}

export function isExpired(lot: Lot, now: Date): boolean {
  return lot.expiresAt !== null && lot.expiresAt.getTime() <= now.getTime();
}

/** Lots of a unit that can be drawn now, in spend order. */
export function spendableLots(lots: Iterable<Lot>, unit: string, now: Date): Lot[] {
  const result: Lot[] = [];
  for (const lot of lots) {
    if (lot.unit === unit && !isExpired(lot, now) && lot.remainingMinor > lot.heldMinor) result.push(lot);
  }
  return result.sort(compareSpendOrder);
}
