import { randomUUID } from "node:crypto";
import { isDatabaseUnavailable } from "./database-unavailable.ts";
import { HttpIdempotencyWrites } from "./http-idempotency-writes.ts";
import { ReservationInDoubt } from "./reservation-in-doubt.ts";
import type { SqlClient } from "./sql-client.ts";

/** The longest `Idempotency-Key` and the longest scope, in characters. */
export const HTTP_IDEMPOTENCY_KEY_LENGTH_MAX = 255;
export const HTTP_IDEMPOTENCY_SCOPE_LENGTH_MAX = 255;
/** The longest request target (path and query string) a key can stand for. */
export const HTTP_REQUEST_TARGET_LENGTH_MAX = 8192;
/** The largest response body stored for replay: the schema's hard limit (1 MiB). */
export const HTTP_RESPONSE_BODY_BYTES_MAX = 1_048_576;
/** The most rows one `purgeExpired` call deletes, so one call is one short statement. */
export const HTTP_IDEMPOTENCY_PURGE_LIMIT_MAX = 10_000;
/**
 * How old the heartbeat of the instance holding a key may be before another request may take
 * the key over (`reserve`'s `staleAfterMs`): five missed beats of a one-second heartbeat.
 */
export const HTTP_IDEMPOTENCY_HOLDER_STALE_MS = 5000;
/** The most stored response headers; the middleware keeps only the few that matter. */
const RESPONSE_HEADERS_MAX = 16;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** What a key stands for: a second request with the key must match all three. */
export interface HttpRequestFingerprint {
  method: string;
  /** Path and query string, e.g. `/v1/charges?dry_run=true`. */
  target: string;
  /** SHA-256 of the raw body bytes, lowercase hex. */
  bodySha256: string;
}

/** A response as stored and replayed. */
export interface StoredHttpResponse {
  status: number;
  /** Lowercase header names; only those the middleware chose to keep. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * What `reserve` found, one of four. `reserved`: this request owns the key and must end with
 * `complete` or `release` (`takenOver` when it took the key from a holder whose lock had
 * expired or whose instance stopped beating). `conflict`: the key stands for another
 * request. `replay`: the stored answer. `in_progress`: the first request holds the key until
 * `lockedUntil` at most; `holder` is its instance's last heartbeat and when that heartbeat
 * will be stale (the key free) if no other comes, or null when the holder named no instance.
 */
export type HttpIdempotencyReservation =
  | { outcome: "reserved"; lockToken: string; takenOver: boolean }
  | { outcome: "conflict"; firstRequest: { method: string; target: string } }
  | { outcome: "replay"; response: StoredHttpResponse }
  | { outcome: "in_progress"; lockedUntil: Date; holder: HttpIdempotencyHolder | null };

/** The instance holding a key in progress, as its heartbeat says. */
export interface HttpIdempotencyHolder {
  heartbeatAt: Date;
  /** When the key may be taken over if the holder beats no more (its lock may end sooner). */
  staleAt: Date;
}

export interface HttpIdempotencyKeyRef {
  scope: string;
  key: string;
}

interface KeyRow {
  request_method: string;
  request_target: string;
  request_body_sha256: string;
  state: "in_progress" | "done";
  lock_token: string | null;
  locked_until: Date | null;
  instance_id: string | null;
  holder_heartbeat_at: Date | null;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: Uint8Array | null;
  expires_at: Date;
}

/** Reads and takeovers a reserve may lose to a concurrent request before it gives up. */
const RESERVE_ATTEMPTS_MAX = 4;

/**
 * The rows behind the HTTP `Idempotency-Key` (table `http_idempotency_keys`). Every method is
 * one short statement (or a few, each atomic on its own): no transaction is held while the
 * request's handler runs; the reservation's insert and the answer's update are grouped
 * across concurrent requests (HttpIdempotencyWrites). Times come from the caller, so a test
 * clock moves them. Writes skip the fsync (`queryUnflushed`): a database crash may lose the
 * last moments of rows, and a retry then runs the route again, where the ledger's own copy of
 * the key (written durably with the operation) replays the first result.
 *
 * @example
 * const store = new HttpIdempotencyStore(ledger.sql);
 * const now = new Date();
 * const reservation = await store.reserve({ scope: "key_1", key: "k1", request, now,
 *   lockedUntil: new Date(now.getTime() + 60_000), expiresAt: new Date(now.getTime() + 86_400_000) });
 * if (reservation.outcome === "reserved") {
 *   await store.complete({ scope: "key_1", key: "k1", lockToken: reservation.lockToken, response, now, expiresAt });
 * }
 */
export class HttpIdempotencyStore {
  readonly #writes: HttpIdempotencyWrites;

