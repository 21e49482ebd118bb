import type { BatchContext } from "./account-state.ts";
import type { Operation, OutcomeByKind } from "./operations.ts";
import { applyCancelSubscription, applyRenew } from "./plans/cancel-subscription.ts";
import { applyChangePlan } from "./plans/change-plan.ts";
import { applySetSubscriptionStatus } from "./plans/set-subscription-status.ts";
import { applySubscribe } from "./plans/subscribe.ts";
import { subscriptionView } from "./plans/subscription.ts";
import { fail, type Result } from "./result-codes.ts";
import { applyCharge, applyDeduct } from "./rules/charge.ts";
import { checkAmount } from "./rules/checks.ts";
import { applyClawBack } from "./rules/claw-back.ts";
import { sweepAccount } from "./rules/expire.ts";
import { applyGrant } from "./rules/grant.ts";
import { applyAuthorize, applyRelease, applySettle } from "./rules/hold.ts";
import { balanceAfter } from "./rules/posting.ts";
import { applyRefund, applyReverse } from "./rules/undo.ts";

/** An operation whose references the store has looked up. */
export interface ResolvedOperation<K extends Operation["kind"] = Operation["kind"]> {
  op: Extract<Operation, { kind: K }>;
  /** The account acted on; null when the reference (account, hold, transaction) names none. */
  accountId: string | null;
  /** For draws by an organization's member: the member's account, when it exists. */
  memberAccountId: string | null;
}

export type OperationResult = Result<OutcomeByKind[Operation["kind"]]>;

/**
 * Applies one operation to the batch's in-memory state. Each rule checks everything before
 * it changes anything, so a failure leaves the state as it was. The account is swept up to
 * `ctx.now` before and after, so expired holds and lots never take part.
 */
export function applyOperation(ctx: BatchContext, resolved: ResolvedOperation): OperationResult {
  const { op, accountId, memberAccountId } = resolved;
  if (accountId === null) return unresolved(op);
  const state = ctx.accounts.get(accountId);
  if (!state) throw new Error(`account ${accountId} was not loaded for the batch`);

  sweepAccount(ctx, state);
  let result: OperationResult;
  switch (op.kind) {
    case "grant":
      result = applyGrant(ctx, state, op);
      break;
    case "authorize":
      result = applyAuthorize(ctx, state, op, memberAccountId);
      break;
    case "settle":
      result = applySettle(ctx, state, op);
      break;
    case "release":
      result = applyRelease(ctx, state, op);
      break;
    case "charge":
      result = applyCharge(ctx, state, op, memberAccountId);
      break;
    case "deduct":
      result = applyDeduct(ctx, state, op);
      break;
    case "refund":
      result = applyRefund(ctx, state, op, ctx.priorTransactions.get(op.transactionId));
      break;
    case "reverse":
      result = applyReverse(ctx, state, op, ctx.priorTransactions.get(op.transactionId));
      break;
    case "claw_back":
      result = applyClawBack(ctx, state, op, ctx.priorTransactions.get(op.transactionId));
      break;
    case "subscribe":
      result = applySubscribe(ctx, state, op);
      break;
    case "change_plan":
      result = applyChangePlan(ctx, state, op);
      break;
    case "cancel_subscription":
      result = applyCancelSubscription(ctx, state, op);
      break;
    case "set_subscription_status":
      result = applySetSubscriptionStatus(ctx, state, op);
      break;
    case "renew":
      result = applyRenew(ctx, state, op);
      break;
  }
  sweepAccount(ctx, state);
  if (result.ok) {
    Object.assign(result.value, balanceAfter(state, result.value.unit));
    // A subscription operation reports the subscription as the sweep after it left it.
    if ("subscription" in result.value && state.subscription) {
      result.value.subscription = subscriptionView(state.subscription);
    }
  }
  return result;
}

/** The failure for a reference that names nothing, after the checks that precede it. */
function unresolved(op: Operation): OperationResult {
  switch (op.kind) {
    case "settle":
      return checkAmount(op.amountMinor, { allowZero: true }) ?? fail("hold_not_found");
    case "release":
      return fail("hold_not_found");
    case "refund":
      return (op.amountMinor !== undefined && checkAmount(op.amountMinor)) || fail("transaction_not_found");
    case "reverse":
      return op.reason?.trim() ? fail("transaction_not_found") : fail("reason_required");
    case "claw_back":
      return (
        checkAmount(op.amountMinor) ?? (op.reason?.trim() ? fail("transaction_not_found") : fail("reason_required"))
      );
    default:
      return fail("account_not_found");
  }
}
