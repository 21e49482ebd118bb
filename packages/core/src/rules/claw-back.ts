import {
  type AccountState,
  availableOf,
  type BatchContext,
  type PriorTransaction,
  peekBalanceRow,
} from "../account-state.ts";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import { maxBigint, minBigint } from "../money.ts";
import type { ClawBackOperation, ClawBackOutcome } from "../operations.ts";
import { fail, type Result, succeed } from "../result-codes.ts";
import { checkAmount } from "./checks.ts";
import { balanceAfter, openTransaction, postCustomerEntry, postSystemEntry } from "./posting.ts";

/**
 * Takes back up to `amountMinor` from the lot a grant made, to `system:issuance` (the grant is
 * partly un-issued): at most what the lot still has free (its remaining, less what holds
 * reserve) and never more than the account has available, so it never overdraws. What could not
 * be taken (already spent, held or expired) is the outcome's `shortfallMinor`; when nothing
 * could be taken, the operation still succeeds, writes no transaction and says so, so a caller
 * (a Stripe refund) can record it once under its idempotency key.
 *
 * @example
 * applyClawBack(ctx, state, { kind: "claw_back", transactionId: grantId, amountMinor: 40n, reason: "refund re_1", idempotencyKey: "k" }, prior);
 * // { clawedBackMinor: 30n, shortfallMinor: 10n, … } when 10 of the lot were spent
 */
export function applyClawBack(
  ctx: BatchContext,
  state: AccountState,
  op: ClawBackOperation,
  prior: PriorTransaction | undefined,
): Result<ClawBackOutcome> {
  const badAmount = checkAmount(op.amountMinor);
  if (badAmount) return badAmount;
  if (!op.reason?.trim()) return fail("reason_required", { message: "a claw-back needs a reason" });
  if (!prior) return fail("transaction_not_found");
  if (prior.record.kind !== "grant") {
    return fail("transaction_not_reversible", { message: `a ${prior.record.kind} has no lot to claw back` });
  }
  if (prior.reversed) return fail("transaction_already_reversed");
  const lot = [...state.lots.values()].find((candidate) => candidate.transactionId === prior.record.transactionId);
  if (!lot) throw new Error(`the lot of grant ${prior.record.transactionId} was not loaded`);

  const { unit } = prior.record;
  const freeMinor = maxBigint(lot.remainingMinor - lot.heldMinor, 0n);
  const availableMinor = maxBigint(availableOf(peekBalanceRow(state, unit)), 0n);
  const clawedBackMinor = minBigint(op.amountMinor, minBigint(freeMinor, availableMinor));
  let transactionId: string | null = null;
  if (clawedBackMinor > 0n) {
    const transaction = openTransaction(ctx, {
      accountId: state.account.accountId,
      kind: "clawback",
      unit,
      amountMinor: clawedBackMinor,
      idempotencyKey: op.idempotencyKey,
      reversesTransactionId: prior.record.transactionId,
      reason: op.reason,
    });
    postCustomerEntry(ctx, state, transaction, -clawedBackMinor, lot);
    postSystemEntry(ctx, transaction, SYSTEM_ACCOUNTS.issuance, clawedBackMinor);
    // A later undo of the same grant in this batch must see this one (as reverseGrant does).
    for (const entry of ctx.writes.entries) {
      if (entry.transactionId === transaction.transactionId) prior.entries.push(entry);
    }
    transactionId = transaction.transactionId;
  }
  return succeed({
    ...balanceAfter(state, unit),
    transactionId,
    lotId: lot.lotId,
    requestedMinor: op.amountMinor,
    clawedBackMinor,
    shortfallMinor: op.amountMinor - clawedBackMinor,
  });
}
