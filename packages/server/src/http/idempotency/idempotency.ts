import { createHash } from "node:crypto";
import {
  HTTP_IDEMPOTENCY_HOLDER_STALE_MS,
  HTTP_IDEMPOTENCY_KEY_LENGTH_MAX,
  HTTP_REQUEST_TARGET_LENGTH_MAX,
  HTTP_RESPONSE_BODY_BYTES_MAX,
  type HttpIdempotencyKeyRef,
  type HttpIdempotencyReservation,
  type HttpIdempotencyStore,
  type HttpRequestFingerprint,
  isDatabaseUnavailable,
  RESERVED_KEY_PREFIX,
  ReservationInDoubt,
  type StoredHttpResponse,
} from "@tollgate/store";
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "../api-error.ts";
import { conflictError, IDEMPOTENT_REPLAYED_HEADER, nullIfEmpty, replayResponse } from "./key-answers.ts";
import { answeredInLedger, setHttpKeyIntent } from "./ledger-answer.ts";
import { backgroundRetries } from "./retry-in-background.ts";

export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
export { IDEMPOTENT_REPLAYED_HEADER };

const REPLAY_BODY = "idempotencyReplayBody";

/**
 * For an answer that carries a secret shown once (a new key's token): what a replay of the
 * request answers instead, so the secret is never stored. Call it from the route.
 *
 * @example
 * replayAnswer(c, { ...created, token: null });
 * return c.json({ ...created, token }, 200);
 */
export function replayAnswer(c: Context, body: unknown): void {
  c.set(REPLAY_BODY as never, JSON.stringify(body) as never);
}

/** Visible ASCII, no spaces: the same keys the v1 routes accept as ledger keys (v1/idempotency-key.ts). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface IdempotencyOptions {
  store: Pick<HttpIdempotencyStore, "reserve" | "complete" | "release" | "record">;
  /** The middleware's clock for locks and retention; tests move it. Default: the system clock. */
  clock?: () => Date;
  /**
   * Whose key this is, as the auth layer set it on the context (e.g. the API key id): keys
   * are per caller. Default "anonymous", for an app with no auth in front.
   */
  scopeOf?: (c: Context) => string;
  /**
   * How long a request holds its key before another may take it over, however alive its
   * instance: what bounds a holder that is alive but stuck. Default 60 s.
   */
  lockMs?: number;
  /**
   * This server process's instance (ServerInstances), named on every reservation so that,
   * if the process dies, another request may take its keys over once its heartbeat is
   * `holderStaleMs` old instead of waiting out the lock. Without it, only the lock frees a key.
   */
  instanceId?: string;
  /** How old the holder's heartbeat may be before its key is taken over. Default 5 s. */
  holderStaleMs?: number;
  /**
   * How often instances beat (start-server.ts beats every second): a holder whose heartbeat is
   * over twice this old has missed beats, so `Retry-After` names when it counts as stale.
   * Default 1 s.
   */
  heartbeatMs?: number;
  /** How long a stored response is replayed. Default 24 h. */
  retentionMs?: number;
  /** The largest request body hashed; larger is answered 413. Default 1 MiB. */
  requestBodyBytesMax?: number;
  /** The largest response body stored; at most the schema's 1 MiB. Default 1 MiB. */
  responseBodyBytesMax?: number;
  /** Response headers stored and replayed with the body. Default `["content-type"]`. */
  storedHeaderNames?: readonly string[];
  /**
   * The POST routes that write nothing (a check before a call), by exact path: they need no
   * key, and one sent with them is ignored, since there is nothing to do at most once and
   * nothing worth storing. An explicit list rather than a rule guessed from paths, so a route
   * that writes can never be exempted by its name. Default none.
   */
  readOnlyPaths?: readonly string[];
  /**
   * The routes whose effect is one ledger operation carrying the key (a charge, a hold...):
   * true for a request the route answers through `ledgerAnswer`, which claims the key and
   * stores its answer in the operation's own transaction, so no reservation is made around it.
   * An answer the route gives without the ledger (a 400 before it) is stored afterwards.
   * Default none.
   */
  answersInLedger?: (c: Context) => boolean;
}

/**
 * Makes every POST answer once per `Idempotency-Key` (Stripe's semantics; see
 * docs/reference/http-idempotency.md). The first request with a key runs and its answer is
 * stored; a retry with the same method, path and body gets that answer byte for byte, with
 * `Idempotent-Replayed: true`. Other methods, and the POST routes listed as read-only, pass
 * through untouched. Mount it after the auth middleware that sets the scope, and before the
 * routes.
 *
 * @example
 * app.use(idempotency({ store: new HttpIdempotencyStore(ledger.sql), scopeOf: (c) => c.get("apiKeyId") }));
 */
