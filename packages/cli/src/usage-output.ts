import { table } from "./output.ts";

/** A usage report row as the HTTP API answers it (`UsageRow`). */
export interface UsageRowJson {
  key: string | null;
  unit: string;
  calls: number;
  failedCalls: number;
  inputTokens: string;
  cacheReadTokens: string;
  cacheWriteTokens: string;
  outputTokens: string;
  reasoningTokens: string;
  images: string;
  audioSeconds: string;
  providerCostUsd: string;
  charged: string;
  chargedUsd: string | null;
  marginUsd: string | null;
}

/**
 * The report as an aligned table with a header; a group with no key (no feature, no member) reads "(none)".
 *
 * @example
 * usageTable(report.data, "model")
 */
export function usageTable(rows: readonly UsageRowJson[], keyHeader: string): string[] {
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
