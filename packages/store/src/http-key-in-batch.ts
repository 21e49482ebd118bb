import { randomUUID } from "node:crypto";
import type { OperationResult } from "@tollgate/core";
import type { HttpRequestFingerprint, StoredHttpResponse } from "./http-idempotency.ts";
import type { SqlExecutor } from "./sql-client.ts";

/**
 * The HTTP `Idempotency-Key` of the request an operation answers, written by the ledger's
 * batch in the operation's own transaction instead of by separate statements around it: the
 * key is claimed after the accounts are locked, and its stored answer is written with the
 * operation's rows, so the two commit (or roll back) together.
 *
 * @example
 * const httpKey: HttpKeyInBatch = { scope: "key_1", key: "k1", request, now, expiresAt,
 *   answer: (result) => result.ok ? jsonAnswer(200, chargedJson(result.value)) : null };
 * const result = await ledger.charge(input, { httpKey });
 * if (httpKey.outcome?.outcome === "replay") return replayResponse(httpKey.outcome.response);
 */
export interface HttpKeyInBatch {
  scope: string;
  key: string;
  request: HttpRequestFingerprint;
  /** The request's time by the HTTP layer's clock: the row's `created_at` and `completed_at`. */
  now: Date;
  /** Until when the stored answer is replayed. */
  expiresAt: Date;
  /**
   * The HTTP answer to the operation's result, stored in the batch; null when the route
   * answers this result itself (it needs a read the transaction should not wait on), in which
   * case the HTTP layer stores that answer afterwards.
   */
  answer: (result: OperationResult) => StoredHttpResponse | null;
  /** Set by the batch: what became of the key. */
  outcome?: HttpKeyOutcome;
}

/**
 * What the batch did with a request's key. `stored`: the operation ran and `response` was
 * stored with it. `unstored`: the operation ran (or its ledger key replayed) and no answer was
 * stored (`answer` gave null). `replay`, `conflict`, `in_progress`: the key already stands for
 * a request, so the operation did not run (its result is a refusal standing for this outcome).
 */
export type HttpKeyOutcome =
  | { outcome: "stored"; response: StoredHttpResponse }
  | { outcome: "unstored" }
  | { outcome: "replay"; response: StoredHttpResponse }
  | { outcome: "conflict"; firstRequest: { method: string; target: string } }
  | { outcome: "in_progress"; lockedUntil: Date };

interface ExistingRow {
  scope: string;
  idempotency_key: string;
  request_method: string;
  request_target: string;
  request_body_sha256: string;
  state: "in_progress" | "done";
  locked_until: Date | null;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: Uint8Array | null;
}

/** What this batch knows of one key: who claimed it here and the answer stored, or the row another request left. */
type KeyState =
  | {
      kind: "claimed";
      scope: string;
      key: string;
      lockToken: string;
      request: HttpRequestFingerprint;
      response: StoredHttpResponse | null;
      /** The item that claimed the key, and the one whose answer was stored (it may be a later one). */
      httpKey: HttpKeyInBatch;
      answeredBy?: HttpKeyInBatch;
    }
  | { kind: "existing"; row: ExistingRow }
  | { kind: "absent" };

const refOf = (scope: string, key: string) => `${scope}\u0000${key}`;

/**
 * The HTTP keys of one batch: claimed in one statement, decided item by item, written with
 * the batch's other rows (`persistParts`).
 */
export class HttpKeysInBatch {
  readonly #states = new Map<string, KeyState>();

  private constructor() {}