export function idempotency(options: IdempotencyOptions): MiddlewareHandler {
  const { store } = options;
  const clock = options.clock ?? (() => new Date());
  const scopeOf = options.scopeOf ?? (() => "anonymous");
  const lockMs = positiveInteger(options.lockMs ?? 60_000, "lockMs");
  const retentionMs = positiveInteger(options.retentionMs ?? 86_400_000, "retentionMs");
  const holderStaleMs = positiveInteger(options.holderStaleMs ?? HTTP_IDEMPOTENCY_HOLDER_STALE_MS, "holderStaleMs");
  const heartbeatMs = positiveInteger(options.heartbeatMs ?? 1000, "heartbeatMs");
  const holding =
    options.instanceId === undefined ? {} : { instanceId: options.instanceId, staleAfterMs: holderStaleMs };
  const requestBodyBytesMax = positiveInteger(options.requestBodyBytesMax ?? 1_048_576, "requestBodyBytesMax");
  const responseBodyBytesMax = positiveInteger(
    options.responseBodyBytesMax ?? HTTP_RESPONSE_BODY_BYTES_MAX,
    "responseBodyBytesMax",
  );
  if (retentionMs < lockMs) throw new RangeError("retentionMs must be at least lockMs");
  if (responseBodyBytesMax > HTTP_RESPONSE_BODY_BYTES_MAX) {
    throw new RangeError(`responseBodyBytesMax is at most ${HTTP_RESPONSE_BODY_BYTES_MAX}, the schema's limit`);
  }
  const storedHeaderNames = (options.storedHeaderNames ?? ["content-type"]).map((name) => name.toLowerCase());
  const readOnlyPaths = new Set(options.readOnlyPaths ?? []);
  const retries = backgroundRetries(clock);
  /** A write of the key that the database's absence must not fail: retried in the background instead. */
  const writeOrRetry = async (write: () => Promise<unknown>, lockedUntil: Date): Promise<void> => {
    try {
      await write();
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      retries.start(write, lockedUntil);
    }
  };

  const answersInLedger = options.answersInLedger ?? (() => false);

  /**
   * A ledger-backed route answered before (or without) its ledger operation, which changed
   * nothing: a 400, a 404. Kept as any answer if the key is free; else the key's own answer
   * stands (the replay, a conflict, a request in progress).
   */
  const keepRouteAnswer = async (
    c: Context,
    held: HttpIdempotencyKeyRef & { request: HttpRequestFingerprint; now: Date; expiresAt: Date; lockedUntil: Date },
  ): Promise<void> => {
    const { response, body } = await bufferedAnswer(c, responseBodyBytesMax);
    if (isFinalAnswer(response.status, body)) {
      const stored = { status: response.status, headers: pickHeaders(response.headers, storedHeaderNames), body };
      const record = () => store.record({ ...held, response: storedAnswer(c, stored) });
      const outcome = await record().catch((error: unknown) => {
        // The database is away: the client gets its own answer, kept once the database is back.
        if (!isDatabaseUnavailable(error)) throw error;
        retries.start(record, held.lockedUntil);
        return { outcome: "stored" as const };
      });
      if (outcome.outcome === "replay") {
        c.res = replayResponse(outcome.response);
        return;
      }
      if (outcome.outcome !== "stored") refuse(c, outcome, held.request.target, held.now, heartbeatMs);
    }
    c.res = new Response(nullIfEmpty(body), { status: response.status, headers: response.headers });
  };

  return async function idempotency(c, next) {
    if (c.req.method !== "POST" || readOnlyPaths.has(c.req.path)) return next();
    const key = idempotencyKeyOf(c);
    const scope = scopeOf(c);
    const request = await fingerprintOf(c, requestBodyBytesMax);
    const now = clock();
    const lockedUntil = new Date(now.getTime() + lockMs);
    if (answersInLedger(c)) {
      const expiresAt = new Date(now.getTime() + retentionMs);
      setHttpKeyIntent(c, { scope, key, request, now, expiresAt, responseBodyBytesMax });
      await next();
      if (!answeredInLedger(c)) await keepRouteAnswer(c, { scope, key, request, now, expiresAt, lockedUntil });
      return;
    }
    const reservation = await store
      .reserve({ scope, key, request, now, lockedUntil, expiresAt: new Date(now.getTime() + retentionMs), ...holding })
      .catch((error: unknown) => {
        // The reservation may have committed with no one left to finish it: release it once
        // the database answers, so the client's retry runs instead of meeting 409s for a minute.
        if (error instanceof ReservationInDoubt) retries.start(() => store.release(error.held), lockedUntil);
        throw error;
      });
    if (reservation.outcome === "replay") return replayResponse(reservation.response);
    if (reservation.outcome !== "reserved") refuse(c, reservation, request.target, now, heartbeatMs);

    const held = { scope, key, lockToken: reservation.lockToken };
    try {
      await next();
    } catch (error) {
      // Only without an onError does the handler's error reach us; no answer was given, so
      // none is kept. The handler's error is the one to report: if the release fails too,
      // the lock's expiry frees the key.
      await store.release(held).catch(() => {});
      throw error;
    }
    const response = c.res;
    const responseBody = await readStream(response.body, responseBodyBytesMax);
    if (responseBody === null) {
      await store.release(held);
      throw new Error(
        `The response to ${c.req.method} ${c.req.path} is over ${responseBodyBytesMax} bytes, too large to store for Idempotency-Key replays; raise responseBodyBytesMax or answer with less.`,
      );
    }
    if (!isFinalAnswer(response.status, responseBody)) {
      // A 503 because the database is away usually cannot be released either: the release
      // is retried until the database answers, so the client's retry runs, not 409s.
      await writeOrRetry(() => store.release(held), lockedUntil);
    } else {
      const doneAt = clock();
      // False when this request outlived its lock and another took the key over: the
      // client still gets this answer; the other request's answer is the one replayed.
      // If the database went away after the work was done, the client still gets its answer
      // (it happened) and the answer is stored once the database is back.
      await writeOrRetry(
        () =>
          store.complete({
            ...held,
            response: {
              status: response.status,
              headers: pickHeaders(response.headers, storedHeaderNames),
              body: storedBodyOf(c, responseBody),
            },
            now: doneAt,
            expiresAt: new Date(doneAt.getTime() + retentionMs),
          }),
        lockedUntil,
      );
    }
    // The body stream was read to store it; give the client the same bytes.
    c.res = new Response(nullIfEmpty(responseBody), { status: response.status, headers: response.headers });
  };
}

