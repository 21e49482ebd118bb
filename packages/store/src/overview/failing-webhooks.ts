import type { SqlExecutor } from "../sql-client.ts";

/** One endpoint whose deliveries fail. */
export interface FailingEndpoint {
  endpointId: string;
  url: string;
  enabled: boolean;
  /** Deliveries that failed for good and were not delivered since (by a replay). */
  failedDeliveries: number;
  /** Deliveries whose last attempt failed and that wait for their next try. */
  retryingDeliveries: number;
  lastAttemptAt: Date | null;
  /** The latest failed attempt's error, or its HTTP status. */
  lastError: string | null;
}

/** Outgoing webhooks that are not getting through. */
export interface FailingWebhooks {
  failedDeliveries: number;
  retryingDeliveries: number;
  /** The endpoints with failing deliveries, the latest attempt first, at most `FAILING_ENDPOINTS_MAX`. */
  endpoints: FailingEndpoint[];
}

/** The most endpoints the overview names; the counts above still cover every one. */
export const FAILING_ENDPOINTS_MAX = 20;
/** The most deliveries counted: a count past it reads as this (a limit on everything). */
export const FAILING_DELIVERIES_COUNT_MAX = 100_000;

// A failed delivery stops counting once the same event reached the same endpoint, which is
// what a replay of it (or of its event) does: the failure is then repaired, not failing.
const FAILING_SQL = `select d.endpoint_id, d.status, d.last_attempt_at,
    coalesce(d.last_error, 'HTTP ' || d.last_response_status) as last_error
  from webhook_deliveries d
  where (d.status = 'pending' and d.attempts > 0)
     or (d.status = 'failed' and not exists (
       select 1 from webhook_deliveries s
       where s.event_id = d.event_id and s.endpoint_id = d.endpoint_id and s.status = 'succeeded'))
  limit ${FAILING_DELIVERIES_COUNT_MAX}`;

/**
 * Reads the failing deliveries per endpoint in one statement.
 *
 * @example
 * const { failedDeliveries, endpoints } = await readFailingWebhooks(ledger.sql);
 */
export async function readFailingWebhooks(sql: SqlExecutor): Promise<FailingWebhooks> {
  const rows = await sql.query<FailingRow>(
    `with failing as (${FAILING_SQL})
     select f.endpoint_id, e.url, e.enabled,
       count(*) filter (where f.status = 'failed')::int as failed,
       count(*) filter (where f.status = 'pending')::int as retrying,
       max(f.last_attempt_at) as last_attempt_at,
       (array_agg(f.last_error order by f.last_attempt_at desc nulls last))[1] as last_error,
       (sum(count(*) filter (where f.status = 'failed')) over ())::int as failed_total,
       (sum(count(*) filter (where f.status = 'pending')) over ())::int as retrying_total
     from failing f join webhook_endpoints e on e.endpoint_id = f.endpoint_id
     group by f.endpoint_id, e.url, e.enabled
     order by max(f.last_attempt_at) desc nulls last, f.endpoint_id
     limit ${FAILING_ENDPOINTS_MAX}`,
  );
  return {
    failedDeliveries: rows[0]?.failed_total ?? 0,
    retryingDeliveries: rows[0]?.retrying_total ?? 0,
    endpoints: rows.map((row) => ({
      endpointId: row.endpoint_id,
      url: row.url,
      enabled: row.enabled,
      failedDeliveries: row.failed,
      retryingDeliveries: row.retrying,
      lastAttemptAt: row.last_attempt_at === null ? null : new Date(row.last_attempt_at),
      lastError: row.last_error,
    })),
  };
}

interface FailingRow {
  endpoint_id: string;
  url: string;
  enabled: boolean;
  failed: number;
  retrying: number;
  last_attempt_at: Date | null;
  last_error: string | null;
  failed_total: number;
  retrying_total: number;
}
