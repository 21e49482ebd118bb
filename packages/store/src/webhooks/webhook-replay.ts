import type { SqlExecutor } from "../sql-client.ts";
import { DELIVERY_ID_SQL } from "./webhook-outbox-parts.ts";
import { assertWebhookId, webhookIdKind } from "./webhook-validation.ts";

export type ReplayResult =
  | { code: "replayed"; deliveryIds: string[] }
  | { code: "not_found" }
  /** The delivery's endpoint is disabled, or no enabled endpoint takes the event's type. */
  | { code: "no_endpoint" };

/**
 * Sends an event again, as new pending deliveries due at once (the earlier ones and their
 * logs stay as they were, so the log never rewrites history). `wd_…`: to that delivery's
 * endpoint, if it is still enabled, marked as a replay of it. `evt_…`: to every enabled
 * endpoint that takes the event's type now, including endpoints added after the event.
 * Each new delivery starts with a full set of attempts.
 */
export async function replay(sql: SqlExecutor, id: string, now: Date): Promise<ReplayResult> {
  const kind = webhookIdKind(id);
  if (kind !== "event" && kind !== "delivery") {
    throw new RangeError(`"${String(id).slice(0, 40)}" is neither an event id (evt_…) nor a delivery id (wd_…)`);
  }
  assertWebhookId(kind, id);
  const source =
    kind === "event"
      ? `select e.account_id, e.event_id, w.endpoint_id, null::text as replay_of from webhook_events e
           join webhook_endpoints w on w.enabled and (cardinality(w.event_types) = 0 or e.type = any(w.event_types))
         where e.event_id = $1`
      : `select d.account_id, d.event_id, d.endpoint_id, d.delivery_id as replay_of from webhook_deliveries d
           join webhook_endpoints w on w.endpoint_id = d.endpoint_id and w.enabled
         where d.delivery_id = $1`;
  const [row] = await sql.query<{ found: boolean; delivery_ids: string[] }>(
    `with source as (${source}),
     inserted as (
       insert into webhook_deliveries
         (account_id, delivery_id, event_id, endpoint_id, replay_of, status, attempts, next_attempt_at, created_at)
       select account_id, ${DELIVERY_ID_SQL("$3::text")}, event_id, endpoint_id, replay_of, 'pending', 0, $2, $2
       from source returning delivery_id)
     select exists (select 1 from ${kind === "event" ? "webhook_events where event_id" : "webhook_deliveries where delivery_id"} = $1) as found,
       coalesce((select array_agg(delivery_id order by delivery_id) from inserted), '{}') as delivery_ids`,
    [id, now.toISOString(), now.getTime().toString(16).padStart(12, "0")],
  );
  if (!row?.found) return { code: "not_found" };
  return row.delivery_ids.length === 0 ? { code: "no_endpoint" } : { code: "replayed", deliveryIds: row.delivery_ids };
}