  constructor(private readonly sql: SqlClient) {
    this.#writes = new HttpIdempotencyWrites(sql);
  }

  /**
   * Claims `(scope, key)` for `request`, or says why not. A row past `expiresAt` counts as
   * absent, whether or not it has been purged yet, so the outcome never depends on when the
   * purge job last ran. Conflict comes before in-progress: retrying would not help. A key in
   * progress is taken over when its lock has ended, or sooner when the instance holding it
   * has a heartbeat older than `staleAfterMs` or no row at all (it died or shut down): one
   * statement, compare-and-set on the holder's token, so of two requests taking over the same
   * key exactly one wins.
   */
  async reserve(
    input: HttpIdempotencyKeyRef & {
      request: HttpRequestFingerprint;
      now: Date;
      /** When another request may take the key over if this one has not finished. */
      lockedUntil: Date;
      /** When the reservation (and, unless `complete` moves it, the key) expires. */
      expiresAt: Date;
      /**
       * The server instance making the reservation (ServerInstances), so another may take
       * the key over if this one dies. Without it only the lock frees the key.
       */
      instanceId?: string;
      /** How old a holder's heartbeat may be before its key is taken over. Default 5 s. */
      staleAfterMs?: number;
    },
  ): Promise<HttpIdempotencyReservation> {
    assertKeyRef(input);
    assertFingerprint(input.request);
    if (!(input.lockedUntil > input.now && input.expiresAt >= input.lockedUntil)) {
      throw new RangeError("reserve needs now < lockedUntil <= expiresAt");
    }
    const { scope, key, request, now } = input;
    const instanceId = input.instanceId ?? null;
    const staleAfterMs = input.staleAfterMs ?? HTTP_IDEMPOTENCY_HOLDER_STALE_MS;
    if (!Number.isSafeInteger(staleAfterMs) || staleAfterMs < 1) {
      throw new RangeError("staleAfterMs must be a positive integer");
    }
    // A heartbeat at or before this is stale: its instance has stopped, or nearly.
    const staleBefore = new Date(now.getTime() - staleAfterMs);
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS_MAX; attempt++) {
      const lockToken = randomUUID();
      const inserted = await inDoubtOnDrop({ scope, key, lockToken }, () =>
        this.#writes.insert({
          scope,
          key,
          method: request.method,
          target: request.target,
          bodySha256: request.bodySha256,
          lockToken,
          lockedUntil: input.lockedUntil,
          instanceId,
          createdAt: now,
          expiresAt: input.expiresAt,
        }),
      );
      if (inserted) return { outcome: "reserved", lockToken, takenOver: false };

