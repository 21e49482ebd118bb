import type { AccountRef } from "@tollgate/core";
import { TokenBuckets } from "../../http/rate-limit/token-buckets.ts";
import type { Logger } from "../../logger.ts";
import { ConcurrencySlots, type Slot } from "./concurrency-slots.ts";
import type { ProxyLimitsConfig } from "./proxy-limits-config.ts";
import { type ScheduleTimer, StreamDeadline } from "./stream-deadline.ts";

/** A call let in, holding its concurrency slot until it ends. */
export type Admission =
  | { ok: true; slot: Slot }
  | { ok: false; reason: "concurrency" | "rate"; retryAfterSeconds: number; message: string };

export interface ProxyLimitsOptions {
  /** A monotonic clock in milliseconds, for the rate limit's buckets; tests move it. */
  nowMs?: () => number;
  /** Schedules the stream deadline's cut; tests fire it themselves. Default: real, unref'd timers. */
  schedule?: ScheduleTimer;
  /** Where a stream cut for running too long is logged (the operator may want a longer limit). */
  logger?: Logger;
}

/**
 * The proxy's limits and their state, one per app and shared by every proxied route (an
 * account's calls through `/openai` and `/anthropic` count together): the calls each account
 * has in flight, its rate bucket, and the stream deadline. In this process's memory only.
 *
 * @example
 * const limits = new ProxyLimits(proxyLimitsConfigFromEnv(process.env));
 * const admitted = limits.admit({ accountId: "acct_1" }); // { ok: true, slot } or a refusal
 */
export class ProxyLimits {
  readonly slots: ConcurrencySlots;
  readonly streamDeadline: StreamDeadline;
  readonly #buckets = new TokenBuckets();
  readonly #nowMs: () => number;

  constructor(
    readonly config: ProxyLimitsConfig,
    options: ProxyLimitsOptions = {},
  ) {
    this.slots = new ConcurrencySlots(config.concurrentPerAccountMax);
    this.streamDeadline = new StreamDeadline({
      secondsMax: config.streamSecondsMax,
      ...(options.schedule ? { schedule: options.schedule } : {}),
      onCut: (error) => options.logger?.warn("a proxied stream was cut", { error: error.message }),
    });
    this.#nowMs = options.nowMs ?? (() => performance.now());
  }

  /**
   * Lets a call of `account` in, or says why not. The concurrency slot is checked first, so a
   * call refused for it spends none of the account's rate.
   */
  admit(account: AccountRef): Admission {
    const key = accountKey(account);
    const slot = this.slots.take(key);
    if (!slot) {
      const most = this.config.concurrentPerAccountMax;
      return {
        ok: false,
        reason: "concurrency",
        // No natural wait: a call in flight may end any moment; a second is a polite retry.
        retryAfterSeconds: 1,
        message: `This account has ${most} proxied calls in flight, the most it may. Retry when one has ended.`,
      };
    }
    const rate = this.config.ratePerAccount;
    if (rate === null) return { ok: true, slot };
    const limit = { ratePerSecond: rate.perMinute / 60, burst: rate.burst };
    const taken = this.#buckets.take(key, limit, this.#nowMs());
    if (taken.allowed) return { ok: true, slot };
    slot.free();
    const retryAfterSeconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
    return {
      ok: false,
      reason: "rate",
      retryAfterSeconds,
      message: `Too many proxied calls for this account: it may make ${rate.perMinute} a minute, with bursts of ${rate.burst}. Retry after ${retryAfterSeconds} s.`,
    };
  }

  /** The calls `account` has in flight now. */
  inFlight(account: AccountRef): number {
    return this.slots.inUse(accountKey(account));
  }
}

/**
 * One account's key for its limits: its id, or as a secret key names it (`user:alice`). A
 * backend that names one account both ways gets two sets of limits; a customer token always
 * resolves to its account's id.
 */
function accountKey(account: AccountRef): string {
  return "accountId" in account ? account.accountId : `${account.type}:${account.externalId}`;
}
