import { hash, randomBytes, timingSafeEqual } from "node:crypto";
import type { AccountType } from "@tollgate/core";
import { newIdAt } from "./new-id.ts";
import { notify, type SqlClient } from "./sql-client.ts";

/** `secret`: the app's backend, every account. `customer`: one account (its balance, usage, events, the proxy). */
export type ApiKeyKind = "secret" | "customer";

/** Each kind's typed prefix: a leaked token says what it is, and secret scanners can match it. */
export const API_KEY_PREFIXES = { secret: "tg_sk_", customer: "tg_ct_" } as const satisfies Record<ApiKeyKind, string>;

/** 256 random bits per token, 43 characters of base64url. */
const TOKEN_RANDOM_BYTES = 32;
const TOKEN_BODY = /^[A-Za-z0-9_-]{43}$/;
const TOKEN_LENGTH = 6 + 43;
const KEY_ID = /^key_[0-9a-f]{32}$/;
const CONTROL_CHARACTER = /\p{Cc}/u;
const CHANNEL = "api_keys";

export const API_KEY_NAME_LENGTH_MAX = 100;
export const API_KEYS_PAGE_MAX = 500;
/**
 * How long a verified key is trusted without asking the database. A revocation reaches every
 * instance that `open`ed its keys at once (a notification at commit); this is the bound for
 * one that missed it or does not listen.
 */
export const API_KEY_CACHE_TTL_MS = 30_000;
export const API_KEY_CACHE_SIZE_MAX = 10_000;
/** `last_used_at` is written at most this often per key and instance: not a write per request. */
export const API_KEY_LAST_USED_INTERVAL_MS = 60_000;

/** A key as lists, logs and request handlers see it: never the token, never its hash. */
export interface ApiKeyInfo {
  readonly keyId: string;
  readonly kind: ApiKeyKind;
  /** A secret key that may also manage secret keys and run reconcile (see `CreateApiKeyInput.admin`). */
  readonly admin: boolean;
  readonly name: string | null;
  /** The typed prefix and the last 4 characters, `tg_sk_...x7Qa`, to tell keys apart. */
  readonly hint: string;
  /** The one account a customer token acts as; null for a secret key. */
  readonly account: { readonly accountId: string; readonly type: AccountType; readonly externalId: string } | null;
  readonly expiresAt: Date | null;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
  /** To the minute (see API_KEY_LAST_USED_INTERVAL_MS); null if never used. */
  readonly lastUsedAt: Date | null;
}

export interface CreateApiKeyInput {
  kind: ApiKeyKind;
  /**
   * An admin key: a secret key that may also create, list and revoke secret keys and run
   * reconcile. Default false; refused for a customer token.
   */
  admin?: boolean;
  /** A label for people, 1 to 100 characters. */
  name?: string | null;
  /** Required for a customer token (an existing customer account); refused for a secret key. */
  accountId?: string | null;
  expiresAt?: Date | null;
  now?: Date;
}

export interface ListApiKeysOptions {
  kind?: ApiKeyKind;
  accountId?: string;
  /** Revoked keys are left out unless asked for; expired ones are listed. */
  includeRevoked?: boolean;
  /** Default 50, at most API_KEYS_PAGE_MAX. */
  limit?: number;
  /** The previous page's `nextCursor`. */
  after?: string | null;
}