      const [row] = await this.sql.query<KeyRow>(
        `select k.request_method, k.request_target, k.request_body_sha256, k.state, k.lock_token, k.locked_until,
           k.instance_id, i.heartbeat_at as holder_heartbeat_at,
           k.response_status, k.response_headers, k.response_body, k.expires_at
         from http_idempotency_keys k left join server_instances i on i.id = k.instance_id
         where k.scope = $1 and k.idempotency_key = $2`,
        [scope, key],
      );
      if (row === undefined) continue; // released or purged since the insert: try again
      if (isExpired(row, now)) {
        // Retention is over: the key is free, for this or any other request.
        if (await this.#replace(input, lockToken, instanceId)) {
          return { outcome: "reserved", lockToken, takenOver: false };
        }
        continue;
      }
      if (!sameRequest(row, request)) {
        return { outcome: "conflict", firstRequest: { method: row.request_method, target: row.request_target } };
      }
      if (row.state === "done") return { outcome: "replay", response: storedResponse(row) };
      const lockedUntil = row.locked_until as Date;
      const heartbeatAt = row.holder_heartbeat_at;
      const abandoned = row.instance_id !== null && (heartbeatAt === null || heartbeatAt <= staleBefore);
      if (lockedUntil > now && !abandoned) {
        const holder =
          heartbeatAt === null ? null : { heartbeatAt, staleAt: new Date(heartbeatAt.getTime() + staleAfterMs) };
        return { outcome: "in_progress", lockedUntil, holder };
      }
      // The holder did not finish in time, or its instance stopped beating (its process
      // died): take over, unless another request got there first; the old token is the
      // compare-and-set, and the holder's state is checked again in the same statement, so
      // a heartbeat that came since the read keeps the key with it.
      const taken = await inDoubtOnDrop({ scope, key, lockToken }, () =>
        this.sql.queryUnflushed(
          `update http_idempotency_keys k set lock_token = $3, locked_until = $4, expires_at = $5, instance_id = $7
         where scope = $1 and idempotency_key = $2 and state = 'in_progress' and lock_token = $6
           and (locked_until <= $8 or (k.instance_id is not null and not exists (
             select 1 from server_instances i where i.id = k.instance_id and i.heartbeat_at > $9)))
         returning 1`,
          [scope, key, lockToken, input.lockedUntil, input.expiresAt, row.lock_token, instanceId, now, staleBefore],
        ),
      );
      if (taken.length === 1) return { outcome: "reserved", lockToken, takenOver: true };
    }
    // Lost every race: someone else keeps claiming the key, so it is, in effect, in progress.
    return { outcome: "in_progress", lockedUntil: input.lockedUntil, holder: null };
  }

  /**
   * Stores the final answer. False when `lockToken` no longer holds the key (it expired and
   * another request took over): nothing is written, and the caller's answer is not replayed.
   */
  async complete(
    input: HttpIdempotencyKeyRef & {
      lockToken: string;
      response: StoredHttpResponse;
      now: Date;
      /** Until when the response is replayed. */
      expiresAt: Date;
    },
  ): Promise<boolean> {
    assertKeyRef(input);
    const { response } = input;
    assertResponse(response);
    if (!(input.expiresAt > input.now)) throw new RangeError("complete needs expiresAt after now");
    return this.#writes.complete({
      scope: input.scope,
      key: input.key,
      lockToken: input.lockToken,
      status: response.status,
      headers: response.headers,
      body: response.body,
      completedAt: input.now,
      expiresAt: input.expiresAt,
    });
  }

  /**
   * Stores the answer of a request that made no reservation (a ledger-backed route answered
   * before its ledger operation, which claims the key in its own transaction), if the key is
   * free (absent, or past its retention): `stored`. Otherwise what the key already holds, as
   * `reserve` would have said it: the replay of the same request's answer, a conflict, or a
   * request in progress; the caller answers that instead of its own.
   */
  async record(
    input: HttpIdempotencyKeyRef & {
      request: HttpRequestFingerprint;
      response: StoredHttpResponse;
      now: Date;
      expiresAt: Date;
    },
  ): Promise<{ outcome: "stored" } | Exclude<HttpIdempotencyReservation, { outcome: "reserved" }>> {
    assertKeyRef(input);
    assertFingerprint(input.request);
    assertResponse(input.response);
    if (!(input.expiresAt > input.now)) throw new RangeError("record needs expiresAt after now");
    const { request, response } = input;
    const written = await this.sql.queryUnflushed(RECORD, [
      input.scope,
      input.key,
      request.method,
      request.target,
      request.bodySha256,
      response.status,
      JSON.stringify(response.headers),
      Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength),
      input.now,
      input.expiresAt,
    ]);
    if (written.length === 1) return { outcome: "stored" };
    const [row] = await this.sql.query<KeyRow>(
      `select request_method, request_target, request_body_sha256, state, lock_token, locked_until, instance_id,
         null as holder_heartbeat_at, response_status, response_headers, response_body, expires_at
       from http_idempotency_keys where scope = $1 and idempotency_key = $2`,
      [input.scope, input.key],
    );
    // Gone since the insert (released, purged): the key is free again.
    if (row === undefined) return this.record(input);
    if (!sameRequest(row, request)) {
      return { outcome: "conflict", firstRequest: { method: row.request_method, target: row.request_target } };
    }
    if (row.state === "done") return { outcome: "replay", response: storedResponse(row) };
    return { outcome: "in_progress", lockedUntil: row.locked_until as Date, holder: null };
  }

  /**
   * Gives the key back, as if the request had never come: a retry with the key runs again.
   * False when `lockToken` no longer holds it.
   */
  async release(input: HttpIdempotencyKeyRef & { lockToken: string }): Promise<boolean> {
    assertKeyRef(input);
    const deleted = await this.sql.queryUnflushed(
      `delete from http_idempotency_keys
       where scope = $1 and idempotency_key = $2 and state = 'in_progress' and lock_token = $3
       returning 1`,
      [input.scope, input.key, input.lockToken],
    );
    return deleted.length === 1;
  }

  /**
   * Deletes up to `limit` expired rows, oldest first, and returns how many; a background job
   * calls it until it returns less than `limit`. A reservation still within its lock is kept
   * even past its expiry, so a request running that long can still finish.
   *
   * @example
   * while ((await store.purgeExpired(new Date(), 1000)) === 1000) {}
   */
  async purgeExpired(now: Date, limit: number): Promise<number> {
    if (!Number.isInteger(limit) || limit < 1 || limit > HTTP_IDEMPOTENCY_PURGE_LIMIT_MAX) {
      throw new RangeError(`limit must be an integer from 1 to ${HTTP_IDEMPOTENCY_PURGE_LIMIT_MAX}`);
    }
    const deleted = await this.sql.queryUnflushed(
      `delete from http_idempotency_keys where (scope, idempotency_key) in (
         select scope, idempotency_key from http_idempotency_keys
         where expires_at <= $1 and (state = 'done' or locked_until <= $1)
         order by expires_at limit $2)
         -- Checked again on the row itself: a key renewed by a new request since the subquery
         -- read it (reserve reuses expired rows) is re-evaluated here and kept.
         and expires_at <= $1 and (state = 'done' or locked_until <= $1)
       returning 1`,
      [now, limit],
    );
    return deleted.length;
  }

  /**
   * Reuses an expired row for a new request; false if another request reused it first (its
   * update, committed first, leaves a row that is no longer expired).
   */
  async #replace(
    input: HttpIdempotencyKeyRef & { request: HttpRequestFingerprint; now: Date; lockedUntil: Date; expiresAt: Date },
    lockToken: string,
    instanceId: string | null,
  ): Promise<boolean> {
    const { request } = input;
    const replaced = await this.sql.queryUnflushed(
      `update http_idempotency_keys set request_method = $3, request_target = $4, request_body_sha256 = $5,
         state = 'in_progress', lock_token = $6, locked_until = $7, instance_id = $10, response_status = null,
         response_headers = null, response_body = null, created_at = $8, completed_at = null, expires_at = $9
       where scope = $1 and idempotency_key = $2 and expires_at <= $8
         and (state = 'done' or locked_until <= $8)
       returning 1`,
      [
        input.scope,
        input.key,
        request.method,
        request.target,
        request.bodySha256,
        lockToken,
        input.lockedUntil,
        input.now,
        input.expiresAt,
        instanceId,
      ],
    );
    return replaced.length === 1;
  }
}

