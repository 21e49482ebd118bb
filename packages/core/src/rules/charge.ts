import { type AccountState, availableOf, type BatchContext, markMember, peekBalanceRow } from "../account-state.ts";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import { maxBigint } from "../money.ts";
import type { ChargeOperation, DeductOperation, TransactionOutcome } from "../operations.ts";
import { planOverageMinor } from "../plans/overage.ts";
import { checkPlanAccess } from "../plans/plan-access-check.ts";
import { fail, type Result, succeed } from "../result-codes.ts";
import { checkAmount, checkMember, resolveUnit } from "./checks.ts";
import { balanceAfter, drawFromLots, openTransaction, postCustomerEntry, postSystemEntry } from "./posting.ts";

/**
 * Charges in one step: the plan's access rule, the availability check and the draw happen under
 * the same lock. A plan that allows overage lets the charge take `available` down to minus its
 * limit in that unit; what the lots cannot give is recorded as debt.
 */
export function applyCharge(
  ctx: BatchContext,
  state: AccountState,
  op: ChargeOperation,
  memberAccountId: string | null,
): Result<TransactionOutcome> {
  const unit = resolveUnit(ctx, op.unit);
  if (typeof unit !== "string") return unit;
  const badAmount = checkAmount(op.amountMinor);
  if (badAmount) return badAmount;
  const refused = checkPlanAccess(ctx, state, op);
  if (refused) return refused;
  const member = checkMember(
    state,
    { named: op.member !== undefined, accountId: memberAccountId },
    unit,
    op.amountMinor,
  );
  if ("failure" in member) return member.failure;
  const insufficient = checkAvailable(state, unit, op.amountMinor, planOverageMinor(state, unit));
  if (insufficient) return insufficient;

  const transaction = openTransaction(ctx, {
    accountId: state.account.accountId,
    kind: "charge",
    unit,
    amountMinor: op.amountMinor,
    idempotencyKey: op.idempotencyKey,
    memberAccountId: member.limit?.memberAccountId ?? null,
    reason: op.reason ?? null,
  });
  const owedMinor = drawFromLots(ctx, state, transaction, op.amountMinor);
  if (owedMinor > 0n) postCustomerEntry(ctx, state, transaction, -owedMinor, null); // into the plan's overage
  postSystemEntry(ctx, transaction, SYSTEM_ACCOUNTS.consumption, op.amountMinor);
  if (member.limit) {
    member.limit.spentMinor += op.amountMinor;
    markMember(ctx, state, member.limit);
  }
  return succeed({
    ...balanceAfter(state, unit),
    transactionId: transaction.transactionId,
    amountMinor: op.amountMinor,
  });
}

/** An admin deduction: bounded by what is available, explained by a required reason. */
export function applyDeduct(ctx: BatchContext, state: AccountState, op: DeductOperation): Result<TransactionOutcome> {
  const unit = resolveUnit(ctx, op.unit);
  if (typeof unit !== "string") return unit;
  const badAmount = checkAmount(op.amountMinor);
  if (badAmount) return badAmount;
  if (!op.reason?.trim()) return fail("reason_required", { message: "an admin deduction needs a reason" });
  const refused = checkPlanAccess(ctx, state, op);
  if (refused) return refused;
  const insufficient = checkAvailable(state, unit, op.amountMinor);
  if (insufficient) return insufficient;

  const transaction = openTransaction(ctx, {
    accountId: state.account.accountId,
    kind: "deduction",
    unit,
    amountMinor: op.amountMinor,
    idempotencyKey: op.idempotencyKey,
    reason: op.reason,
  });
  drawFromLots(ctx, state, transaction, op.amountMinor);
  postSystemEntry(ctx, transaction, SYSTEM_ACCOUNTS.adjustment, op.amountMinor);
  return succeed({
    ...balanceAfter(state, unit),
    transactionId: transaction.transactionId,
    amountMinor: op.amountMinor,
  });
}

/** `insufficient_credits` unless `amountMinor` fits in what is available plus `belowZeroMinor`. */
function checkAvailable(state: AccountState, unit: string, amountMinor: bigint, belowZeroMinor = 0n) {
  const available = availableOf(peekBalanceRow(state, unit));
  return amountMinor > available + belowZeroMinor
    ? fail("insufficient_credits", { requiredMinor: amountMinor, availableMinor: maxBigint(available, 0n) })
    : null;
}