export interface ApiKeyPage {
  keys: ApiKeyInfo[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

export type RevokeApiKeyResult =
  | { code: "revoked"; key: ApiKeyInfo }
  | { code: "already_revoked"; key: ApiKeyInfo }
  | { code: "not_found" };

export interface ApiKeysOptions {
  /** What `now` is when a call does not say; tests move it. */
  clock?: () => Date;
  /** 0 turns the cache off; at most 300 000 (it bounds how late a missed revocation applies). */
  cacheTtlMs?: number;
  cacheSizeMax?: number;
  lastUsedIntervalMs?: number;
}

interface ApiKeyDbRow {
  key_id: string;
  kind: ApiKeyKind;
  admin: boolean;
  token_hash: string;
  hint: string;
  name: string | null;
  account_id: string | null;
  account_type: AccountType | null;
  account_external_id: string | null;
  expires_at: Date | null;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

interface CacheEntry {
  info: ApiKeyInfo;
  cachedAtMs: number;
  /** When last_used_at was last written (or found written) by this instance. */
  touchedAtMs: number | null;
}

const SELECT_KEYS = `select k.*, a.type as account_type, a.external_id as account_external_id
  from api_keys k left join accounts a on a.account_id = k.account_id`;

/**
 * API keys: secret keys for the app's backend and customer tokens scoped to one account.
 * A token (`tg_sk_…`, `tg_ct_…`: a typed prefix and 256 random bits) is returned once by
 * `create` and never stored; the table keeps its SHA-256. Verified keys are cached in process
 * by hash for up to 30 s; `revoke` drops its key here at once, and on every instance that
 * `open`ed its keys (they listen for revocations).
 *
 * @example
 * const keys = await ApiKeys.open(ledger.sql);
 * const { key, token } = await keys.create({ kind: "customer", accountId, expiresAt: inOneHour });
 * const caller = await keys.verify(token); // ApiKeyInfo, or null once revoked or expired
 * await keys.revoke(key.keyId);
 */
export class ApiKeys {
  /** By token hash, never by token: no secret outlives the request that presented it. */
  readonly #cache = new Map<string, CacheEntry>();
  #generation = 0;
  #stopListening: (() => Promise<void>) | null = null;
  readonly #revocationListeners = new Set<(keyId: string | null) => void>();
  readonly #clock: () => Date;
  readonly #cacheTtlMs: number;
  readonly #cacheSizeMax: number;
  readonly #lastUsedIntervalMs: number;

  /** Keys that do not hear other instances' revocations (a CLI command); a server uses `open`. */
  constructor(
    private readonly sql: SqlClient,
    options: ApiKeysOptions = {},
  ) {
    this.#clock = options.clock ?? (() => new Date());
    this.#cacheTtlMs = bounded("cacheTtlMs", options.cacheTtlMs ?? API_KEY_CACHE_TTL_MS, 0, 300_000);
    this.#cacheSizeMax = bounded("cacheSizeMax", options.cacheSizeMax ?? API_KEY_CACHE_SIZE_MAX, 1, 1_000_000);
    this.#lastUsedIntervalMs = bounded(
      "lastUsedIntervalMs",
      options.lastUsedIntervalMs ?? API_KEY_LAST_USED_INTERVAL_MS,
      0,
      86_400_000,
    );
  }

  /** Keys that drop a revoked key the moment any instance revokes it. `close` stops listening. */
  static async open(sql: SqlClient, options: ApiKeysOptions = {}): Promise<ApiKeys> {
    const keys = new ApiKeys(sql, options);
    keys.#stopListening = await sql.listen(CHANNEL, (keyId) => {
      keys.#invalidate(keyId);
      keys.#announceRevoked(keyId);
    });
    return keys;
  }

  /**
   * Calls `listener` with the id of each key revoked here or, once `open`ed, on any instance:
   * what holds a key's access open beyond one request (a live stream) ends it then. `null`
   * means revocations may have been missed (the listening connection came back): check the
   * keys still in use (`get`). A key may be announced more than once. Returns the unsubscribe.
   *
   * @example
   * const stop = keys.onRevoked((keyId) => (keyId === null ? recheckAll() : endStreamsOf(keyId)));
   */
  onRevoked(listener: (keyId: string | null) => void): () => void {
    this.#revocationListeners.add(listener);
    return () => {
      this.#revocationListeners.delete(listener);
    };
  }

  /** Creates a key; `token` is the only copy of the secret and must be handed over now. */
  async create(input: CreateApiKeyInput): Promise<{ key: ApiKeyInfo; token: string }> {
    const created = await this.#insert(input, { onlyIfNoSecretKey: false });
    if (!created) {
      throw new RangeError(`no customer account ${input.accountId}: a customer token acts as an existing account`);
    }
    return created;
  }

