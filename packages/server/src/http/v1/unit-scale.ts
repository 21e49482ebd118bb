import type { Ledger } from "@tollgate/store";
import { ApiError } from "../api-error.ts";

/** A unit's scale (its decimal places), or 400 naming the unknown unit. */
export function unitScale(ledger: Pick<Ledger, "units">, unit: string): number {
  const found = ledger.units.get(unit);
  if (!found)
    throw new ApiError("invalid_request", `unit: no unit "${unit}"`, {
      fields: [{ field: "unit", message: "unknown unit" }],
    });
  return found.scale;
}
