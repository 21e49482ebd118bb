import { idFloorAt, type SqlClient } from "@tollgate/store";

/** What a usage report groups an account's calls by. */
export type UsageGrouping = "model" | "provider" | "feature" | "conversation" | "member" | "day" | "week" | "month";

export const USAGE_GROUPINGS: readonly UsageGrouping[] = [
  "model",
  "provider",
  "feature",
  "conversation",
  "member",
  "day",
  "week",
  "month",
];

/** One group of a report, per unit charged: amounts of different units are never added. */
export interface UsageReportRow {
  /** The model, provider, feature, conversation, member's external id, or period start (ISO date). */
  key: string | null;
  unit: string;
  calls: number;
  failedCalls: number;
  inputTokens: bigint;
  cacheReadTokens: bigint;
  cacheWriteTokens: bigint;
  outputTokens: bigint;
  reasoningTokens: bigint;
  images: bigint;
  audioSeconds: string;
  /** Exact USD: what the calls cost their providers. */
  providerCostUsd: string;
  chargedMinor: bigint;
  /** The charges in USD at each call's conversion; null for feature units, which have none. */
  chargedUsd: string | null;
  /** chargedUsd − providerCostUsd over the calls that have a USD charge. */
  marginUsd: string | null;
}

export interface UsageReportQuery {
  accountId: string;
  groupBy: UsageGrouping;
  /** Inclusive; default: the beginning. */
  from?: Date;
  /** Exclusive; default: no end. */
  to?: Date;
  unit?: string;
  /** Where days, weeks and months begin (IANA name). Default UTC. */
  timeZone?: string;
  /** Most groups returned, largest charge first (periods: in time order). Default 100, at most 1,000. */
  limit?: number;
}

export const REPORT_GROUPS_MAX = 1000;

const KEY_SQL: Record<UsageGrouping, string> = {
  model: "u.provider || '/' || u.model",
  provider: "u.provider",
  feature: "u.feature",
  conversation: "u.conversation_id",
  member: "m.external_id",
  day: "to_char(date_trunc('day', u.created_at at time zone $5), 'YYYY-MM-DD')",
  week: "to_char(date_trunc('week', u.created_at at time zone $5), 'YYYY-MM-DD')",
  month: "to_char(date_trunc('month', u.created_at at time zone $5), 'YYYY-MM-DD')",
};

const TOTALS_SQL = `count(*)::int as calls, count(*) filter (where not u.success)::int as failed_calls,
  sum(u.input_tokens) as input_tokens, sum(u.cache_read_tokens) as cache_read_tokens,
  sum(u.cache_write_tokens) as cache_write_tokens, sum(u.output_tokens) as output_tokens,
  sum(u.reasoning_tokens) as reasoning_tokens, sum(u.images) as images,
  trim_scale(sum(u.audio_seconds))::text as audio_seconds,
  trim_scale(sum(u.provider_cost_usd))::text as provider_cost_usd,
  sum(u.charged_minor) as charged_minor, trim_scale(sum(u.charged_usd))::text as charged_usd,
  trim_scale(sum(u.charged_usd) - sum(u.provider_cost_usd) filter (where u.charged_usd is not null))::text
    as margin_usd`;

/**
 * An account's usage grouped one way, over a time range. The range bounds the primary key
 * (usage event ids embed their creation time), so a month of one account reads only that
 * month's rows.
 */
