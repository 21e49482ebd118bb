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
  readonly #done: Array<{ lockToken: string; httpKey: HttpKeyInBatch; response: StoredHttpResponse }> = [];

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
        book.#states.set(ref, { kind: "claimed", scope, key, lockToken, request, response: null });
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
    this.#done.push({ lockToken: state.lockToken, httpKey, response });
    httpKey.outcome = { outcome: "stored", response };
  }

  /**
   * The statement parts that finish the claims: the answers stored (state `done`), and the
   * claims no answer came for deleted, so the HTTP layer can store its own answer later.
   */
  persistParts(params: unknown[]): string[] {
    const claimed = [...this.#states.values()].filter(
      (state): state is Extract<KeyState, { kind: "claimed" }> => state.kind === "claimed",
    );
    if (claimed.length === 0) return [];
    const parts: string[] = [];
    const done = this.#done;
    if (done.length > 0) {
      const first = params.length + 1;
      params.push(
        done.map(({ httpKey }) => httpKey.scope),
        done.map(({ httpKey }) => httpKey.key),
        done.map(({ lockToken }) => lockToken),
        done.map(({ response }) => response.status),
        done.map(({ response }) => JSON.stringify(response.headers)),
        done.map(({ response }) => hexOf(response.body)),
        done.map(({ httpKey }) => httpKey.now.toISOString()),
        done.map(({ httpKey }) => httpKey.expiresAt.toISOString()),
      );
      parts.push(`http_keys_done as (${completeStatement(first)})`);
    }
    const unanswered = claimed.filter((state) => state.response === null);
    if (unanswered.length > 0) {
      params.push(
        unanswered.map((state) => state.scope),
        unanswered.map((state) => state.key),
        unanswered.map((state) => state.lockToken),
      );
      const last = params.length;
      parts.push(`http_keys_unanswered as (delete from http_idempotency_keys k
        using unnest($${last - 2}::text[], $${last - 1}::text[], $${last}::text[]) as u(scope, idempotency_key, lock_token)
        where k.scope = u.scope collate "C" and k.idempotency_key = u.idempotency_key collate "C"
          and k.lock_token = u.lock_token)`);
    }
    return parts;
  }
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

function completeStatement(first: number): string {
  const p = (offset: number) => `$${first + offset}`;
  return `update http_idempotency_keys k set state = 'done', lock_token = null, locked_until = null,
      instance_id = null, response_status = u.status, response_headers = u.headers::jsonb,
      response_body = decode(u.body, 'hex'), completed_at = u.completed_at, expires_at = u.expires_at
    from unnest(${p(0)}::text[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::int[], ${p(4)}::text[],
      ${p(5)}::text[], ${p(6)}::timestamptz[], ${p(7)}::timestamptz[])
      as u(scope, idempotency_key, lock_token, status, headers, body, completed_at, expires_at)
    where k.scope = u.scope collate "C" and k.idempotency_key = u.idempotency_key collate "C"
      and k.lock_token = u.lock_token`;
}

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
