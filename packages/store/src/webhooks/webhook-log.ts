import type { SqlExecutor } from "../sql-client.ts";
import { isWebhookEventType, type WebhookEvent, type WebhookEventType } from "./webhook-event-types.ts";
import { assertWebhookId, boundedInteger, WEBHOOK_PAGE_MAX } from "./webhook-validation.ts";

export type WebhookDeliveryStatus = "pending" | "succeeded" | "failed";
export const WEBHOOK_DELIVERY_STATUSES: readonly WebhookDeliveryStatus[] = ["pending", "succeeded", "failed"];

/** One event sent (or to be sent) to one endpoint. */
export interface WebhookDelivery {
  deliveryId: string;
  eventId: string;
  eventType: WebhookEventType;
  accountId: string;
  endpointId: string;
  /** The delivery this one replays, if any. */
  replayOf: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** When it is next tried (pending only). */
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastResponseStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  completedAt: Date | null;
}

/** One line of the delivery log. */
export interface WebhookAttempt {
  deliveryId: string;
  attempt: number;
  startedAt: Date;
  durationMs: number;
  responseStatus: number | null;
  error: string | null;
  /** The response body's first 1 KiB (characters). */
  responseBody: string | null;
}

export interface WebhookPage<T> {
  items: T[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** Events newest first, for one account or type or all, a page at a time. */
export async function listEvents(
  sql: SqlExecutor,
  options: { accountId?: string; type?: string; limit?: number; before?: string | null },
): Promise<WebhookPage<WebhookEvent>> {
  const limit = boundedInteger("limit", options.limit ?? 50, 1, WEBHOOK_PAGE_MAX);
  if (options.before != null) assertWebhookId("event", options.before);
  if (options.type !== undefined && !isWebhookEventType(options.type)) {
    throw new RangeError(`"${String(options.type).slice(0, 60)}" is not an event type`);
  }
  const rows = await sql.query<{
    account_id: string;
    event_id: string;
    type: WebhookEventType;
    data: Record<string, unknown>;
    created_at: Date;
  }>(
    `select account_id, event_id, type, data, created_at from webhook_events
     where ($1::text is null or account_id = $1) and ($2::text is null or type = $2)
       and ($3::text is null or event_id < $3)
     order by event_id desc limit $4`,
    [options.accountId ?? null, options.type ?? null, options.before ?? null, limit + 1],
  );
  const items = rows.slice(0, limit).map(
    (row): WebhookEvent => ({
      eventId: row.event_id,
      accountId: row.account_id,
      type: row.type,
      data: row.data,
      createdAt: row.created_at,
    }),
  );
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.eventId ?? null) : null };
}

/** One event; null if there is none. */
export async function getEvent(sql: SqlExecutor, eventId: string): Promise<WebhookEvent | null> {
  assertWebhookId("event", eventId);
  const page = await sql.query<{
    account_id: string;
    type: WebhookEventType;
    data: Record<string, unknown>;
    created_at: Date;
  }>("select account_id, type, data, created_at from webhook_events where event_id = $1", [eventId]);
  const row = page[0];
  return row ? { eventId, accountId: row.account_id, type: row.type, data: row.data, createdAt: row.created_at } : null;
}

interface DeliveryDbRow {
  delivery_id: string;
  event_id: string;
  event_type: WebhookEventType;
  account_id: string;
  endpoint_id: string;
  replay_of: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  last_response_status: number | null;
  last_error: string | null;
  created_at: Date;
  completed_at: Date | null;
}

export const SELECT_DELIVERIES = `select d.delivery_id, d.event_id, e.type as event_type, d.account_id, d.endpoint_id,
    d.replay_of, d.status, d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_response_status, d.last_error,
    d.created_at, d.completed_at
  from webhook_deliveries d join webhook_events e on e.account_id = d.account_id and e.event_id = d.event_id`;

/** Deliveries newest first, by event, endpoint or status, a page at a time. */
export async function listDeliveries(
  sql: SqlExecutor,
  options: { eventId?: string; endpointId?: string; status?: string; limit?: number; before?: string | null },
): Promise<WebhookPage<WebhookDelivery>> {
  const limit = boundedInteger("limit", options.limit ?? 50, 1, WEBHOOK_PAGE_MAX);
  if (options.eventId !== undefined) assertWebhookId("event", options.eventId);
  if (options.endpointId !== undefined) assertWebhookId("endpoint", options.endpointId);
  if (options.before != null) assertWebhookId("delivery", options.before);
  if (options.status !== undefined && !(WEBHOOK_DELIVERY_STATUSES as readonly string[]).includes(options.status)) {
    throw new RangeError(`status is one of ${WEBHOOK_DELIVERY_STATUSES.join(", ")}; got "${options.status}"`);
  }
  const rows = await sql.query<DeliveryDbRow>(
    `${SELECT_DELIVERIES}
     where ($1::text is null or d.event_id = $1) and ($2::text is null or d.endpoint_id = $2)
       and ($3::text is null or d.status = $3) and ($4::text is null or d.delivery_id < $4)
     order by d.delivery_id desc limit $5`,
    [options.eventId ?? null, options.endpointId ?? null, options.status ?? null, options.before ?? null, limit + 1],
  );
  const items = rows.slice(0, limit).map(toDelivery);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.deliveryId ?? null) : null };
}

/** One delivery with its log, oldest attempt first; null if there is none. */
export async function getDelivery(
  sql: SqlExecutor,
  deliveryId: string,
): Promise<(WebhookDelivery & { log: WebhookAttempt[] }) | null> {
  assertWebhookId("delivery", deliveryId);
  const [row] = await sql.query<DeliveryDbRow>(`${SELECT_DELIVERIES} where d.delivery_id = $1`, [deliveryId]);
  if (!row) return null;
  const attempts = await sql.query<{
    attempt: number;
    started_at: Date;
    duration_ms: number;
    response_status: number | null;
    error: string | null;
    response_body: string | null;
  }>(
    `select attempt, started_at, duration_ms, response_status, error, response_body from webhook_attempts
     where account_id = $1 and delivery_id = $2 order by attempt`,
    [row.account_id, deliveryId],
  );
  const log = attempts.map((attempt) => ({
    deliveryId,
    attempt: attempt.attempt,
    startedAt: attempt.started_at,
    durationMs: attempt.duration_ms,
    responseStatus: attempt.response_status,
    error: attempt.error,
    responseBody: attempt.response_body,
  }));
  return { ...toDelivery(row), log };
}

export function toDelivery(row: DeliveryDbRow): WebhookDelivery {
  return {
    deliveryId: row.delivery_id,
    eventId: row.event_id,
    eventType: row.event_type,
    accountId: row.account_id,
    endpointId: row.endpoint_id,
    replayOf: row.replay_of,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastAttemptAt: row.last_attempt_at,
    lastResponseStatus: row.last_response_status,
    lastError: row.last_error,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}
