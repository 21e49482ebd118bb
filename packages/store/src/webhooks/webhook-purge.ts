import type { SqlExecutor } from "../sql-client.ts";

/** The most events one purge statement deletes. */
export const WEBHOOK_PURGE_LIMIT_MAX = 10_000;

/**
 * Deletes up to `limit` events created before `before` whose every delivery is finished
 * (succeeded or failed) before it too, with those deliveries and their logged attempts, oldest
 * first; returns how many events it deleted. An event with a pending delivery is kept however
 * old, so nothing waiting to be sent is lost. One statement: the three tables are emptied
 * together, and rows another transaction holds are skipped this time.
 *
 * A replay that adds a delivery to an event while the purge deletes it makes the purge fail
 * on the foreign key rather than lose the new delivery; the next purge skips that event, now
 * pending.
 */
export async function purgeWebhookEvents(sql: SqlExecutor, before: Date, limit: number): Promise<number> {
  if (!(before instanceof Date) || Number.isNaN(before.getTime())) throw new RangeError("before must be a valid Date");
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > WEBHOOK_PURGE_LIMIT_MAX) {
    throw new RangeError(`limit must be an integer from 1 to ${WEBHOOK_PURGE_LIMIT_MAX}`);
  }
  const [row] = await sql.query<{ count: number }>(
    `with doomed as (
       select e.account_id, e.event_id from webhook_events e
       where e.created_at < $1
         and not exists (select 1 from webhook_deliveries d
                         where d.account_id = e.account_id and d.event_id = e.event_id
                           and (d.status = 'pending' or d.completed_at >= $1))
       order by e.created_at limit $2
       for update skip locked),
     deliveries as (
       select d.account_id, d.delivery_id from webhook_deliveries d join doomed using (account_id, event_id)),
     attempts_gone as (
       delete from webhook_attempts a using deliveries d
       where a.account_id = d.account_id and a.delivery_id = d.delivery_id),
     deliveries_gone as (
       delete from webhook_deliveries w using deliveries d
       where w.account_id = d.account_id and w.delivery_id = d.delivery_id),
     events_gone as (
       delete from webhook_events e using doomed d
       where e.account_id = d.account_id and e.event_id = d.event_id returning 1)
     select count(*)::int as count from events_gone`,
    [before, limit],
  );
  return row?.count ?? 0;
}
