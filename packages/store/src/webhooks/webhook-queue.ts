import { randomUUID } from "node:crypto";
import type { SqlExecutor } from "../sql-client.ts";
import { type RetryPolicy, retryDelayMs } from "./retry-policy.ts";
import type { WebhookEventType } from "./webhook-event-types.ts";
import type { WebhookDeliveryStatus } from "./webhook-log.ts";

/** A delivery a dispatcher has claimed: what to send, where, and the lease to report back under. */
export interface ClaimedDelivery {
  deliveryId: string;
  accountId: string;
  /** This attempt's number, 1-based. */
  attempt: number;
  claimToken: string;
  event: { eventId: string; type: WebhookEventType; data: Record<string, unknown>; createdAt: Date };
  /** The secret signs the request; it goes nowhere else. */
  endpoint: { endpointId: string; url: string; secret: string };
}

/** What one attempt got back. */
export interface AttemptOutcome {
  startedAt: Date;
  durationMs: number;
  /** Null when no response came (refused, timed out, ...). */
  responseStatus: number | null;
  error: string | null;
  responseBody: string | null;
}

/** Longest error and response excerpt kept in the log, in characters. */
export const ATTEMPT_TEXT_MAX = 1024;

/**
 * Claims up to `limit` due deliveries to enabled endpoints, in one statement: rows another
 * dispatcher is claiming are skipped (`for update skip locked`), and each claimed row's due
 * time moves to the end of a lease, so no other dispatcher takes it while this one sends it.
 * The attempt is counted now, so one that never reports back (a crash) still counts; after
 * the lease the delivery is due again (at least once, never twice at the same time).
 */
export async function claimDueDeliveries(
  sql: SqlExecutor,
  options: { now: Date; limit: number; leaseMs: number },
): Promise<ClaimedDelivery[]> {
  const claimToken = randomUUID();
  const rows = await sql.query<{
    delivery_id: string;
    account_id: string;
    attempts: number;
    event_id: string;
    type: WebhookEventType;
    data: Record<string, unknown>;
    event_created_at: Date;
    endpoint_id: string;
    url: string;
    secret: string;
  }>(
    `with due as (
       select d.account_id, d.delivery_id from webhook_deliveries d
         join webhook_endpoints w on w.endpoint_id = d.endpoint_id and w.enabled
       where d.status = 'pending' and d.next_attempt_at <= $1
       order by d.next_attempt_at limit $2
       for update of d skip locked)
     update webhook_deliveries d set attempts = d.attempts + 1, next_attempt_at = $3, claim_token = $4
     from due, webhook_events e, webhook_endpoints w
     where d.account_id = due.account_id and d.delivery_id = due.delivery_id
       and e.account_id = d.account_id and e.event_id = d.event_id and w.endpoint_id = d.endpoint_id
     returning d.delivery_id, d.account_id, d.attempts, e.event_id, e.type, e.data,
       e.created_at as event_created_at, w.endpoint_id, w.url, w.secret`,
    [
      options.now.toISOString(),
      options.limit,
      new Date(options.now.getTime() + options.leaseMs).toISOString(),
      claimToken,
    ],
  );
  return rows
    .map((row) => ({
      deliveryId: row.delivery_id,
      accountId: row.account_id,
      attempt: row.attempts,
      claimToken,
      event: { eventId: row.event_id, type: row.type, data: row.data, createdAt: row.event_created_at },
      endpoint: { endpointId: row.endpoint_id, url: row.url, secret: row.secret },
    }))
    .sort((a, b) => (a.deliveryId < b.deliveryId ? -1 : 1));
}

/**
 * Records an attempt in the log and decides what follows: a 2xx succeeds it; otherwise it is
 * due again after the policy's backoff, or failed after the last attempt. Only the lease's
 * holder may record (one whose lease ran out and was re-claimed changes nothing: false).
 */
export async function recordAttempt(
  sql: SqlExecutor,
  claimed: ClaimedDelivery,
  outcome: AttemptOutcome,
  options: { now: Date; policy: RetryPolicy; random?: () => number },
): Promise<{ recorded: boolean; status: WebhookDeliveryStatus; nextAttemptAt: Date | null }> {
  const succeeded = outcome.responseStatus !== null && outcome.responseStatus >= 200 && outcome.responseStatus < 300;
  const status: WebhookDeliveryStatus = succeeded
    ? "succeeded"
    : claimed.attempt >= options.policy.maxAttempts
      ? "failed"
      : "pending";
  const nextAttemptAt =
    status === "pending"
      ? new Date(options.now.getTime() + retryDelayMs(claimed.attempt, options.policy, options.random))
      : null;
  const error = clip(outcome.error);
  const rows = await sql.query(
    `with updated as (
       update webhook_deliveries set status = $4, next_attempt_at = $5, claim_token = null, last_attempt_at = $6,
         last_response_status = $7, last_error = $8, completed_at = case when $4 = 'pending' then null else $9::timestamptz end
       where account_id = $1 and delivery_id = $2 and claim_token = $3
       returning account_id, delivery_id, attempts)
     insert into webhook_attempts (account_id, delivery_id, attempt, started_at, duration_ms, response_status, error,
       response_body)
     select account_id, delivery_id, attempts, $6, $10, $7, $8, $11 from updated returning 1`,
    [
      claimed.accountId,
      claimed.deliveryId,
      claimed.claimToken,
      status,
      nextAttemptAt?.toISOString() ?? null,
      outcome.startedAt.toISOString(),
      outcome.responseStatus,
      error,
      options.now.toISOString(),
      // A delivery's duration in whole milliseconds (an integer column), not an amount of money.
      Math.max(0, Math.round(outcome.durationMs)),
      clip(outcome.responseBody),
    ],
  );
  return { recorded: rows.length === 1, status, nextAttemptAt };
}

/** Text cut to what the log keeps, without splitting a surrogate pair; NUL (which text columns refuse) replaced. */
function clip(text: string | null): string | null {
  if (text === null) return null;
  let clipped = text.slice(0, ATTEMPT_TEXT_MAX).replaceAll("\u0000", "\ufffd");
  const last = clipped.charCodeAt(clipped.length - 1);
  if (text.length > ATTEMPT_TEXT_MAX && last >= 0xd800 && last <= 0xdbff) clipped = clipped.slice(0, -1);
  return clipped;
}