export async function usageReport(sql: SqlClient, query: UsageReportQuery): Promise<UsageReportRow[]> {
  const limit = query.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > REPORT_GROUPS_MAX) {
    throw new RangeError(`limit must be a whole number from 1 to ${REPORT_GROUPS_MAX}`);
  }
  const keySql = KEY_SQL[query.groupBy];
  if (!keySql) throw new RangeError(`groupBy must be one of ${USAGE_GROUPINGS.join(", ")}`);
  const periodic = query.groupBy === "day" || query.groupBy === "week" || query.groupBy === "month";
  const rows = await sql.query<ReportDbRow>(
    `select ${keySql} as key, u.unit, ${TOTALS_SQL}
     from usage_events u ${query.groupBy === "member" ? "left join accounts m on m.account_id = u.member_account_id" : ""}
     where u.account_id = $1 and u.usage_event_id >= $2 and u.usage_event_id < $3 and ($4::text is null or u.unit = $4)
       ${periodic ? "" : "and $5::text is not null -- the time zone only buckets periods"}
     group by 1, 2
     order by ${periodic ? "1, 2" : "sum(u.charged_minor) desc, 1, 2"}
     limit $6`,
    [query.accountId, ...rangeParams(query), query.unit ?? null, timeZone(query.timeZone), limit],
  );
  return rows.map(toReportRow);
}

/** A conversation's usage (a chat's cost, shown beside it): one row per unit charged. */
export async function conversationUsage(
  sql: SqlClient,
  query: { accountId: string; conversationId: string },
): Promise<{ conversationId: string; calls: number; firstAt: Date; lastAt: Date; rows: UsageReportRow[] } | null> {
  const rows = await sql.query<ReportDbRow & { first_at: Date; last_at: Date }>(
    `select u.conversation_id as key, u.unit, min(u.created_at) as first_at, max(u.created_at) as last_at, ${TOTALS_SQL}
     from usage_events u where u.account_id = $1 and u.conversation_id = $2
     group by 1, 2 order by 2`,
    [query.accountId, query.conversationId],
  );
  const [first] = rows;
  if (!first) return null;
  return {
    conversationId: query.conversationId,
    calls: rows.reduce((sum, row) => sum + row.calls, 0),
    firstAt: rows.reduce((at, row) => (row.first_at < at ? row.first_at : at), first.first_at),
    lastAt: rows.reduce((at, row) => (row.last_at > at ? row.last_at : at), first.last_at),
    rows: rows.map(toReportRow),
  };
}

function rangeParams(query: { from?: Date; to?: Date }): [string, string] {
  for (const [name, at] of [
    ["from", query.from],
    ["to", query.to],
  ] as const) {
    if (at !== undefined && Number.isNaN(at.getTime())) throw new RangeError(`${name} is not a valid time`);
  }
  // Ids are `use_` and 32 hex digits; "use_g" sorts after every one of them.
  return [idFloorAt("usageEvent", query.from ?? new Date(0)), query.to ? idFloorAt("usageEvent", query.to) : "use_g"];
}

function timeZone(name: string | undefined): string {
  const zone = name ?? "UTC";
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
  } catch {
    throw new RangeError(`"${zone}" is not a time zone (an IANA name such as Europe/Paris)`);
  }
  return zone;
}

interface ReportDbRow {
  key: string | null;
  unit: string;
  calls: number;
  failed_calls: number;
  input_tokens: bigint;
  cache_read_tokens: bigint;
  cache_write_tokens: bigint;
  output_tokens: bigint;
  reasoning_tokens: bigint;
  images: bigint;
  audio_seconds: string;
  provider_cost_usd: string;
  charged_minor: bigint;
  charged_usd: string | null;
  margin_usd: string | null;
}

function toReportRow(row: ReportDbRow): UsageReportRow {
  return {
    key: row.key,
    unit: row.unit,
    calls: row.calls,
    failedCalls: row.failed_calls,
    inputTokens: BigInt(row.input_tokens),
    cacheReadTokens: BigInt(row.cache_read_tokens),
    cacheWriteTokens: BigInt(row.cache_write_tokens),
    outputTokens: BigInt(row.output_tokens),
    reasoningTokens: BigInt(row.reasoning_tokens),
    images: BigInt(row.images),
    audioSeconds: row.audio_seconds,
    providerCostUsd: row.provider_cost_usd,
    chargedMinor: BigInt(row.charged_minor),
    chargedUsd: row.charged_usd,
    marginUsd: row.margin_usd,
  };
}
