import type { UsageReportRow } from "@tollgate/metering";
import type { Ledger } from "@tollgate/store";
import { formatIn } from "./amounts.ts";
import { table } from "./output.ts";

/**
 * A report row for --json: counts and amounts as decimal strings, the charge in its unit's scale.
 *
 * @example
 * usageRowJson(ledger, row).charged // "0.000375" for 375n of a usd unit of scale 6
 */
export function usageRowJson(ledger: Pick<Ledger, "units">, row: UsageReportRow) {
  return {
    key: row.key,
    unit: row.unit,
    calls: row.calls,
    failedCalls: row.failedCalls,
    inputTokens: row.inputTokens.toString(),
    cacheReadTokens: row.cacheReadTokens.toString(),
    cacheWriteTokens: row.cacheWriteTokens.toString(),
    outputTokens: row.outputTokens.toString(),
    reasoningTokens: row.reasoningTokens.toString(),
    images: row.images.toString(),
    audioSeconds: row.audioSeconds,
    providerCostUsd: row.providerCostUsd,
    charged: formatIn(ledger, row.unit, row.chargedMinor),
    chargedUsd: row.chargedUsd,
    marginUsd: row.marginUsd,
  };
}

/**
 * The report as an aligned table with a header; a group with no key (no feature, no member) reads "(none)".
 *
 * @example
 * usageTable(rows.map((row) => usageRowJson(ledger, row)), "model")
 */
export function usageTable(rows: ReadonlyArray<ReturnType<typeof usageRowJson>>, keyHeader: string): string[] {
  return table([
    [keyHeader, "unit", "calls", "failed", "tokens in", "tokens out", "provider USD", "charged", "margin USD"],
    ...rows.map((row) => [
      row.key ?? "(none)",
      row.unit,
      String(row.calls),
      String(row.failedCalls),
      row.inputTokens,
      row.outputTokens,
      usdText(row.providerCostUsd),
      row.charged,
      row.marginUsd === null ? "-" : usdText(row.marginUsd),
    ]),
  ]);
}

/** An exact USD sum without the trailing zeros PostgreSQL's numeric keeps ("0.007500" → "0.0075"). */
function usdText(text: string): string {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}
