import { type AccountState, type BatchContext, balanceRowOf, markLot } from "../account-state.ts";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import { type Lot, PAID_SOURCES, type TransactionRecord } from "../model.ts";
import { minBigint } from "../money.ts";
import type { GrantOperation, GrantOutcome } from "../operations.ts";
import { fail, type Result, succeed } from "../result-codes.ts";
import { checkAmount, checkBalanceLimit, resolveUnit } from "./checks.ts";
import { balanceAfter, openTransaction, postCustomerEntry, postSystemEntry } from "./posting.ts";

/** Adds a lot to the account; any recorded debt is repaid from it first. */
export function applyGrant(ctx: BatchContext, state: AccountState, op: GrantOperation): Result<GrantOutcome> {
  const unit = resolveUnit(ctx, op.unit);
  if (typeof unit !== "string") return unit;
  const badAmount = checkAmount(op.amountMinor);
  if (badAmount) return badAmount;
  const expiresAt = op.expiresAt ?? null;
  if (expiresAt !== null && !(expiresAt.getTime() > ctx.now.getTime())) {
    return fail("invalid_expiry", { message: "a grant must expire in the future" });
  }
  if (op.source === "admin" && !op.reason?.trim()) {
    return fail("reason_required", { message: "an admin grant needs a reason" });
  }
  if (state.account.type === "guest" && PAID_SOURCES.has(op.source)) {
    return fail("guest_cannot_purchase", { message: "guests receive free allowances only" });
  }
  const overLimit = checkBalanceLimit(state, unit, op.amountMinor);
  if (overLimit) return overLimit;

  const transaction = openTransaction(ctx, {
    accountId: state.account.accountId,
    kind: "grant",
    unit,
    amountMinor: op.amountMinor,
    idempotencyKey: op.idempotencyKey,
    reason: op.reason ?? null,
  });
  const lot = newLot(ctx, state, {
    unit,
    source: op.source,
    priority: op.priority ?? ctx.config.sourcePriorities[op.source],
    expiresAt,
    transactionId: transaction.transactionId,
  });
  lot.grantedMinor = op.amountMinor;
  postCustomerEntry(ctx, state, transaction, op.amountMinor, lot);
  postSystemEntry(ctx, transaction, SYSTEM_ACCOUNTS.issuance, -op.amountMinor);
  repayDebt(ctx, state, transaction, lot);
  if (op.source === "pack") {
    ctx.writes.packGrants.push({
      accountId: state.account.accountId,
      packId: op.pack ?? null,
      transactionId: transaction.transactionId,
      lotId: lot.lotId,
    });
  }
  return succeed({
    ...balanceAfter(state, unit),
    transactionId: transaction.transactionId,
    amountMinor: op.amountMinor,
    lotId: lot.lotId,
  });
}

/** Creates an empty lot in the account; entries then fill it. */
export function newLot(
  ctx: BatchContext,
  state: AccountState,
  fields: Pick<Lot, "unit" | "source" | "priority" | "expiresAt" | "transactionId">,
): Lot {
  const lot: Lot = {
    lotId: ctx.newId("lot"),
    ...fields,
    grantedMinor: 0n,
    remainingMinor: 0n,
    heldMinor: 0n,
    createdAt: ctx.now,
  };
  state.lots.set(lot.lotId, lot);
  markLot(ctx, state, lot);
  return lot;
}

/** Moves what a lot can give into the recorded debt: the balance does not change. */
export function repayDebt(ctx: BatchContext, state: AccountState, transaction: TransactionRecord, lot: Lot): void {
  const row = balanceRowOf(state, lot.unit);
  const repaid = minBigint(row.debtMinor, lot.remainingMinor);
  if (repaid <= 0n) return;
  postCustomerEntry(ctx, state, transaction, -repaid, lot);
  postCustomerEntry(ctx, state, transaction, repaid, null);
}
