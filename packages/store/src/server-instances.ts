import { randomUUID } from "node:crypto";
import type { SqlClient } from "./sql-client.ts";

/** The most rows one `purgeDead` call deletes, so one call is one short statement. */
const PURGE_LIMIT = 1000;

/**
 * The server processes using this database (table `server_instances`): each registers at
 * start, beats a heartbeat about once a second and removes its row on a clean shutdown. An
 * Idempotency-Key reservation names the instance that holds it, so a key held by a process
 * that crashed can be taken over once its heartbeat is a few seconds old (HttpIdempotencyStore).
 * Times come from the caller (the ledger's clock, the one the idempotency middleware uses),
 * so a test moves them; across machines, the clocks must agree to well within the stale window.
 *
 * @example
 * const instances = new ServerInstances(ledger.sql);
 * const id = await instances.register(ledger.now());
 * await instances.heartbeat(id, ledger.now()); // every second
 * await instances.remove(id); // on shutdown
 */
export class ServerInstances {
  constructor(private readonly sql: SqlClient) {}

  /** Adds a new instance, alive as of `now`, and returns its id. */
  async register(now: Date, id: string = randomUUID()): Promise<string> {
    await this.sql.query("insert into server_instances (id, started_at, heartbeat_at) values ($1, $2, $2)", [id, now]);
    return id;
  }

  /**
   * Says `id` is alive as of `now`. An upsert: an instance whose row was purged while it was
   * cut off (it had stopped beating long enough to count as dead) is alive again, though the
   * keys taken from it meanwhile stay taken.
   */
  async heartbeat(id: string, now: Date): Promise<void> {
    await this.sql.queryUnflushed(
      `insert into server_instances (id, started_at, heartbeat_at) values ($1, $2, $2)
       on conflict (id) do update set heartbeat_at = greatest(server_instances.heartbeat_at, excluded.heartbeat_at)`,
      [id, now],
    );
  }

  /** Removes `id` on a clean shutdown: the keys it still holds are free at once. */
  async remove(id: string): Promise<void> {
    await this.sql.query("delete from server_instances where id = $1", [id]);
  }

  /**
   * Removes every instance but `id` and returns how many: on the embedded database only one
   * process can hold the data directory, so any other instance recorded there is a
   * predecessor that did not shut down cleanly, and its keys may be taken over at once.
   */
  async removeOthers(id: string): Promise<number> {
    return (await this.sql.query("delete from server_instances where id <> $1 returning 1", [id])).length;
  }

  /**
   * Deletes up to 1000 instances whose last heartbeat is before `before` and returns how
   * many. A reservation naming a missing instance counts as abandoned, as one naming a stale
   * instance does, so deleting a dead row changes no answer.
   */
  async purgeDead(before: Date): Promise<number> {
    const deleted = await this.sql.queryUnflushed(
      `delete from server_instances where id in (
         select id from server_instances where heartbeat_at < $1 order by heartbeat_at limit $2)
         and heartbeat_at < $1
       returning 1`,
      [before, PURGE_LIMIT],
    );
    return deleted.length;
  }
}
