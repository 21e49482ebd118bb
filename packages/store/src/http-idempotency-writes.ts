import { CommitLane } from "./commit-lane.ts";
import type { SqlClient } from "./sql-client.ts";

/** A reservation row to insert: a new key, held by `lockToken` until `lockedUntil`. */
export interface KeyInsert {
  scope: string;
  key: string;
  method: string;
  target: string;
  bodySha256: string;
  lockToken: string;
  lockedUntil: Date;
  /** The server instance holding it, or null (only the lock frees it then). */
  instanceId: string | null;
  createdAt: Date;
  expiresAt: Date;
}

/** A final answer to store on the row `lockToken` holds. */
export interface KeyCompletion {
  scope: string;
  key: string;
  lockToken: string;
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  completedAt: Date;
  expiresAt: Date;
}

/** Rows per grouped statement: a few hundred concurrent requests, one round trip. */
const GROUP_SIZE_MAX = 256;
/**
 * Larger answers are stored by a statement of their own, so one grouped statement stays a
 * few MiB at most (bodies travel hex-encoded, twice their size) however large the answers.
 */
const GROUPED_BODY_BYTES_MAX = 16_384;

/**
 * The two statements every POST with an Idempotency-Key runs, the reservation's insert and
 * the answer's update, grouped as the ledger groups its operations (CommitLane): requests
 * arriving while one statement is in flight go together in the next, so N concurrent
 * requests cost one round trip each way instead of N. Each request still learns whether
 * its own row was written: rows are matched by their lock token, a fresh UUID per attempt.
 * Both skip the fsync (`queryUnflushed`, see HttpIdempotencyStore).
 */
export class HttpIdempotencyWrites {
  readonly #inserts: CommitLane<KeyInsert, boolean>;
  readonly #completions: CommitLane<KeyCompletion, boolean>;

  constructor(private readonly sql: SqlClient) {
    this.#inserts = new CommitLane((rows) => this.#insert(rows), GROUP_SIZE_MAX);
    this.#completions = new CommitLane((rows) => this.#complete(rows), GROUP_SIZE_MAX);
  }

  /** True if the row was inserted; false if the key already has one (or another row in the group took it). */
  insert(row: KeyInsert): Promise<boolean> {
    return this.#inserts.submit(row);
  }

  /** True if the row was still held by `lockToken` and now holds the answer. */
  complete(row: KeyCompletion): Promise<boolean> {
    if (row.body.byteLength > GROUPED_BODY_BYTES_MAX) return this.#complete([row]).then(([done]) => done as boolean);
    return this.#completions.submit(row);
  }

  async #insert(rows: KeyInsert[]): Promise<boolean[]> {
    // DO NOTHING also skips a second row for a key another row of the same statement
    // inserted: that request then finds the first one's row, in progress, as it would have.
    const inserted = await this.sql.queryUnflushed<{ lock_token: string }>(
      `insert into http_idempotency_keys (scope, idempotency_key, request_method, request_target,
         request_body_sha256, state, lock_token, locked_until, instance_id, created_at, expires_at)
       select scope, idempotency_key, request_method, request_target, request_body_sha256,
         'in_progress', lock_token, locked_until, instance_id, created_at, expires_at
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
         $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::text[])
         as u(scope, idempotency_key, request_method, request_target, request_body_sha256, lock_token,
           locked_until, created_at, expires_at, instance_id)
       on conflict do nothing
       returning lock_token`,
      [
        rows.map((row) => row.scope),
        rows.map((row) => row.key),
        rows.map((row) => row.method),
        rows.map((row) => row.target),
        rows.map((row) => row.bodySha256),
        rows.map((row) => row.lockToken),
        rows.map((row) => row.lockedUntil.toISOString()),
        rows.map((row) => row.createdAt.toISOString()),
        rows.map((row) => row.expiresAt.toISOString()),
        rows.map((row) => row.instanceId),
      ],
    );
    const tokens = new Set(inserted.map((row) => row.lock_token));
    return rows.map((row) => tokens.has(row.lockToken));
  }

  async #complete(rows: KeyCompletion[]): Promise<boolean[]> {
    // RETURNING names u's token: the row's own is set to null by this very update. The
    // collation is the key columns' own, so the comparison can use the primary key.
    const updated = await this.sql.queryUnflushed<{ lock_token: string }>(
      `update http_idempotency_keys k set state = 'done', lock_token = null, locked_until = null, instance_id = null,
         response_status = u.status, response_headers = u.headers::jsonb, response_body = decode(u.body, 'hex'),
         completed_at = u.completed_at, expires_at = u.expires_at
       from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[],
         $7::timestamptz[], $8::timestamptz[])
         as u(scope, idempotency_key, lock_token, status, headers, body, completed_at, expires_at)
       where k.scope = u.scope collate "C" and k.idempotency_key = u.idempotency_key collate "C"
         and k.state = 'in_progress' and k.lock_token = u.lock_token
       returning u.lock_token`,
      [
        rows.map((row) => row.scope),
        rows.map((row) => row.key),
        rows.map((row) => row.lockToken),
        rows.map((row) => row.status),
        rows.map((row) => JSON.stringify(row.headers)),
        rows.map((row) => Buffer.from(row.body.buffer, row.body.byteOffset, row.body.byteLength).toString("hex")),
        rows.map((row) => row.completedAt.toISOString()),
        rows.map((row) => row.expiresAt.toISOString()),
      ],
    );
    const tokens = new Set(updated.map((row) => row.lock_token));
    return rows.map((row) => tokens.has(row.lockToken));
  }
}
