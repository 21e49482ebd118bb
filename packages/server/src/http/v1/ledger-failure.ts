import { type Failure, type FailureCode, type FailureDetails, formatMinor } from "@tollgate/core";
import type { MeteringFailure } from "@tollgate/metering";
import type { Ledger } from "@tollgate/store";
import { ApiError, type ErrorCode } from "../api-error.ts";
import { unitScale } from "./unit-scale.ts";

/** Every code a ledger or meter refusal can carry. */
export type RefusalCode = FailureCode | MeteringFailure["code"];

/**
 * The ledger's and the meter's result codes as the API's public codes. Complete on purpose:
 * a new result code does not compile until it is given a public code here (and a row in
 * docs/reference/errors.md), instead of falling silently into a 400. The ledger's own code
 * travels in `details.reason`, so a client can tell `hold_already_settled` from
 * `invalid_amount` without the public list growing with every rule.
 */
export const PUBLIC_CODE: Readonly<Record<RefusalCode, ErrorCode>> = {
  idempotency_conflict: "idempotency_conflict",
  account_not_found: "not_found",
  unit_not_found: "invalid_request",
  invalid_amount: "invalid_request",
  invalid_expiry: "invalid_request",
  invalid_plan: "invalid_request",
  invalid_anchor: "invalid_request",
  reason_required: "invalid_request",
  guest_cannot_purchase: "forbidden",
  subscription_not_found: "not_found",
  already_subscribed: "invalid_request",
  plan_unchanged: "invalid_request",
  invalid_status_transition: "invalid_request",
  hold_not_found: "not_found",
  hold_already_settled: "invalid_request",
  hold_already_released: "invalid_request",
  hold_expired: "invalid_request",
  transaction_not_found: "not_found",
  transaction_not_refundable: "invalid_request",
  transaction_not_reversible: "invalid_request",
  transaction_already_reversed: "invalid_request",
  refund_exceeds_charge: "invalid_request",
  member_not_found: "not_found",
  feature_not_in_plan: "feature_not_in_plan",
  model_not_in_plan: "model_not_in_plan",
  member_cap_exceeded: "forbidden",
  balance_limit_exceeded: "invalid_request",
  insufficient_credits: "insufficient_credits",
  unknown_model_price: "unknown_model_price",
  feature_not_found: "invalid_request",
};

/** What a refusal means, for the codes whose own words say it poorly; the rest read as their code. */
const MESSAGES: Partial<Record<RefusalCode, string>> = {
  insufficient_credits: "Not enough credits are available.",
  idempotency_conflict: "This idempotency key was already used for a different request.",
  account_not_found: "No such account.",
  reason_required: "A reason is required.",
  guest_cannot_purchase: "Guests receive free allowances only.",
  invalid_expiry: "The expiry is not valid.",
};

/**
 * Turns a failed ledger or meter result into the error the API answers with. Amounts
 * (`required`, `available`, `cap`) are in `unit`'s decimals, and `unit` names it whenever
 * one is present, so a 402 says of what the account is short.
 *
 * @example
 * if (!result.ok) throw ledgerFailure(result, { ledger, unit });
 */
export function ledgerFailure(
  failure: Failure | MeteringFailure,
  amounts: { ledger: Pick<Ledger, "units">; unit: string },
): ApiError {
  const code = PUBLIC_CODE[failure.code];
  const details: Record<string, unknown> = { reason: failure.code };
  const { requiredMinor, availableMinor, capMinor, message }: FailureDetails = failure.details;
  // A plan's refusal names what it refused, the plan, and the plans that would allow it.
  for (const field of ["feature", "model", "plan", "plans"] as const) {
    const value = (failure.details as FailureDetails)[field];
    if (value !== undefined) details[field] = value;
  }
  if (requiredMinor !== undefined || availableMinor !== undefined || capMinor !== undefined) {
    const scale = unitScale(amounts.ledger, amounts.unit);
    details.unit = amounts.unit;
    if (requiredMinor !== undefined) details.required = formatMinor(requiredMinor, scale);
    if (availableMinor !== undefined) details.available = formatMinor(availableMinor, scale);
    if (capMinor !== undefined) details.cap = formatMinor(capMinor, scale);
  }
  return new ApiError(code, message ?? MESSAGES[failure.code] ?? sentenceOf(failure.code), details);
}

/** "hold_expired" → "Hold expired." */
function sentenceOf(code: string): string {
  const words = code.replaceAll("_", " ");
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}.`;
}
