/**
 * Expected outcomes of ledger operations. The core returns these, never throws them.
 * They are listed in order of precedence: when several apply, the earliest is returned
 * (an idempotency conflict is reported before anything about the payload).
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
