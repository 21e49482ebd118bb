import {
  type AccountState,
  availableOf,
  type BatchContext,
  balanceRowOf,
  markBalance,
  markLot,
} from "../account-state.ts";
import type { SystemAccountId } from "../ids.ts";
import type { HoldAllocation, Lot, TransactionKind, TransactionRecord } from "../model.ts";
import { minBigint } from "../money.ts";
import type { BalanceAfter } from "../operations.ts";
import { spendableLots } from "../spend-order.ts";

/** Opens a transaction record; its entries follow and must sum to zero. */
export function openTransaction(
  ctx: BatchContext,
  fields: {
    accountId: string;
    kind: TransactionKind;
    unit: string;
    amountMinor: bigint;
    idempotencyKey: string | null;
    reversesTransactionId?: string | null;
    holdId?: string | null;
    memberAccountId?: string | null;
    reason?: string | null;
  },
): TransactionRecord {
  const record: TransactionRecord = {
    transactionId: ctx.newId("transaction"),
    reversesTransactionId: null,
    holdId: null,
    memberAccountId: null,
    reason: null,
    ...fields,
    createdAt: ctx.now,
  };
  ctx.writes.transactions.push(record);
  return record;
}

/**
 * Posts one customer entry: moves the balance, the lot (or the debt, when `lot` is null:
 * a negative debt entry is money owed) and the version, and records before and after.
 */
export function postCustomerEntry(
  ctx: BatchContext,
  state: AccountState,
  transaction: TransactionRecord,
  amountMinor: bigint,
  lot: Lot | null,
): void {
  const row = balanceRowOf(state, transaction.unit);
  const before = row.balanceMinor;
  row.balanceMinor = before + amountMinor;
  row.version += 1n;
  if (lot) {
    lot.remainingMinor += amountMinor;
    markLot(ctx, state, lot);
  } else {
    row.debtMinor -= amountMinor;
  }
  markBalance(ctx, state, row);
  ctx.writes.entries.push({
    transactionId: transaction.transactionId,
    accountId: state.account.accountId,
    unit: transaction.unit,
    amountMinor,
    lotId: lot?.lotId ?? null,
    balanceBeforeMinor: before,
    balanceAfterMinor: row.balanceMinor,
    version: row.version,
    createdAt: ctx.now,
  });
}

/** The other side of customer entries: system accounts keep no running balance. */
export function postSystemEntry(
  ctx: BatchContext,
  transaction: TransactionRecord,
  accountId: SystemAccountId,
  amountMinor: bigint,
): void {
  ctx.writes.entries.push({
    transactionId: transaction.transactionId,
    accountId,
    unit: transaction.unit,
    amountMinor,
    lotId: null,
    balanceBeforeMinor: null,
    balanceAfterMinor: null,
    version: null,
    createdAt: ctx.now,
  });
}

/**
 * Draws up to `amountMinor` from the unheld part of spendable lots, in spend order.
 * Returns what could not be drawn; the caller has already checked what is available.
 */
export function drawFromLots(
  ctx: BatchContext,
  state: AccountState,
  transaction: TransactionRecord,
  amountMinor: bigint,
): bigint {
  let left = amountMinor;
  for (const lot of spendableLots(state.lots.values(), transaction.unit, ctx.now)) {
    if (left === 0n) break;
    const free = lot.remainingMinor - lot.heldMinor;
    const take = minBigint(free, left);
    postCustomerEntry(ctx, state, transaction, -take, lot);
    left -= take;
  }
  return left;
}

/** Reserves `amountMinor` across spendable lots in spend order; the caller checked it fits. */
export function reserveLots(
  ctx: BatchContext,
  state: AccountState,
  unit: string,
  amountMinor: bigint,
): HoldAllocation[] {
  const allocations: HoldAllocation[] = [];
  let left = amountMinor;
  for (const lot of spendableLots(state.lots.values(), unit, ctx.now)) {
    if (left === 0n) break;
    const free = lot.remainingMinor - lot.heldMinor;
    const take = minBigint(free, left);
    lot.heldMinor += take;
    markLot(ctx, state, lot);
    allocations.push({ lotId: lot.lotId, amountMinor: take });
    left -= take;
  }
  if (left !== 0n) throw new Error(`reserveLots: ${left} left unreserved; available was checked`);
  return allocations;
}

export function balanceAfter(state: AccountState, unit: string): BalanceAfter {
  const row = balanceRowOf(state, unit);
  return {
    accountId: state.account.accountId,
    unit,
    balanceMinor: row.balanceMinor,
    heldMinor: row.heldMinor,
    availableMinor: availableOf(row),
  };
}