/** Inserts a final answer as done, or reuses an expired row for it; nothing when the key is taken. */
const RECORD = `insert into http_idempotency_keys as k (scope, idempotency_key, request_method, request_target,
    request_body_sha256, state, response_status, response_headers, response_body, created_at, completed_at,
    expires_at)
  values ($1, $2, $3, $4, $5, 'done', $6, $7::jsonb, $8, $9, $9, $10)
  on conflict (scope, idempotency_key) do update set request_method = excluded.request_method,
    request_target = excluded.request_target, request_body_sha256 = excluded.request_body_sha256,
    state = 'done', lock_token = null, locked_until = null, instance_id = null,
    response_status = excluded.response_status, response_headers = excluded.response_headers,
    response_body = excluded.response_body, created_at = excluded.created_at,
    completed_at = excluded.completed_at, expires_at = excluded.expires_at
  where k.expires_at <= excluded.created_at and (k.state = 'done' or k.locked_until <= excluded.created_at)
  returning 1`;

/** Past its retention, and not held by a live lock (which `reserve` never lets outlast it). */
function isExpired(row: KeyRow, now: Date): boolean {
  return row.expires_at <= now && (row.state === "done" || (row.locked_until as Date) <= now);
}

function sameRequest(row: KeyRow, request: HttpRequestFingerprint): boolean {
  return (
    row.request_method === request.method &&
    row.request_target === request.target &&
    row.request_body_sha256 === request.bodySha256
  );
}

