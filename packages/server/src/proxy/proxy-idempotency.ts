import { createHash } from "node:crypto";
import type { AccountRef } from "@tollgate/core";
import {
  HTTP_IDEMPOTENCY_HOLDER_STALE_MS,
  HTTP_IDEMPOTENCY_SCOPE_LENGTH_MAX,
  HTTP_RESPONSE_BODY_BYTES_MAX,
  type HttpIdempotencyStore,
  isDatabaseUnavailable,
  type Ledger,
  RESERVED_KEY_PREFIX,
  ReservationInDoubt,
  type StoredHttpResponse,
} from "@tollgate/store";
import { ApiError } from "../http/api-error.ts";
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER } from "../http/idempotency/idempotency.ts";
import { backgroundRetries } from "../http/idempotency/retry-in-background.ts";
import type { ProxyError } from "./proxy-error.ts";

/** The same keys `/v1` accepts: visible ASCII, no spaces. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The largest answer kept for a replay (the store's limit). */
export const KEPT_ANSWER_BYTES_MAX = HTTP_RESPONSE_BODY_BYTES_MAX;

export interface ProxyIdempotencyOptions {
  store: Pick<HttpIdempotencyStore, "reserve" | "complete" | "release">;
  clock: () => Date;
  /**
   * How long a call holds its key before a retry may take it over, however alive its
   * instance. A stream can run long, and a retry that took the key over would call the upstream
   * again: default 60 minutes. A crashed instance's keys are taken over sooner, by heartbeat.
   */
  lockMs?: number;
  /** How long a kept answer is replayed. Default 24 hours. */
  retentionMs?: number;
  /** This server's instance (its heartbeat lets a retry take a dead instance's keys over). */
  instanceId?: string;
}

/** What a call does with the key it claimed: keep its answer for replays, or give the key back. */
export interface ClaimedKey {
  /** Keeps the call's answer, replayed to every retry with the key; first call wins. */
  keep(answer: StoredHttpResponse): Promise<void>;
  /** Gives the key back (the call was refused, or the upstream failed): a retry runs again. */
  drop(): Promise<void>;
}

/** A call without a key keeps nothing. */
export const NO_KEY: ClaimedKey = { keep: async () => {}, drop: async () => {} };

export type KeyClaim =
  | { kind: "claimed"; key: ClaimedKey }
  | { kind: "replay"; response: Response }
  | { kind: "refused"; error: ProxyError; headers: Record<string, string> };

/**
 * `Idempotency-Key` for proxied calls, per account: the first call with a key runs, and its
 * answer (whole, or a stream's events as they were relayed) is kept; a retry with the same key
 * and body gets that answer again with `Idempotent-Replayed: true`, neither charged again nor
 * sent upstream. A retry while the first is still running is 409 `idempotency_in_progress`
 * (with `Retry-After`); the same key with a different body or route is 422
 * `idempotency_conflict`. Only calls that reached the upstream keep their answer: a refusal
 * (402, 403) or an upstream failure gives the key back, so the retry runs once it can succeed.
 * Built on `/v1`'s store (the same table, in its own `proxy:` scope).
 *
 * @example
 * const claim = await idempotency.claim({ headers, account: async () => accountId, target: "/openai/v1/chat/completions", body });
 */
export class ProxyIdempotency {
  readonly #options: Required<Omit<ProxyIdempotencyOptions, "instanceId">> & { instanceId?: string };
  /** Writes of a key that the database's absence must not lose (as on `/v1`): retried until its lock ends. */
  readonly #retries: ReturnType<typeof backgroundRetries>;

  constructor(options: ProxyIdempotencyOptions) {
    this.#options = { lockMs: 3_600_000, retentionMs: 86_400_000, ...options };
    this.#retries = backgroundRetries(options.clock);
  }

