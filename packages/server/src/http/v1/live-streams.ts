import type { ApiKeyInfo } from "@tollgate/store";
import { LOCAL_KEY_ID } from "../../local-credential.ts";
import { type Logger, SILENT_LOGGER } from "../../logger.ts";

/** How many live streams may be open at once: each holds a socket, a subscription and timers. */
export interface StreamLimits {
  /** Per secret key: the app's backend, which may relay the streams of many users. */
  perSecretKey: number;
  /** Per customer token: one user's browser tabs and devices. */
  perCustomerToken: number;
  /** Per account, whatever keys opened them. */
  perAccount: number;
  /** In this process, every key and account together. */
  perProcess: number;
}

/** Generous for real use (a user's tabs, a backend relaying thousands), tight for a runaway client. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = Object.freeze({
  perSecretKey: 1_000,
  perCustomerToken: 10,
  perAccount: 20,
  perProcess: 10_000,
});

/** Who opens a stream, and until when its key is valid. */
export interface StreamOwner {
  keyId: string;
  kind: "secret" | "customer";
  accountId: string;
  /** The key's expiry: its streams end then. null for a key that does not expire. */
  expiresAt: Date | null;
}

/** Why the server ended a stream. */
export type StreamEnd = "revoked" | "expired" | "shutting_down";

/** Why a stream was refused, in the order checked. */
export type StreamRefusal = "shutting_down" | "streams_per_key" | "streams_per_account" | "streams_per_process";

/** A place taken by an open stream. */
export interface LiveStream {
  /** Aborted, with a `StreamEnd` as its reason, when the server ends the stream. */
  readonly signal: AbortSignal;
  /** Gives the place back once the stream ended, for whatever reason. Calling it again does nothing. */
  release(): void;
}

export type OpenStreamResult =
  | { code: "opened"; stream: LiveStream }
  | { code: StreamRefusal; streamsMax: number | null };

/** What the streams need of the key store: to hear of revocations, and to check a key again. */
export interface RevocationSource {
  onRevoked(listener: (keyId: string | null) => void): () => void;
  get(keyId: string): Promise<ApiKeyInfo | null>;
}

export interface LiveStreamsOptions {
  limits?: StreamLimits;
  logger?: Logger;
  /** What time it is for keys' expiry (the ledger's clock). Default the system clock. */
  clock?: () => Date;
  /** Revocations end the streams of the revoked key; without it only expiry and shutdown do. */
  keys?: RevocationSource;
}

interface Entry {
  readonly owner: StreamOwner;
  readonly controller: AbortController;
  timer: NodeJS.Timeout | undefined;
}

/** setTimeout's longest delay; a later expiry is waited for in steps. */
const TIMER_DELAY_MS_MAX = 2 ** 31 - 1;

/**
 * The open live streams of one process: refuses one more beyond the per-key, per-account and
 * per-process limits before it starts (an open stream costs memory for as long as it lasts),
 * and ends a stream when its key is revoked (here or on any instance), when its key expires,
 * and on shutdown, so no stream outlives its credential or keeps a stopping process alive.
 *
 * @example
 * const streams = new LiveStreams({ limits, logger, keys });
 * const opened = streams.open({ keyId, kind: "customer", accountId, expiresAt });
 * if (opened.code === "opened") opened.stream.signal.addEventListener("abort", endTheStream);
 */
export class LiveStreams {
  readonly #limits: StreamLimits;
  readonly #logger: Logger;
  readonly #clock: () => Date;
  readonly #keys: RevocationSource | undefined;
  readonly #byKey = new Map<string, Set<Entry>>();
  readonly #byAccount = new Map<string, number>();
  #count = 0;
  #closed = false;
  #stopWatching: () => void = () => {};

