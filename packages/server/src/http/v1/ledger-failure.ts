import type { FailureCode, FailureDetails } from "@tollgate/core";
import { ApiError, type ErrorCode } from "../api-error.ts";

/**
 * The ledger's result codes as the API's public codes. The ledger's own code travels in
 * `details.reason`, so a client can tell `hold_already_settled` from `invalid_amount`
 * without the public list growing with every rule.
 */
const PUBLIC_CODE: Partial<Record<FailureCode, ErrorCode>> = {
  idempotency_conflict: "idempotency_conflict",
  account_not_found: "not_found",
  hold_not_found: "not_found",
  transaction_not_found: "not_found",
  member_not_found: "not_found",
  member_cap_exceeded: "forbidden",
  guest_cannot_purchase: "forbidden",
  insufficient_credits: "insufficient_credits",
};

/**
 * Turns a failed ledger result into the error the API answers with; amounts in the unit's
 * decimals, and `details.unit` naming the unit when one is given and there are amounts.
 */
export function ledgerFailure(
  failure: { code: string; details: FailureDetails | { message?: string } },
  format: (minor: bigint) => string,
  unit?: string,
): ApiError {
  const code =
    PUBLIC_CODE[failure.code as FailureCode] ??
    (failure.code === "unknown_model_price" ? "unknown_model_price" : "invalid_request");
  const { message, requiredMinor, availableMinor, capMinor } = failure.details as FailureDetails;
  const details: Record<string, unknown> = { reason: failure.code };
  if (requiredMinor !== undefined) details.required = format(requiredMinor);
  if (availableMinor !== undefined) details.available = format(availableMinor);
  if (capMinor !== undefined) details.cap = format(capMinor);
  const hasAmounts = requiredMinor !== undefined || availableMinor !== undefined || capMinor !== undefined;
  if (unit !== undefined && hasAmounts) details.unit = unit;
  return new ApiError(code, message ?? failure.code.replaceAll("_", " "), details);
}