  /** Claims the request's key; a request without one is claimed as `NO_KEY`. */
  async claim(request: {
    headers: Headers;
    /** The account's id, read only when the call has a key. */
    account: () => Promise<string>;
    target: string;
    body: string;
  }): Promise<KeyClaim> {
    const key = keyOf(request.headers);
    if (key === null) return { kind: "claimed", key: NO_KEY };
    const { store, clock, lockMs, retentionMs, instanceId } = this.#options;
    const scope = scopeOf(await request.account());
    const now = clock();
    const lockedUntil = new Date(now.getTime() + lockMs);
    // A write the database's absence failed is retried in the background, so the client's
    // retry is not met with 409s for the whole hour-long lock once the database is back.
    const writeOrRetry = async (write: () => Promise<unknown>) => {
      try {
        await write();
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        this.#retries.start(write, lockedUntil);
      }
    };
    const reservation = await store
      .reserve({
        scope,
        key,
        request: {
          method: "POST",
          target: request.target,
          bodySha256: createHash("sha256").update(request.body).digest("hex"),
        },
        now,
        lockedUntil,
        expiresAt: new Date(now.getTime() + retentionMs),
        ...(instanceId === undefined ? {} : { instanceId, staleAfterMs: HTTP_IDEMPOTENCY_HOLDER_STALE_MS }),
      })
      .catch((error: unknown) => {
        // The reservation may have committed with no one left to finish it: given back once the
        // database answers.
        if (error instanceof ReservationInDoubt) this.#retries.start(() => store.release(error.held), lockedUntil);
        throw error;
      });
    if (reservation.outcome === "replay") return { kind: "replay", response: replayOf(reservation.response) };
    if (reservation.outcome === "conflict") {
      const first = reservation.firstRequest;
      return refused(
        422,
        "idempotency_conflict",
        `This Idempotency-Key was already used for ${first.target === request.target ? "a different body" : `POST ${first.target}`}. A key stands for one call: send a new key for a new call.`,
      );
    }
    if (reservation.outcome === "in_progress") {
      return refused(
        409,
        "idempotency_in_progress",
        "A call with this Idempotency-Key is still running. Retry after it finishes to get its answer.",
        { "retry-after": "1" },
      );
    }
    const held = { scope, key, lockToken: reservation.lockToken };
    let ended = false;
    const once = async (end: () => Promise<unknown>) => {
      if (ended) return;
      ended = true;
      await end();
    };
    return {
      kind: "claimed",
      key: {
        keep: (answer) =>
          once(() =>
            writeOrRetry(() => {
              const doneAt = clock();
              return store.complete({
                ...held,
                response: answer,
                now: doneAt,
                expiresAt: new Date(doneAt.getTime() + retentionMs),
              });
            }),
          ),
        drop: () => once(() => writeOrRetry(() => store.release(held))),
      },
    };
  }
}

function keyOf(headers: Headers): string | null {
  const key = headers.get(IDEMPOTENCY_KEY_HEADER);
  if (key === null) return null;
  if (!KEY_PATTERN.test(key) || key.startsWith(RESERVED_KEY_PREFIX)) {
    throw new ApiError(
      "invalid_request",
      `Malformed ${IDEMPOTENCY_KEY_HEADER} header: 1 to 255 printable ASCII characters without spaces, not starting with "${RESERVED_KEY_PREFIX}" (a UUID works).`,
      { fields: [{ field: IDEMPOTENCY_KEY_HEADER, message: "malformed" }] },
    );
  }
  return key;
}

/** Keys are the account's: the same key from two accounts is two calls. */
function scopeOf(account: string): string {
  const scope = `proxy:${account}`;
  if (scope.length <= HTTP_IDEMPOTENCY_SCOPE_LENGTH_MAX) return scope;
  return `proxy:sha256:${createHash("sha256").update(account).digest("hex")}`;
}

function refused(status: number, code: string, message: string, headers: Record<string, string> = {}): KeyClaim {
  return { kind: "refused", error: { status, code, message, param: IDEMPOTENCY_KEY_HEADER }, headers };
}

function replayOf(stored: StoredHttpResponse): Response {
  const headers = new Headers(stored.headers);
  headers.set(IDEMPOTENT_REPLAYED_HEADER, "true");
  return new Response(stored.body.byteLength === 0 ? null : stored.body, { status: stored.status, headers });
}

/**
 * Whose `Idempotency-Key` it is: the account's id (one account, however the call named it).
 *
 * @example
 * await accountScope(ledger, { type: "user", externalId: "alice" }) // "acct_…"
 */
export async function accountScope(ledger: Ledger, account: AccountRef): Promise<string> {
  if ("accountId" in account) return account.accountId;
  return (await ledger.accounts.findId(account)) ?? `${account.type}:${account.externalId}`;
}
