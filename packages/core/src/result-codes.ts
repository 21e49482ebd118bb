/**
 * Expected outcomes of ledger operations. The core returns these, never throws them.
 * They are listed in order of precedence: when several apply, the earliest is returned
 * (an idempotency conflict is reported before anything about the payload). A spend the
 * account's plan refuses (`feature_not_in_plan`, then `model_not_in_plan`) comes after the
 * checks of the request itself, and before the member checks, the caps and the balance: the plan
 * is the account's, so it refuses whoever spends, and no top-up or raised cap would let it
 * through, so the customer is told what would.
 */
export const FAILURE_CODES = [
  "idempotency_conflict",
  "account_not_found",
  "unit_not_found",
  "invalid_amount",
  "invalid_expiry",
  "invalid_plan",
  "invalid_anchor",
  "reason_required",
  "guest_cannot_purchase",
  "subscription_not_found",
  "already_subscribed",
  "plan_unchanged",
  "invalid_status_transition",
  "hold_not_found",
  "hold_already_settled",
  "hold_already_released",
  "hold_expired",
  "transaction_not_found",
  "transaction_not_refundable",
  "transaction_not_reversible",
  "transaction_already_reversed",
  "refund_exceeds_charge",
  "feature_not_in_plan",
  "model_not_in_plan",
  "member_not_found",
  "member_cap_exceeded",
  "balance_limit_exceeded",
  "insufficient_credits",
] as const;

export type FailureCode = (typeof FAILURE_CODES)[number];

/** What a failure carries beyond its code, so callers can explain it. */
export interface FailureDetails {
  requiredMinor?: bigint;
  availableMinor?: bigint;
  capMinor?: bigint;
  message?: string;
  /** A refused model (`model_not_in_plan`), as the operation named it. */
  model?: string;
  /** A refused feature (`feature_not_in_plan`). */
  feature?: string;
  /** The id of the plan that refused it: the account's subscription's. */
  plan?: string;
  /** The ids of the deployment's plans that would allow it, in catalog order (empty when none would). */
  plans?: string[];
}

export interface Failure {
  ok: false;
  code: FailureCode;
  details: FailureDetails;
}

export interface Success<T> {
  ok: true;
  value: T;
  /** True when this is the stored result of an earlier call with the same idempotency key. */
  replayed: boolean;
}

export type Result<T> = Success<T> | Failure;

export function fail(code: FailureCode, details: FailureDetails = {}): Failure {
  return { ok: false, code, details };
}

export function succeed<T>(value: T): Success<T> {
  return { ok: true, value, replayed: false };
}