function idempotencyKeyOf(c: Context): string {
  const key = c.req.header(IDEMPOTENCY_KEY_HEADER);
  if (key === undefined || !KEY_PATTERN.test(key)) {
    throw new ApiError(
      "invalid_request",
      `${key === undefined ? "Missing" : "Malformed"} ${IDEMPOTENCY_KEY_HEADER} header: every POST needs one, 1 to ${HTTP_IDEMPOTENCY_KEY_LENGTH_MAX} printable ASCII characters without spaces, unique per operation (a UUID works). Send the same key only to retry the same request.`,
      { fields: [{ field: IDEMPOTENCY_KEY_HEADER, message: key === undefined ? "required" : "malformed" }] },
    );
  }
  // Refused on every POST, not only where the key reaches the ledger (which refuses it too):
  // one rule for the header, and no route quietly accepts a key of Tollgate's own namespace.
  if (key.startsWith(RESERVED_KEY_PREFIX)) {
    throw new ApiError(
      "invalid_request",
      `${IDEMPOTENCY_KEY_HEADER} values starting with "${RESERVED_KEY_PREFIX}" are reserved for Tollgate itself; send your own key (a UUID works).`,
      { fields: [{ field: IDEMPOTENCY_KEY_HEADER, message: "reserved prefix" }] },
    );
  }
  return key;
}

/**
 * Method, path with query string, and the SHA-256 of the body as text (UTF-8): what the key
 * stands for. The text, not the raw bytes, because the text is what the handler parses: two
 * bodies that decode alike (invalid UTF-8 becomes U+FFFD) are the same request to it.
 */
async function fingerprintOf(c: Context, bodyBytesMax: number): Promise<HttpRequestFingerprint> {
  const url = new URL(c.req.url);
  const target = url.pathname + url.search;
  if (target.length > HTTP_REQUEST_TARGET_LENGTH_MAX) {
    throw new ApiError(
      "invalid_request",
      `The path and query string are over ${HTTP_REQUEST_TARGET_LENGTH_MAX} characters.`,
    );
  }
  const body = await readRequestText(c, bodyBytesMax);
  return { method: "POST", target, bodySha256: createHash("sha256").update(body).digest("hex") };
}

