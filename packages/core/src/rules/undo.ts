import {
  type AccountState,
  availableOf,
  type BatchContext,
  balanceRowOf,
  markMember,
  type PriorTransaction,
} from "../account-state.ts";
import { SYSTEM_ACCOUNTS, type SystemAccountId } from "../ids.ts";
import type { TransactionKind, TransactionRecord } from "../model.ts";
import { maxBigint, minBigint } from "../money.ts";
import type { RefundOperation, ReverseOperation, TransactionOutcome } from "../operations.ts";
import { type Failure, fail, type Result, succeed } from "../result-codes.ts";
import { checkAmount, checkBalanceLimit } from "./checks.ts";
import { newLot } from "./grant.ts";
import { balanceAfter, openTransaction, postCustomerEntry, postSystemEntry } from "./posting.ts";

/** Where the credits of each kind of draw went, and so where an undo takes them from. */
const DRAW_COUNTERPARTS: Partial<Record<TransactionKind, SystemAccountId>> = {
  charge: SYSTEM_ACCOUNTS.consumption,
  settle: SYSTEM_ACCOUNTS.consumption,
  deduction: SYSTEM_ACCOUNTS.adjustment,
};

/** Returns part or all of a charge or settlement to the lots it drew from. */
export function applyRefund(
  ctx: BatchContext,
  state: AccountState,
  op: RefundOperation,
  prior: PriorTransaction | undefined,
): Result<TransactionOutcome> {
  if (op.amountMinor !== undefined) {
    const badAmount = checkAmount(op.amountMinor);
    if (badAmount) return badAmount;
  }
  if (!prior) return fail("transaction_not_found");
  const { kind } = prior.record;
  if (kind !== "charge" && kind !== "settle") {
    return fail("transaction_not_refundable", { message: `a ${kind} cannot be refunded; reverse it instead` });
  }
  if (prior.reversed) return fail("transaction_already_reversed");
  const leftMinor = prior.record.amountMinor - prior.refundedMinor;
  const amountMinor = op.amountMinor ?? leftMinor;
  if (amountMinor > leftMinor || amountMinor === 0n) {
    return fail("refund_exceeds_charge", { requiredMinor: amountMinor, availableMinor: leftMinor });
  }
  const overLimit = checkBalanceLimit(state, prior.record.unit, amountMinor);
  if (overLimit) return overLimit;

  const transaction = undoTransaction(ctx, "refund", prior, amountMinor, op.idempotencyKey, op.reason ?? null);
  returnDraw(ctx, state, transaction, prior, amountMinor);
  return succeed({ ...balanceAfter(state, transaction.unit), transactionId: transaction.transactionId, amountMinor });
}

/**
 * Undoes a whole transaction once. A draw (charge, settlement, deduction) returns whatever
 * refunds have not; a grant takes back its lot, which must not have been spent or held.
 */
export function applyReverse(
  ctx: BatchContext,
  state: AccountState,
  op: ReverseOperation,
  prior: PriorTransaction | undefined,
): Result<TransactionOutcome> {
  if (!op.reason?.trim()) return fail("reason_required", { message: "a reversal needs a reason" });
  if (!prior) return fail("transaction_not_found");
  const { kind } = prior.record;
  if (kind !== "grant" && DRAW_COUNTERPARTS[kind] === undefined) {
    return fail("transaction_not_reversible", { message: `a ${kind} cannot be reversed` });
  }
  if (prior.reversed) return fail("transaction_already_reversed");

  if (kind === "grant") return reverseGrant(ctx, state, op, prior);
  const leftMinor = prior.record.amountMinor - prior.refundedMinor;
  if (leftMinor === 0n) {
    return fail("refund_exceeds_charge", { message: "everything was refunded already", availableMinor: 0n });
  }
  const overLimit = checkBalanceLimit(state, prior.record.unit, leftMinor);
  if (overLimit) return overLimit;
  const transaction = undoTransaction(ctx, "reversal", prior, leftMinor, op.idempotencyKey, op.reason);
  returnDraw(ctx, state, transaction, prior, leftMinor);
  prior.reversed = true;
  return succeed({
    ...balanceAfter(state, transaction.unit),
    transactionId: transaction.transactionId,
    amountMinor: leftMinor,
  });
}

function reverseGrant(
  ctx: BatchContext,
  state: AccountState,
  op: ReverseOperation,
  prior: PriorTransaction,
): Result<TransactionOutcome> {
  const mirror = netByLot(state, prior, -1n);
  // What claw-backs have not taken back already (all of the grant when there were none).
  const amountMinor = -[...mirror.values()].reduce((sum, amount) => sum + amount, 0n);
  if (amountMinor <= 0n) {
    return fail("refund_exceeds_charge", { message: "claw-backs took all of it already", availableMinor: 0n });
  }
  const blocked = checkTakeBack(state, prior.record.unit, mirror);
  if (blocked) return blocked;
  const transaction = undoTransaction(ctx, "reversal", prior, amountMinor, op.idempotencyKey, op.reason);
  for (const [lotId, amount] of mirror) {
    if (amount !== 0n) postCustomerEntry(ctx, state, transaction, amount, lotId === null ? null : lotOf(state, lotId));
  }
  postSystemEntry(ctx, transaction, SYSTEM_ACCOUNTS.issuance, amountMinor);
  prior.reversed = true;
  recordUndo(ctx, prior, transaction);
  return succeed({ ...balanceAfter(state, transaction.unit), transactionId: transaction.transactionId, amountMinor });
}

