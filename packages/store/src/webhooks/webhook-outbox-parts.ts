import type { WebhookEvent } from "./webhook-event-types.ts";

/**
 * A delivery id made in SQL, where the endpoints are known: `wd_`, 12 hex digits of
 * milliseconds since the epoch (as a UUIDv7 starts, so deliveries sort by creation like every
 * id), and 80 random bits. `timeHex` is an SQL expression for the 12 digits.
 */
export const DELIVERY_ID_SQL = (timeHex: string) =>
  `'wd_' || ${timeHex} || substr(replace(gen_random_uuid()::text, '-', ''), 13, 20)`;

/**
 * The parts of the batch's one write statement that store its webhook events and fan each
 * out to the enabled endpoints subscribed to its type, due at once. None when the batch
 * produced no event, so the statement is unchanged on the hot path. An endpoint added later
 * does not receive earlier events (a replay sends them).
 *
 * @example
 * parts.push(...webhookOutboxParts(events, params));
 */
export function webhookOutboxParts(events: readonly WebhookEvent[], params: unknown[]): string[] {
  if (events.length === 0) return [];
  params.push(
    JSON.stringify(
      events.map((event) => ({
        account_id: event.accountId,
        event_id: event.eventId,
        type: event.type,
        data: event.data,
        created_at: event.createdAt.toISOString(),
      })),
    ),
  );
  const rows = `jsonb_to_recordset($${params.length}::jsonb)
    as e(account_id text, event_id text, type text, data jsonb, created_at timestamptz)`;
  return [
    `w_webhook_events as (insert into webhook_events (account_id, event_id, type, data, created_at)
      select account_id, event_id, type, data, created_at from ${rows})`,
    `w_webhook_deliveries as (insert into webhook_deliveries
        (account_id, delivery_id, event_id, endpoint_id, status, attempts, next_attempt_at, created_at)
      select e.account_id, ${DELIVERY_ID_SQL("substr(e.event_id, 5, 12)")}, e.event_id, w.endpoint_id, 'pending', 0,
        e.created_at, e.created_at
      from ${rows} join webhook_endpoints w
        on w.enabled and (cardinality(w.event_types) = 0 or e.type = any(w.event_types)))`,
  ];
}