/** Answers a request that may not run: its key stands for another request, or is still running. */
function refuse(
  c: Context,
  reservation: Extract<HttpIdempotencyReservation, { outcome: "conflict" | "in_progress" }>,
  target: string,
  now: Date,
  heartbeatMs: number,
): never {
  if (reservation.outcome === "conflict") throw conflictError(reservation.firstRequest, target);
  c.header("Retry-After", String(retryAfterSeconds(reservation, now, heartbeatMs)));
  throw new ApiError(
    "idempotency_in_progress",
    "A request with this Idempotency-Key is still being processed. Retry after it finishes to get its response.",
  );
}

/**
 * `Retry-After` for a key in progress, in whole seconds, at least 1 and never past the lock.
 * A holder that beats on is working: how long its request still runs is unknown, and most
 * finish within a second, so 1. A holder that has missed beats (over two intervals old) is
 * probably dead: the retry succeeds once its heartbeat is stale, so the seconds until then,
 * rounded up.
 */
export function retryAfterSeconds(
  reservation: Extract<HttpIdempotencyReservation, { outcome: "in_progress" }>,
  now: Date,
  heartbeatMs: number,
): number {
  const { holder, lockedUntil } = reservation;
  const missedBeats = holder !== null && now.getTime() - holder.heartbeatAt.getTime() > 2 * heartbeatMs;
  const retryAt = missedBeats ? Math.min(holder.staleAt.getTime(), lockedUntil.getTime()) : now.getTime() + 1000;
  const waitMs = Math.min(retryAt, lockedUntil.getTime()) - now.getTime();
  return Math.max(1, Math.ceil(waitMs / 1000));
}

/**
 * The body as text, read once under the limit, where the handler finds it again:
 * `c.req.json()` parses the text Hono cached. With a `Content-Length` (the usual case) the
 * server reads the body straight from the socket; a chunked body is counted as it streams
 * and put back as bytes.
 */
async function readRequestText(c: Context, bytesMax: number): Promise<string> {
  const declared = c.req.header("content-length");
  const tooLarge = () =>
    new HTTPException(413, {
      message: `The request body is over ${bytesMax} bytes, the most a request with an Idempotency-Key may carry.`,
    });
  if (declared !== undefined) {
    if (Number(declared) > bytesMax) throw tooLarge();
    const text = await c.req.text();
    if (Buffer.byteLength(text) > bytesMax) throw tooLarge();
    return text;
  }
  const bytes = await readStream(c.req.raw.body, bytesMax);
  if (bytes === null) throw tooLarge();
  // Always a body, even empty: a Request whose body was read cannot be copied with none.
  c.req.raw = new Request(c.req.raw, { body: bytes });
  return new TextDecoder().decode(bytes);
}

/** A body's bytes, or null when over the limit (the stream is then cancelled). */
async function readStream(stream: ReadableStream<Uint8Array> | null, bytesMax: number): Promise<Uint8Array | null> {
  if (stream === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > bytesMax) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * What is kept and replayed: every answer below 500 except "try again later" (409
 * `idempotency_in_progress` from a nested call, and 429). A 5xx is not an answer to keep:
 * the key is released so the client's retry runs again.
 */
function isFinalAnswer(status: number, body: Uint8Array): boolean {
  if (status >= 500 || status === 429) return false;
  if (status === 409) return errorCodeOf(body) !== "idempotency_in_progress";
  return true;
}

function errorCodeOf(body: Uint8Array): unknown {
  try {
    return (JSON.parse(new TextDecoder().decode(body)) as { error?: { code?: unknown } }).error?.code;
  } catch {
    return undefined;
  }
}

/** The handler's answer with its body read (the stream can be read once): too large is a server error. */
async function bufferedAnswer(c: Context, bytesMax: number): Promise<{ response: Response; body: Uint8Array }> {
  const response = c.res;
  const body = await readStream(response.body, bytesMax);
  if (body === null) {
    throw new Error(
      `The response to ${c.req.method} ${c.req.path} is over ${bytesMax} bytes, too large to store for Idempotency-Key replays; raise responseBodyBytesMax or answer with less.`,
    );
  }
  return { response, body };
}

function storedAnswer(c: Context, response: StoredHttpResponse): StoredHttpResponse {
  return { ...response, body: storedBodyOf(c, response.body) };
}

function storedBodyOf(c: Context, body: Uint8Array): Uint8Array {
  const replacement = c.get(REPLAY_BODY as never) as string | undefined;
  return replacement === undefined ? body : new TextEncoder().encode(replacement);
}

function pickHeaders(headers: Headers, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) picked[name] = value;
  }
  return picked;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}