  /**
   * The deployment's first admin key, or null if any secret key was ever created (revoked ones
   * count: a deployment that had keys is not fresh). `tollgate serve` makes it on a fresh
   * embedded deployment, so its quickstart needs no other command.
   */
  createFirstAdminKey(input: { name: string; now?: Date }): Promise<{ key: ApiKeyInfo; token: string } | null> {
    return this.#insert({ kind: "secret", admin: true, ...input }, { onlyIfNoSecretKey: true });
  }

  async #insert(
    input: CreateApiKeyInput,
    options: { onlyIfNoSecretKey: boolean },
  ): Promise<{ key: ApiKeyInfo; token: string } | null> {
    const now = input.now ?? this.#clock();
    if (input.kind !== "secret" && input.kind !== "customer") {
      throw new RangeError(`kind must be "secret" or "customer"; got "${input.kind}"`);
    }
    const accountId = input.accountId ?? null;
    if (input.kind === "customer" && accountId === null) {
      throw new RangeError("a customer token needs the accountId it acts as");
    }
    if (input.kind === "secret" && accountId !== null) {
      throw new RangeError("a secret key acts for the whole app and takes no accountId");
    }
    const admin = input.admin ?? false;
    if (typeof admin !== "boolean") throw new RangeError("admin must be true or false");
    if (admin && input.kind !== "secret") throw new RangeError("only a secret key can be an admin key");
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt !== null && !(expiresAt.getTime() > now.getTime())) {
      throw new RangeError("expiresAt must be a valid time after now");
    }
    const token = API_KEY_PREFIXES[input.kind] + randomBytes(TOKEN_RANDOM_BYTES).toString("base64url");
    const [row] = await this.sql.query<ApiKeyDbRow>(
      `with inserted as (
         insert into api_keys (key_id, kind, token_hash, hint, name, account_id, expires_at, created_at, admin)
         select $1, $2, $3, $4, $5, $6::text, $7::timestamptz, $8::timestamptz, $9::boolean
         where ($6::text is null or exists (select 1 from accounts where account_id = $6::text and type <> 'system'))
           and not ($10::boolean and exists (select 1 from api_keys where kind = 'secret'))
         returning *)
       select i.*, a.type as account_type, a.external_id as account_external_id
       from inserted i left join accounts a on a.account_id = i.account_id`,
      [
        newIdAt("apiKey", now),
        input.kind,
        hashOf(token),
        `${token.slice(0, 6)}...${token.slice(-4)}`,
        nameOf(input.name),
        accountId,
        expiresAt?.toISOString() ?? null,
        now.toISOString(),
        admin,
        options.onlyIfNoSecretKey,
      ],
    );
    return row ? { key: toInfo(row), token } : null;
  }

  /** Keys in creation order, a page at a time; never a token or a hash. */
  async list(options: ListApiKeysOptions = {}): Promise<ApiKeyPage> {
    const limit = bounded("limit", options.limit ?? 50, 1, API_KEYS_PAGE_MAX);
    const after = options.after ?? null;
    if (after !== null) assertKeyId(after);
    if (options.kind !== undefined && options.kind !== "secret" && options.kind !== "customer") {
      throw new RangeError(`kind must be "secret" or "customer"; got "${options.kind}"`);
    }
    const rows = await this.sql.query<ApiKeyDbRow>(
      `${SELECT_KEYS}
       where ($1::text is null or k.kind = $1) and ($2::text is null or k.account_id = $2)
         and ($3::boolean or k.revoked_at is null) and ($4::text is null or k.key_id > $4)
       order by k.key_id limit $5`,
      [options.kind ?? null, options.accountId ?? null, options.includeRevoked === true, after, limit + 1],
    );
    const keys = rows.slice(0, limit).map(toInfo);
    return { keys, nextCursor: rows.length > limit ? (keys.at(-1)?.keyId ?? null) : null };
  }

  /** One key by its public id, revoked or not; null if there is none. */
  async get(keyId: string): Promise<ApiKeyInfo | null> {
    assertKeyId(keyId);
    const [row] = await this.sql.query<ApiKeyDbRow>(`${SELECT_KEYS} where k.key_id = $1`, [keyId]);
    return row ? toInfo(row) : null;
  }

  /**
   * Revokes a key for good. It stops working here at once, at once on instances that `open`ed
   * their keys, and within API_KEY_CACHE_TTL_MS anywhere else. Revoking twice is harmless.
   */
  async revoke(keyId: string, now: Date = this.#clock()): Promise<RevokeApiKeyResult> {
    assertKeyId(keyId);
    const result = await this.sql.transaction(async (tx): Promise<RevokeApiKeyResult> => {
      const [row] = await tx.query<ApiKeyDbRow>(
        `with revoked as (update api_keys set revoked_at = $2 where key_id = $1 and revoked_at is null returning *)
         select r.*, a.type as account_type, a.external_id as account_external_id
         from revoked r left join accounts a on a.account_id = r.account_id`,
        [keyId, now.toISOString()],
      );
      if (row) {
        await notify(tx, CHANNEL, keyId);
        return { code: "revoked", key: toInfo(row) };
      }
      const [existing] = await tx.query<ApiKeyDbRow>(`${SELECT_KEYS} where k.key_id = $1`, [keyId]);
      return existing ? { code: "already_revoked", key: toInfo(existing) } : { code: "not_found" };
    });
    this.#invalidate(keyId);
    if (result.code === "revoked") this.#announceRevoked(keyId);
    return result;
  }

  /**
   * The key a request presented, or null: malformed (no query is made), unknown, revoked or
   * expired. Records `lastUsedAt` at most once per API_KEY_LAST_USED_INTERVAL_MS.
   */
  async verify(token: string, now: Date = this.#clock()): Promise<ApiKeyInfo | null> {
    const kind = apiKeyKindOf(token);
    if (kind === null) return null;
    const hashHex = hashOf(token);
    const entry = this.#cached(hashHex, now) ?? (await this.#load(hashHex, kind, now));
    if (!entry) return null;
    const { info } = entry;
    if (info.revokedAt !== null || (info.expiresAt !== null && info.expiresAt.getTime() <= now.getTime())) return null;
    await this.#touch(entry, now);
    return entry.info;
  }

  async close(): Promise<void> {
    await this.#stopListening?.();
    this.#stopListening = null;
    this.#invalidate(null);
  }

  #cached(hashHex: string, now: Date): CacheEntry | undefined {
    const entry = this.#cache.get(hashHex);
    if (!entry) return undefined;
    const ageMs = now.getTime() - entry.cachedAtMs;
    if (ageMs >= 0 && ageMs < this.#cacheTtlMs) return entry;
    this.#cache.delete(hashHex);
    return undefined;
  }

  async #load(hashHex: string, kind: ApiKeyKind, now: Date): Promise<CacheEntry | null> {
    const generation = this.#generation;
    const [row] = await this.sql.query<ApiKeyDbRow>(`${SELECT_KEYS} where k.token_hash = $1`, [hashHex]);
    if (!row) return null;
    // The index compared hashes, which tell nothing of a token; this compare is constant time
    // anyway, so no path through Tollgate compares key material in variable time. The kind is
    // part of the hashed token, so a mismatch means a row written by hand: not a valid key.
    const matches = timingSafeEqual(Buffer.from(row.token_hash, "hex"), Buffer.from(hashHex, "hex"));
    if (!matches || row.kind !== kind) return null;
    const entry: CacheEntry = {
      info: toInfo(row),
      cachedAtMs: now.getTime(),
      touchedAtMs: row.last_used_at?.getTime() ?? null,
    };
    // A revocation that landed while this was loading must not be cached over.
    if (generation === this.#generation && this.#cacheTtlMs > 0) this.#remember(hashHex, entry);
    return entry;
  }

  async #touch(entry: CacheEntry, now: Date): Promise<void> {
    const nowMs = now.getTime();
    if (entry.touchedAtMs !== null && nowMs - entry.touchedAtMs < this.#lastUsedIntervalMs) return;
    entry.touchedAtMs = nowMs;
    try {
      // Conditional, so instances sharing a key also write about once per interval between them.
      const rows = await this.sql.query(
        `update api_keys set last_used_at = $2
         where key_id = $1 and (last_used_at is null or last_used_at <= $3) returning 1`,
        [entry.info.keyId, now.toISOString(), new Date(nowMs - this.#lastUsedIntervalMs).toISOString()],
      );
      if (rows.length === 1) entry.info = Object.freeze({ ...entry.info, lastUsedAt: now });
    } catch {
      // last_used_at is informational: failing to write it must not refuse an authentic
      // request. The next interval tries again.
    }
  }

  #remember(hashHex: string, entry: CacheEntry): void {
    this.#cache.delete(hashHex);
    if (this.#cache.size >= this.#cacheSizeMax) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(hashHex, entry);
  }

  #announceRevoked(keyId: string | null): void {
    for (const listener of this.#revocationListeners) {
      try {
        listener(keyId);
      } catch {
        // One listener's fault must not keep the others (or the cache) from hearing of it.
      }
    }
  }

  /** null (a listener may have missed messages) drops everything. */
  #invalidate(keyId: string | null): void {
    this.#generation++;
    if (keyId === null) {
      this.#cache.clear();
      return;
    }
    for (const [hashHex, entry] of this.#cache) if (entry.info.keyId === keyId) this.#cache.delete(hashHex);
  }
}