function storedResponse(row: KeyRow): StoredHttpResponse {
  return {
    status: row.response_status as number,
    headers: row.response_headers ?? {},
    body: new Uint8Array(row.response_body ?? new Uint8Array(0)),
  };
}

// Programmer errors: the middleware validates what the client sent before it gets here.
function assertKeyRef(ref: HttpIdempotencyKeyRef): void {
  if (typeof ref.scope !== "string" || ref.scope.length < 1 || ref.scope.length > HTTP_IDEMPOTENCY_SCOPE_LENGTH_MAX) {
    throw new RangeError(`scope must be a string of 1 to ${HTTP_IDEMPOTENCY_SCOPE_LENGTH_MAX} characters`);
  }
  if (typeof ref.key !== "string" || !KEY_PATTERN.test(ref.key)) {
    throw new RangeError(
      `key must be 1 to ${HTTP_IDEMPOTENCY_KEY_LENGTH_MAX} printable ASCII characters without spaces`,
    );
  }
}

function assertResponse(response: StoredHttpResponse): void {
  if (!Number.isInteger(response.status) || response.status < 100 || response.status > 599) {
    throw new RangeError(`response status ${response.status} is not an HTTP status`);
  }
  if (response.body.byteLength > HTTP_RESPONSE_BODY_BYTES_MAX) {
    throw new RangeError(`a stored response body is at most ${HTTP_RESPONSE_BODY_BYTES_MAX} bytes`);
  }
  if (Object.keys(response.headers).length > RESPONSE_HEADERS_MAX) {
    throw new RangeError(`a stored response keeps at most ${RESPONSE_HEADERS_MAX} headers`);
  }
}

function assertFingerprint(request: HttpRequestFingerprint): void {
  if (!/^[A-Z]{1,16}$/.test(request.method)) throw new RangeError(`"${request.method}" is not an HTTP method`);
  if (request.target.length < 1 || request.target.length > HTTP_REQUEST_TARGET_LENGTH_MAX) {
    throw new RangeError(`request target must be 1 to ${HTTP_REQUEST_TARGET_LENGTH_MAX} characters`);
  }
  if (!/^[0-9a-f]{64}$/.test(request.bodySha256)) throw new RangeError("bodySha256 must be 64 lowercase hex digits");
}

/**
 * Runs a write that takes the key with `held.lockToken`; if the database drops the connection
 * meanwhile, the write may have committed, so the error says which token the key may now hold.
 */
async function inDoubtOnDrop<T>(
  held: { scope: string; key: string; lockToken: string },
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw new ReservationInDoubt(held, error);
    throw error;
  }
}
