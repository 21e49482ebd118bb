import assert from "node:assert/strict";
import type { AccountState, BatchContext } from "../account-state.ts";
import type { Entry } from "../model.ts";

/** A deep copy of everything a failed operation must leave alone. */
export function snapshot(ctx: BatchContext): unknown {
  return structuredClone({ accounts: ctx.accounts, writes: ctx.writes });
}

/**
 * Asserts the double-entry rule on everything written so far: each transaction has at least
 * two entries and they sum to zero per unit; each customer entry's after = before + amount.
 */
export function assertBalancedEntries(ctx: BatchContext): void {
  const sums = new Map<string, { count: number; sumMinor: bigint }>();
  for (const entry of ctx.writes.entries) {
    const key = `${entry.transactionId} ${entry.unit}`;
    const sum = sums.get(key) ?? { count: 0, sumMinor: 0n };
    sum.count += 1;
    sum.sumMinor += entry.amountMinor;
    sums.set(key, sum);
    assert.notEqual(entry.amountMinor, 0n, `a zero entry in ${entry.transactionId}`);
    if (entry.balanceBeforeMinor !== null) {
      assert.equal(entry.balanceAfterMinor, entry.balanceBeforeMinor + entry.amountMinor);
    }
  }
  for (const transaction of ctx.writes.transactions) {
    const sum = sums.get(`${transaction.transactionId} ${transaction.unit}`);
    assert.ok(sum && sum.count >= 2, `transaction ${transaction.transactionId} has fewer than two entries`);
  }
  for (const [key, sum] of sums) assert.equal(sum.sumMinor, 0n, `entries of ${key} sum to ${sum.sumMinor}`);
}

/**
 * Asserts invariant 2 and 3 on an account in memory: balance = Σ entries = Σ lots' remaining −
 * debt; held = Σ active holds, and each lot's held = Σ active allocations on it.
 */
export function assertAccountConsistent(ctx: BatchContext, state: AccountState): void {
  const accountId = state.account.accountId;
  for (const row of state.balances.values()) {
    const entries = ctx.writes.entries.filter((entry) => entry.accountId === accountId && entry.unit === row.unit);
    assert.equal(row.balanceMinor, sumOf(entries), `balance of ${row.unit} = Σ entries`);
    let lotsMinor = 0n;
    for (const lot of state.lots.values()) if (lot.unit === row.unit) lotsMinor += lot.remainingMinor;
    assert.equal(row.balanceMinor, lotsMinor - row.debtMinor, `balance of ${row.unit} = Σ lots − debt`);
    let heldMinor = 0n;
    for (const hold of state.holds.values()) {
      if (hold.unit === row.unit && hold.status === "active") heldMinor += hold.amountMinor;
    }
    assert.equal(row.heldMinor, heldMinor, `held of ${row.unit} = Σ active holds`);
    assert.ok(row.debtMinor >= 0n, "debt is never negative");
  }
  const heldByLot = new Map<string, bigint>();
  for (const hold of state.holds.values()) {
    if (hold.status !== "active") continue;
    for (const allocation of hold.allocations) {
      heldByLot.set(allocation.lotId, (heldByLot.get(allocation.lotId) ?? 0n) + allocation.amountMinor);
    }
  }
  for (const lot of state.lots.values()) {
    assert.equal(lot.heldMinor, heldByLot.get(lot.lotId) ?? 0n, `held of ${lot.lotId} = Σ its allocations`);
    assert.ok(lot.remainingMinor >= lot.heldMinor && lot.heldMinor >= 0n, `${lot.lotId}: 0 ≤ held ≤ remaining`);
  }
}

function sumOf(entries: Entry[]): bigint {
  return entries.reduce((sum, entry) => sum + entry.amountMinor, 0n);
}

/** Both of the above, for every account in the batch. */
export function assertInvariants(ctx: BatchContext): void {
  assertBalancedEntries(ctx);
  for (const state of ctx.accounts.values()) assertAccountConsistent(ctx, state);
}