/**
 * The kind a token claims by its prefix if it has the shape of a Tollgate token, else null:
 * a cheap check before any hashing or query.
 *
 * @example
 * apiKeyKindOf("tg_ct_" + "A".repeat(43)) // "customer"
 */
export function apiKeyKindOf(token: unknown): ApiKeyKind | null {
  if (typeof token !== "string" || token.length !== TOKEN_LENGTH) return null;
  const kind: ApiKeyKind | null = token.startsWith(API_KEY_PREFIXES.secret)
    ? "secret"
    : token.startsWith(API_KEY_PREFIXES.customer)
      ? "customer"
      : null;
  return kind !== null && TOKEN_BODY.test(token.slice(6)) ? kind : null;
}

/**
 * The token's SHA-256 in hex, as `api_keys.token_hash` keeps it: the one-shot `hash` (no Hash
 * object, no Buffer), since every request that presents a key pays for it.
 */
function hashOf(token: string): string {
  return hash("sha256", token, "hex");
}

function nameOf(name: string | null | undefined): string | null {
  if (name === undefined || name === null) return null;
  if (typeof name !== "string" || name.length < 1 || name.length > API_KEY_NAME_LENGTH_MAX) {
    throw new RangeError(`a key's name has 1 to ${API_KEY_NAME_LENGTH_MAX} characters`);
  }
  if (CONTROL_CHARACTER.test(name)) throw new RangeError("a key's name cannot contain control characters");
  return name;
}

function assertKeyId(keyId: string): void {
  if (typeof keyId !== "string" || !KEY_ID.test(keyId)) {
    throw new RangeError(`"${String(keyId).slice(0, 40)}" is not a key id (key_ followed by 32 hex digits)`);
  }
}

function bounded(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}; got ${value}`);
  }
  return value;
}

function toInfo(row: ApiKeyDbRow): ApiKeyInfo {
  const account =
    row.account_id === null || row.account_type === null || row.account_external_id === null
      ? null
      : Object.freeze({ accountId: row.account_id, type: row.account_type, externalId: row.account_external_id });
  return Object.freeze({
    keyId: row.key_id,
    kind: row.kind,
    admin: row.admin,
    name: row.name,
    hint: row.hint,
    account,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  });
}
