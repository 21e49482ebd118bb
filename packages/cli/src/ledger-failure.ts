import type { Failure, Unit } from "@tollgate/core";
import { formatAmount } from "./amounts.ts";
import { CliError, EXIT } from "./cli-error.ts";

const MESSAGES: Partial<Record<Failure["code"], string>> = {
  insufficient_credits: "not enough credits are available",
  idempotency_conflict: "this idempotency key was already used for a different request",
  account_not_found: "no such account",
  reason_required: "a reason is required",
  guest_cannot_purchase: "guests receive free allowances only",
  invalid_expiry: "the expiry is not valid",
};

/** A ledger result code as a CLI failure: the code, what it means, its amounts in the unit's scale. */
export function ledgerFailure(failure: Failure, unit: Unit): CliError {
  const { details } = failure;
  const formatted: Record<string, string> = {};
  if (details.requiredMinor !== undefined) formatted.required = formatAmount(details.requiredMinor, unit);
  if (details.availableMinor !== undefined) formatted.available = formatAmount(details.availableMinor, unit);
  if (details.capMinor !== undefined) formatted.cap = formatAmount(details.capMinor, unit);
  if (Object.keys(formatted).length > 0) formatted.unit = unit.unit;
  const message = details.message ?? MESSAGES[failure.code] ?? failure.code.replaceAll("_", " ");
  return new CliError(failure.code, message, EXIT.failed, formatted);
}
