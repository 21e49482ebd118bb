import type { SqlExecutor } from "../sql-client.ts";

/** One unit's usage over a window: every account's usage events added up. */
export interface UsageTotals {
  unit: string;
  /** Usage events recorded (failed calls included). */
  events: number;
  failedEvents: number;
  /** What the events charged, in the unit's minor units. */
  chargedMinor: bigint;
  /** Exact USD: what the calls cost their providers. */
  providerCostUsd: string;
  /** The charges in USD at each event's own conversion (its price snapshot); null when none has one. */
  chargedUsd: string | null;
  /** chargedUsd − providerCostUsd, over the events that have a USD charge; null when none has one. */
  marginUsd: string | null;
}

/** The usage of every account between two times. */
export interface UsageWindow {
  /** Inclusive. */
  from: Date;
  /** Inclusive: the overview's `now`. */
  to: Date;
  units: UsageTotals[];
}

/**
 * Adds up the usage events of a window, per unit charged (amounts of different units are
 * never added). Margin is taken in USD, where both sides are exact: each event keeps its
 * charge converted back to USD at the rate its price snapshot used (`charged_usd`), so
 * margin = that − the provider's cost. Feature units have no conversion, so no margin.
 *
 * @example
 * await readUsageTotals(ledger.sql, { from: new Date(Date.now() - 86_400_000), to: new Date() });
 */
export async function readUsageTotals(sql: SqlExecutor, window: { from: Date; to: Date }): Promise<UsageWindow> {
  const rows = await sql.query<UsageTotalsRow>(
    `select unit, count(*)::int as events, count(*) filter (where not success)::int as failed_events,
       sum(charged_minor) as charged_minor, trim_scale(sum(provider_cost_usd))::text as provider_cost_usd,
       trim_scale(sum(charged_usd))::text as charged_usd,
       trim_scale(sum(charged_usd) - sum(provider_cost_usd) filter (where charged_usd is not null))::text as margin_usd
     from usage_events where created_at >= $1 and created_at <= $2
     group by unit order by unit`,
    [window.from.toISOString(), window.to.toISOString()],
  );
  return {
    from: window.from,
    to: window.to,
    units: rows.map((row) => ({
      unit: row.unit,
      events: row.events,
      failedEvents: row.failed_events,
      chargedMinor: BigInt(row.charged_minor),
      providerCostUsd: row.provider_cost_usd,
      chargedUsd: row.charged_usd,
      marginUsd: row.margin_usd,
    })),
  };
}

interface UsageTotalsRow {
  unit: string;
  events: number;
  failed_events: number;
  charged_minor: bigint;
  provider_cost_usd: string;
  charged_usd: string | null;
  margin_usd: string | null;
}
