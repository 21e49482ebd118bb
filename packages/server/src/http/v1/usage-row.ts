import { z } from "@hono/zod-openapi";
import { formatMinor } from "@tollgate/core";
import type { UsageReportRow } from "@tollgate/metering";
import type { Ledger } from "@tollgate/store";
import { Amount } from "./schemas.ts";
import { unitScale } from "./unit-scale.ts";

const Count = z.string().openapi({ description: "A whole count, as a decimal string (it may exceed 2^53)" });

/** One group of a usage report, or one unit of a conversation's usage. */
export const UsageRow = z
  .object({
    key: z.string().nullable().openapi({ description: "The model, feature, conversation, member or period start" }),
    unit: z.string(),
    calls: z.number(),
    failedCalls: z.number(),
    inputTokens: Count,
    cacheReadTokens: Count,
    cacheWriteTokens: Count,
    outputTokens: Count,
    reasoningTokens: Count,
    images: Count,
    audioSeconds: z.string(),
    providerCostUsd: z.string().openapi({ description: "Exact USD: what the calls cost their providers" }),
    charged: Amount,
    chargedUsd: z.string().nullable().openapi({ description: "The charges in USD; null for feature units" }),
    marginUsd: z.string().nullable(),
  })
  .openapi("UsageRow");

/** A report row with counts as decimal strings and the charge in its unit's scale. */
export function usageRowJson(ledger: Pick<Ledger, "units">, row: UsageReportRow): z.infer<typeof UsageRow> {
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
    charged: formatMinor(row.chargedMinor, unitScale(ledger, row.unit)),
    chargedUsd: row.chargedUsd,
    marginUsd: row.marginUsd,
  };
}
