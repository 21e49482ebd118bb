import { AMOUNT_MINOR_MAX, formatMinor, parseDecimalToMinor } from "@tollgate/core";
import type { Ledger } from "@tollgate/store";
import { ApiError } from "../api-error.ts";

/** A unit's scale (its decimal places), or 400 naming the unknown unit. */
export function unitScale(ledger: Pick<Ledger, "units">, unit: string): number {
  const found = ledger.units.get(unit);
  if (!found) {
    throw new ApiError(
      "invalid_request",
      `unit: unknown unit "${unit}"; the units are ${[...ledger.units.keys()].join(", ")}`,
      {
        fields: [{ field: "unit", message: "unknown unit" }],
      },
    );
  }
  return found.scale;
}

/**
 * A decimal amount in a unit's scale as minor units, or 400 naming `field`: more decimals
 * than the unit has, or more than the most one operation may move (10^15 minor units, which
 * also keeps a cap or a cost inside PostgreSQL's bigint).
 *
 * @example
 * parseAmountField("12.50", 2, "amount") // 1250n
 */
export function parseAmountField(text: string, scale: number, field = "amount"): bigint {
  let minor: bigint;
  try {
    minor = parseDecimalToMinor(text, scale);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ApiError("invalid_request", `${field}: ${error.message}`, {
      fields: [{ field, message: error.message }],
    });
  }
  if (minor > AMOUNT_MINOR_MAX) {
    const message = `at most ${formatMinor(AMOUNT_MINOR_MAX, scale)} (10^15 minor units)`;
    throw new ApiError("invalid_request", `${field}: ${message}`, { fields: [{ field, message }] });
  }
  return minor;
}