  /**
   * Claims every key of the batch: one `insert … on conflict` that reuses an expired row. A
   * key another transaction is claiming waits for it at the unique index (so two requests with
   * one key never both run); keys sorted, so two batches never wait on each other in a cycle.
   * The keys it could not claim are read in a second statement, which sees what the other
   * transaction committed. No statement at all when the batch carries no key.
   */
  static async claim(tx: SqlExecutor, httpKeys: readonly HttpKeyInBatch[]): Promise<HttpKeysInBatch> {
    const book = new HttpKeysInBatch();
    const firsts = new Map<string, { httpKey: HttpKeyInBatch; lockToken: string }>();
    for (const httpKey of httpKeys) {
      httpKey.outcome = undefined;
      const ref = refOf(httpKey.scope, httpKey.key);
      if (!firsts.has(ref)) firsts.set(ref, { httpKey, lockToken: randomUUID() });
    }
    if (firsts.size === 0) return book;
    const claims = [...firsts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const claimed = await tx.query<{ lock_token: string }>(CLAIM, [
      claims.map(([, { httpKey }]) => httpKey.scope),
      claims.map(([, { httpKey }]) => httpKey.key),
      claims.map(([, { httpKey }]) => httpKey.request.method),
      claims.map(([, { httpKey }]) => httpKey.request.target),
      claims.map(([, { httpKey }]) => httpKey.request.bodySha256),
      claims.map(([, { lockToken }]) => lockToken),
      claims.map(([, { httpKey }]) => httpKey.now.toISOString()),
      claims.map(([, { httpKey }]) => httpKey.expiresAt.toISOString()),
    ]);
    const tokens = new Set(claimed.map((row) => row.lock_token));
    const others: HttpKeyInBatch[] = [];
    for (const [ref, { httpKey, lockToken }] of claims) {
      if (tokens.has(lockToken)) {
        const { scope, key, request } = httpKey;
        book.#states.set(ref, { kind: "claimed", scope, key, lockToken, request, response: null, httpKey });
      } else {
        book.#states.set(ref, { kind: "absent" });
        others.push(httpKey);
      }
    }
    if (others.length > 0) {
      const rows = await tx.query<ExistingRow>(READ, [others.map((k) => k.scope), others.map((k) => k.key)]);
      for (const row of rows) book.#states.set(refOf(row.scope, row.idempotency_key), { kind: "existing", row });
    }
    return book;
  }

  /**
   * Before an item runs: true when its key already stands for a request (another batch's, or
   * an earlier item of this one), its outcome set, so the item must not run.
   */
  answered(httpKey: HttpKeyInBatch): boolean {
    const state = this.#states.get(refOf(httpKey.scope, httpKey.key));
    if (state === undefined || state.kind === "absent") return false;
    if (state.kind === "claimed") {
      // An earlier item of this batch claimed the key: the same request replays its answer,
      // another conflicts; without a stored answer the item runs and its ledger key replays.
      if (!sameRequest(state.request, httpKey.request)) {
        httpKey.outcome = { outcome: "conflict", firstRequest: state.request };
        return true;
      }
      if (state.response === null) return false;
      httpKey.outcome = { outcome: "replay", response: state.response };
      return true;
    }
    const { row } = state;
    if (!sameRequest(fingerprintOf(row), httpKey.request)) {
      httpKey.outcome = {
        outcome: "conflict",
        firstRequest: { method: row.request_method, target: row.request_target },
      };
    } else if (row.state === "done") {
      httpKey.outcome = { outcome: "replay", response: storedResponseOf(row) };
    } else {
      httpKey.outcome = { outcome: "in_progress", lockedUntil: row.locked_until as Date };
    }
    return true;
  }

  /** After an item ran: its answer, stored with the batch when the key was claimed here. */
  record(httpKey: HttpKeyInBatch, result: OperationResult): void {
    const state = this.#states.get(refOf(httpKey.scope, httpKey.key));
    const response = state?.kind === "claimed" && state.response === null ? answerOf(httpKey, result) : null;
    if (state?.kind !== "claimed" || response === null) {
      httpKey.outcome = { outcome: "unstored" };
      return;
    }
    state.response = response;
    state.answeredBy = httpKey;
    httpKey.outcome = { outcome: "stored", response };
  }

  /**
   * The statement part that finishes the claims: each claimed row rewritten whole, as its answer
   * (state `done`), or, when no answer came, as a reservation already past its lock and its
   * retention, so the key is free for the answer the HTTP layer stores later. Written by
   * `insert … on conflict do update` on rows this transaction holds: found through the primary
   * key's arbiter, never by a join a cached plan could turn into a scan of the whole table.
   */
  persistParts(params: unknown[]): string[] {
    const rows = [...this.#states.values()].flatMap((state) => (state.kind === "claimed" ? [rowOf(state)] : []));
    if (rows.length === 0) return [];
    const first = params.length + 1;
    for (const column of FINISH_COLUMNS) params.push(rows.map((row) => row[column.name]));
    const arrays = FINISH_COLUMNS.map((column, index) => `$${first + index}::${column.type}[]`).join(", ");
    const names = FINISH_COLUMNS.map((column) => column.name);
    const values = FINISH_COLUMNS.map((column) => ("value" in column ? column.value : column.name)).join(", ");
    return [
      `http_keys_finished as (insert into http_idempotency_keys (${names.join(", ")})
        select ${values} from unnest(${arrays}) as u(${names.join(", ")})
        on conflict (scope, idempotency_key) do update set
          ${names.map((name) => `${name} = excluded.${name}`).join(", ")})`,
    ];
  }
}

type FinishRow = Record<(typeof FINISH_COLUMNS)[number]["name"], unknown>;

/** The columns of a finished claim, described once: name, SQL type, and how it is read from its array. */
const FINISH_COLUMNS = [
  { name: "scope", type: "text" },
  { name: "idempotency_key", type: "text" },
  { name: "request_method", type: "text" },
  { name: "request_target", type: "text" },
  { name: "request_body_sha256", type: "text" },
  { name: "state", type: "text" },
  { name: "lock_token", type: "text" },
  { name: "locked_until", type: "timestamptz" },
  { name: "response_status", type: "int", value: "response_status::smallint" },
  { name: "response_headers", type: "text", value: "response_headers::jsonb" },
  { name: "response_body", type: "text", value: "decode(response_body, 'hex')" },
  { name: "created_at", type: "timestamptz" },
  { name: "completed_at", type: "timestamptz" },
  { name: "expires_at", type: "timestamptz" },
] as const satisfies ReadonlyArray<{ name: string; type: string; value?: string }>;

/** A claimed key's final row: its answer, or a reservation that has already ended. */
function rowOf(state: Extract<KeyState, { kind: "claimed" }>): FinishRow {
  const { request, response, httpKey } = state;
  const now = httpKey.now.toISOString();
  const common = {
    scope: state.scope,
    idempotency_key: state.key,
    request_method: request.method,
    request_target: request.target,
    request_body_sha256: request.bodySha256,
    created_at: now,
  };
  if (response === null) {
    return {
      ...common,
      state: "in_progress",
      lock_token: state.lockToken,
      locked_until: "-infinity",
      response_status: null,
      response_headers: null,
      response_body: null,
      completed_at: null,
      expires_at: "-infinity",
    };
  }
  return {
    ...common,
    state: "done",
    lock_token: null,
    locked_until: null,
    response_status: response.status,
    response_headers: JSON.stringify(response.headers),
    response_body: hexOf(response.body),
    completed_at: now,
    expires_at: (state.answeredBy ?? httpKey).expiresAt.toISOString(),
  };
}

const CLAIM = `insert into http_idempotency_keys as k (scope, idempotency_key, request_method, request_target,
    request_body_sha256, state, lock_token, locked_until, created_at, expires_at)
  select scope, idempotency_key, request_method, request_target, request_body_sha256, 'in_progress',
    lock_token, expires_at, created_at, expires_at
  from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
    $8::timestamptz[]) with ordinality
    as u(scope, idempotency_key, request_method, request_target, request_body_sha256, lock_token, created_at,
      expires_at, ordinal)
  order by ordinal
  on conflict (scope, idempotency_key) do update set request_method = excluded.request_method,
    request_target = excluded.request_target, request_body_sha256 = excluded.request_body_sha256,
    state = 'in_progress', lock_token = excluded.lock_token, locked_until = excluded.locked_until,
    instance_id = null, response_status = null, response_headers = null, response_body = null,
    created_at = excluded.created_at, completed_at = null, expires_at = excluded.expires_at
  -- Only a row past its retention (and not held by a live lock) is reused, as reserve() does.
  where k.expires_at <= excluded.created_at and (k.state = 'done' or k.locked_until <= excluded.created_at)
  returning lock_token`;

const READ = `select k.scope, k.idempotency_key, request_method, request_target, request_body_sha256, state,
    locked_until, response_status, response_headers, response_body
  from http_idempotency_keys k join unnest($1::text[], $2::text[]) as u(scope, idempotency_key)
    on k.scope = u.scope collate "C" and k.idempotency_key = u.idempotency_key collate "C"`;

/** The route's answer, or none if it gives none or throws (one route's bug must not fail the batch). */
function answerOf(httpKey: HttpKeyInBatch, result: OperationResult): StoredHttpResponse | null {
  try {
    return httpKey.answer(result);
  } catch {
    return null;
  }
}

function sameRequest(a: HttpRequestFingerprint, b: HttpRequestFingerprint): boolean {
  return a.method === b.method && a.target === b.target && a.bodySha256 === b.bodySha256;
}

function fingerprintOf(row: ExistingRow): HttpRequestFingerprint {
  return { method: row.request_method, target: row.request_target, bodySha256: row.request_body_sha256 };
}

function storedResponseOf(row: ExistingRow): StoredHttpResponse {
  return {
    status: row.response_status as number,
    headers: row.response_headers ?? {},
    body: new Uint8Array(row.response_body ?? new Uint8Array(0)),
  };
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