/** A grant can be taken back only from what its lot still has free, within what is available. */
function checkTakeBack(state: AccountState, unit: string, mirror: Map<string | null, bigint>): Failure | null {
  let takenMinor = 0n;
  for (const [lotId, amount] of mirror) {
    if (amount >= 0n) continue;
    takenMinor -= amount;
    if (lotId === null) continue;
    const lot = lotOf(state, lotId);
    const free = lot.remainingMinor - lot.heldMinor;
    if (-amount > free) {
      return fail("insufficient_credits", {
        requiredMinor: -amount,
        availableMinor: maxBigint(free, 0n),
        message: "part of this grant was already spent or is held",
      });
    }
  }
  const available = availableOf(balanceRowOf(state, unit));
  const net = [...mirror.values()].reduce((sum, amount) => sum + amount, 0n);
  if (net < 0n && -net > available) {
    return fail("insufficient_credits", { requiredMinor: takenMinor, availableMinor: maxBigint(available, 0n) });
  }
  return null;
}

function undoTransaction(
  ctx: BatchContext,
  kind: "refund" | "reversal",
  prior: PriorTransaction,
  amountMinor: bigint,
  idempotencyKey: string,
  reason: string | null,
): TransactionRecord {
  return openTransaction(ctx, {
    accountId: prior.record.accountId,
    kind,
    unit: prior.record.unit,
    amountMinor,
    idempotencyKey,
    reversesTransactionId: prior.record.transactionId,
    memberAccountId: prior.record.memberAccountId,
    reason,
  });
}

/**
 * Returns `amountMinor` of a draw to the lots it came from, latest-drawn first. Debt it
 * created is forgiven; where that debt was since repaid, the credits come back as a new
 * `refund` lot. A lot that has expired meanwhile takes them and the sweep expires them.
 */
function returnDraw(
  ctx: BatchContext,
  state: AccountState,
  transaction: TransactionRecord,
  prior: PriorTransaction,
  amountMinor: bigint,
): void {
  const drawn = [...netByLot(state, prior, -1n)].reverse();
  let left = amountMinor;
  for (const [lotId, drawnMinor] of drawn) {
    const take = minBigint(drawnMinor, left);
    if (take <= 0n) continue;
    left -= take;
    if (lotId !== null) {
      postCustomerEntry(ctx, state, transaction, take, lotOf(state, lotId));
      continue;
    }
    const forgiven = minBigint(take, balanceRowOf(state, transaction.unit).debtMinor);
    if (forgiven > 0n) postCustomerEntry(ctx, state, transaction, forgiven, null);
    if (take > forgiven) {
      const lot = newLot(ctx, state, {
        unit: transaction.unit,
        source: "refund",
        priority: ctx.config.sourcePriorities.refund,
        expiresAt: null,
        transactionId: transaction.transactionId,
      });
      lot.grantedMinor = take - forgiven;
      postCustomerEntry(ctx, state, transaction, take - forgiven, lot);
    }
  }
  if (left !== 0n) throw new Error(`returnDraw: ${left} of ${amountMinor} had no lot to return to`);
  const counterpart = DRAW_COUNTERPARTS[prior.record.kind];
  if (!counterpart) throw new Error(`returnDraw on a ${prior.record.kind}`);
  postSystemEntry(ctx, transaction, counterpart, -amountMinor);
  prior.refundedMinor += amountMinor;
  const limit = prior.record.memberAccountId
    ? state.members.get(prior.record.memberAccountId)?.get(prior.record.unit)
    : undefined;
  if (limit) {
    limit.spentMinor -= minBigint(amountMinor, limit.spentMinor);
    markMember(ctx, state, limit);
  }
  recordUndo(ctx, prior, transaction);
}

/**
 * The customer side of a transaction and its undos so far, per lot (null: debt), times `sign`.
 * An undo's entry on a lot the transaction never drew is a refund lot standing in for debt
 * that was repaid meanwhile, so it counts against the debt: otherwise a later refund would
 * return that debt again instead of what was drawn before it.
 */
function netByLot(state: AccountState, prior: PriorTransaction, sign: bigint): Map<string | null, bigint> {
  const drawnLots = new Set<string | null>();
  for (const entry of prior.entries) {
    if (entry.transactionId === prior.record.transactionId) drawnLots.add(entry.lotId);
  }
  const net = new Map<string | null, bigint>();
  for (const entry of prior.entries) {
    if (entry.accountId !== state.account.accountId) continue;
    const lotId = drawnLots.has(entry.lotId) ? entry.lotId : null;
    net.set(lotId, (net.get(lotId) ?? 0n) + sign * entry.amountMinor);
  }
  return net;
}

/** Later undos in the same batch must see this one. */
function recordUndo(ctx: BatchContext, prior: PriorTransaction, transaction: TransactionRecord): void {
  for (const entry of ctx.writes.entries) {
    if (entry.transactionId === transaction.transactionId) prior.entries.push(entry);
  }
}

function lotOf(state: AccountState, lotId: string) {
  const lot = state.lots.get(lotId);
  if (!lot) throw new Error(`lot ${lotId} of a prior transaction was not loaded`);
  return lot;
}
