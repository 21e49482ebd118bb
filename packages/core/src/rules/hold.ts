import {
  type AccountState,
  availableOf,
  type BatchContext,
  balanceRowOf,
  markBalance,
  markHold,
  markMember,
  peekBalanceRow,
} from "../account-state.ts";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import type { Hold } from "../model.ts";
import { maxBigint, minBigint } from "../money.ts";
import type {
  AuthorizeOperation,
  HoldOutcome,
  ReleaseOperation,
  SettleOperation,
  SettleOutcome,
} from "../operations.ts";
import { settlementAllowanceMinor } from "../plans/overage.ts";
import { checkPlanAccess } from "../plans/plan-access-check.ts";
import { type Failure, fail, type Result, succeed } from "../result-codes.ts";
import { checkAmount, checkMember, resolveUnit } from "./checks.ts";
import { releaseReservation } from "./expire.ts";
import {
  balanceAfter,
  drawFromLots,
  openTransaction,
  postCustomerEntry,
  postSystemEntry,
  reserveLots,
} from "./posting.ts";

/** Reserves credits before a call: the check and the reservation are one step under the lock. */
export function applyAuthorize(
  ctx: BatchContext,
  state: AccountState,
  op: AuthorizeOperation,
  memberAccountId: string | null,
): Result<HoldOutcome> {
  const unit = resolveUnit(ctx, op.unit);
  if (typeof unit !== "string") return unit;
  const badAmount =
    checkAmount(op.amountMinor) ??
    (op.minimumAvailableMinor === undefined ? null : checkAmount(op.minimumAvailableMinor, { allowZero: true }));
  if (badAmount) return badAmount;
  const ttlMs = op.ttlMs ?? ctx.config.holdTtlMsDefault;
  if (!Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > ctx.config.holdTtlMsMax) {
    return fail("invalid_expiry", { message: `a hold lives from 1 to ${ctx.config.holdTtlMsMax} ms` });
  }
  const refused = checkPlanAccess(ctx, state, op);
  if (refused) return refused;
  const member = checkMember(
    state,
    { named: op.member !== undefined, accountId: memberAccountId },
    unit,
    op.amountMinor,
  );
  if ("failure" in member) return member.failure;
  const availableMinor = availableOf(peekBalanceRow(state, unit));
  const requiredMinor = maxBigint(op.amountMinor, op.minimumAvailableMinor ?? 0n);
  if (requiredMinor > availableMinor) {
    return fail("insufficient_credits", { requiredMinor, availableMinor: maxBigint(availableMinor, 0n) });
  }

  const hold: Hold = {
    holdId: ctx.newId("hold"),
    accountId: state.account.accountId,
    unit,
    amountMinor: op.amountMinor,
    capturedMinor: 0n,
    status: "active",
    expiresAt: new Date(ctx.now.getTime() + ttlMs),
    allocations: reserveLots(ctx, state, unit, op.amountMinor),
    memberAccountId: member.limit?.memberAccountId ?? null,
    createdAt: ctx.now,
    transactionId: null,
  };
  const row = balanceRowOf(state, unit);
  row.heldMinor += op.amountMinor;
  markBalance(ctx, state, row);
  if (member.limit) {
    member.limit.heldMinor += op.amountMinor;
    markMember(ctx, state, member.limit);
  }
  state.holds.set(hold.holdId, hold);
  markHold(ctx, hold);
  return succeed(holdOutcome(state, hold));
}

/**
 * Captures the actual cost of a held call and releases the rest. A cost above the hold
 * draws the excess from what is available, then from the account's overdraft allowance (the
 * larger of its own limit and its plan's overage in the unit). The plan's access rule is not
 * asked again: the hold was allowed, and the call it paid for has happened.
 */
export function applySettle(ctx: BatchContext, state: AccountState, op: SettleOperation): Result<SettleOutcome> {
  const badAmount = checkAmount(op.amountMinor, { allowZero: true });
  if (badAmount) return badAmount;
  const hold = activeHold(state, op.holdId);
  if ("code" in hold) return hold;

  const row = balanceRowOf(state, hold.unit);
  const excessCapacity = maxBigint(availableOf(row) + settlementAllowanceMinor(state, hold.unit), 0n);
  let capturedMinor = op.amountMinor;
  if (op.amountMinor > hold.amountMinor + excessCapacity) {
    if (!op.captureAvailable) {
      return fail("insufficient_credits", {
        requiredMinor: op.amountMinor,
        availableMinor: hold.amountMinor + maxBigint(availableOf(row), 0n),
      });
    }
    capturedMinor = hold.amountMinor + excessCapacity;
  }

  releaseReservation(ctx, state, hold);
  let transactionId: string | null = null;
  if (capturedMinor > 0n) {
    const transaction = openTransaction(ctx, {
      accountId: state.account.accountId,
      kind: "settle",
      unit: hold.unit,
      amountMinor: capturedMinor,
      idempotencyKey: op.idempotencyKey,
      holdId: hold.holdId,
      memberAccountId: hold.memberAccountId,
    });
    transactionId = transaction.transactionId;
    let left = capturedMinor;
    for (const allocation of hold.allocations) {
      const take = minBigint(allocation.amountMinor, left);
      if (take === 0n) break;
      postCustomerEntry(ctx, state, transaction, -take, loadedLot(state, allocation.lotId));
      left -= take;
    }
    left = drawFromLots(ctx, state, transaction, left);
    if (left > 0n) postCustomerEntry(ctx, state, transaction, -left, null); // into the overdraft
    postSystemEntry(ctx, transaction, SYSTEM_ACCOUNTS.consumption, capturedMinor);
    const limit = hold.memberAccountId ? state.members.get(hold.memberAccountId)?.get(hold.unit) : undefined;
    if (limit) {
      limit.spentMinor += capturedMinor;
      markMember(ctx, state, limit);
    }
  }
  hold.status = "settled";
  hold.capturedMinor = capturedMinor;
  hold.transactionId = transactionId;
  markHold(ctx, hold);
  return succeed({
    ...balanceAfter(state, hold.unit),
    holdId: hold.holdId,
    transactionId: transactionId ?? "",
    amountMinor: capturedMinor,
    shortfallMinor: op.amountMinor - capturedMinor,
  });
}

/** Returns a hold's whole reservation to the account. */
export function applyRelease(ctx: BatchContext, state: AccountState, op: ReleaseOperation): Result<HoldOutcome> {
  const hold = activeHold(state, op.holdId);
  if ("code" in hold) return hold;
  releaseReservation(ctx, state, hold);
  hold.status = "released";
  markHold(ctx, hold);
  return succeed(holdOutcome(state, hold));
}

function loadedLot(state: AccountState, lotId: string) {
  const lot = state.lots.get(lotId);
  if (!lot) throw new Error(`lot ${lotId} is reserved by a hold but was not loaded`);
  return lot;
}

function activeHold(state: AccountState, holdId: string): Hold | Failure {
  const hold = state.holds.get(holdId);
  if (!hold) return fail("hold_not_found");
  switch (hold.status) {
    case "active":
      return hold;
    case "settled":
      return fail("hold_already_settled");
    case "released":
      return fail("hold_already_released");
    case "expired":
      return fail("hold_expired", { message: `the hold expired at ${hold.expiresAt.toISOString()}` });
  }
}

function holdOutcome(state: AccountState, hold: Hold): HoldOutcome {
  return {
    ...balanceAfter(state, hold.unit),
    holdId: hold.holdId,
    amountMinor: hold.amountMinor,
    expiresAt: hold.expiresAt,
    status: hold.status,
  };
}
