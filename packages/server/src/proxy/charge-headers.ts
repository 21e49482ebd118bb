import { formatMinor } from "@tollgate/core";
import type { UsageOutcome } from "@tollgate/metering";
import type { Ledger } from "@tollgate/store";
import { unitScale } from "../http/v1/unit-scale.ts";

/** What a settled call charged and what is left, in the unit's decimals (the response headers' values). */
export function chargeSummary(ledger: Pick<Ledger, "units">, outcome: UsageOutcome) {
  const scale = unitScale(ledger, outcome.unit);
  return {
    charged: formatMinor(outcome.amountMinor, scale),
    available: formatMinor(outcome.availableMinor, scale),
    unit: outcome.unit,
  };
}

/** `X-Tollgate-Charged`, `X-Tollgate-Available` and `X-Tollgate-Unit` of a settled call. */
export function chargeHeaders(ledger: Pick<Ledger, "units">, outcome: UsageOutcome): Record<string, string> {
  const summary = chargeSummary(ledger, outcome);
  return {
    "x-tollgate-charged": summary.charged,
    "x-tollgate-available": summary.available,
    "x-tollgate-unit": summary.unit,
  };
}