  constructor(options: LiveStreamsOptions = {}) {
    this.#limits = options.limits ?? DEFAULT_STREAM_LIMITS;
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#clock = options.clock ?? (() => new Date());
    this.#keys = options.keys;
    if (this.#keys) {
      this.#stopWatching = this.#keys.onRevoked((keyId) => {
        if (keyId === null) void this.#recheck();
        else this.end(keyId, "revoked");
      });
    }
  }

  /** Takes a place for a stream, or says which limit refuses it (logged with the reason). */
  open(owner: StreamOwner): OpenStreamResult {
    const refusal = this.#refusal(owner);
    if (refusal) {
      this.#logger.warn("live stream refused", {
        reason: refusal.code,
        keyId: owner.keyId,
        accountId: owner.accountId,
        streamsMax: refusal.streamsMax,
        streamsOpen: this.#count,
      });
      return refusal;
    }
    const entry: Entry = { owner, controller: new AbortController(), timer: undefined };
    let forKey = this.#byKey.get(owner.keyId);
    if (!forKey) {
      forKey = new Set();
      this.#byKey.set(owner.keyId, forKey);
    }
    forKey.add(entry);
    this.#byAccount.set(owner.accountId, (this.#byAccount.get(owner.accountId) ?? 0) + 1);
    this.#count++;
    if (owner.expiresAt !== null) this.#endAtExpiry(entry, owner.expiresAt);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(entry.timer);
      this.#count--;
      forKey.delete(entry);
      if (forKey.size === 0) this.#byKey.delete(owner.keyId);
      const left = (this.#byAccount.get(owner.accountId) ?? 1) - 1;
      if (left === 0) this.#byAccount.delete(owner.accountId);
      else this.#byAccount.set(owner.accountId, left);
    };
    return { code: "opened", stream: { signal: entry.controller.signal, release } };
  }

  /** Streams open now, in this process. */
  get openCount(): number {
    return this.#count;
  }

  /** Ends every open stream of `keyId` (its holders see the stream end). */
  end(keyId: string, reason: StreamEnd): void {
    const entries = [...(this.#byKey.get(keyId) ?? [])].filter((entry) => !entry.controller.signal.aborted);
    if (entries.length === 0) return;
    for (const entry of entries) entry.controller.abort(reason);
    this.#logger.info("live streams ended", { keyId, reason, streams: entries.length });
  }

  /** Refuses new streams and ends every open one: shutdown. Stops listening for revocations. */
  close(): void {
    this.#closed = true;
    this.#stopWatching();
    for (const keyId of [...this.#byKey.keys()]) this.end(keyId, "shutting_down");
  }

  #refusal(owner: StreamOwner): Extract<OpenStreamResult, { streamsMax: number | null }> | null {
    if (this.#closed) return { code: "shutting_down", streamsMax: null };
    const perKey = owner.kind === "secret" ? this.#limits.perSecretKey : this.#limits.perCustomerToken;
    if ((this.#byKey.get(owner.keyId)?.size ?? 0) >= perKey) return { code: "streams_per_key", streamsMax: perKey };
    const perAccount = this.#limits.perAccount;
    if ((this.#byAccount.get(owner.accountId) ?? 0) >= perAccount) {
      return { code: "streams_per_account", streamsMax: perAccount };
    }
    const perProcess = this.#limits.perProcess;
    if (this.#count >= perProcess) return { code: "streams_per_process", streamsMax: perProcess };
    return null;
  }

  #endAtExpiry(entry: Entry, expiresAt: Date): void {
    const leftMs = expiresAt.getTime() - this.#clock().getTime();
    if (leftMs <= 0) {
      this.end(entry.owner.keyId, "expired");
      return;
    }
    entry.timer = setTimeout(() => this.#endAtExpiry(entry, expiresAt), Math.min(leftMs, TIMER_DELAY_MS_MAX));
  }

  /** After revocations may have been missed: asks the database about every key holding a stream. */
  async #recheck(): Promise<void> {
    const keys = this.#keys;
    if (!keys) return;
    for (const keyId of [...this.#byKey.keys()]) {
      // The local credential has no row; it lasts as long as this process.
      if (keyId === LOCAL_KEY_ID) continue;
      let key: ApiKeyInfo | null;
      try {
        key = await keys.get(keyId);
      } catch (error) {
        // The database is away: the key's next request checks it again, and its streams end
        // at their duration limit at the latest.
        this.#logger.warn("could not check a streaming key again", { keyId, error });
        continue;
      }
      if (key === null || key.revokedAt !== null) this.end(keyId, "revoked");
    }
  }
}
