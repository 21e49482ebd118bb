import { ConfigError } from "../../config-error.ts";
import { BODY_BYTES_MAX } from "../../http/body-limit/body-limit.ts";

/**
 * The proxy's limits, per account and in this process's memory: N instances behind a balancer
 * let an account through up to N times each (documented in docs/concepts/proxy.md, "Limits").
 */
export interface ProxyLimitsConfig {
  /** The most proxied calls one account may have in flight at once; one more is 429. */
  concurrentPerAccountMax: number;
  /** An account's sustained rate of proxied calls and the burst above it; null: no rate limit. */
  ratePerAccount: { perMinute: number; burst: number } | null;
  /** The longest a streamed answer may run (from the upstream's first byte) before it is cut. */
  streamSecondsMax: number;
  /** The largest request body a proxied call may carry (a chat carries its whole conversation). */
  bodyBytesMax: number;
}

/**
 * Limits only a runaway client meets: 20 calls in flight (an agent's fan-out), 600 a minute
 * with bursts of 60, a 10-minute stream (a long reasoning answer), 4 MiB of conversation.
 */
export const DEFAULT_PROXY_LIMITS: ProxyLimitsConfig = Object.freeze({
  concurrentPerAccountMax: 20,
  ratePerAccount: Object.freeze({ perMinute: 600, burst: 60 }),
  streamSecondsMax: 600,
  bodyBytesMax: 4 * BODY_BYTES_MAX,
});

/** The bounds a variable may set: a typo must not turn a limit into none. */
const CONCURRENT_MAX = 100_000;
const PER_MINUTE_MAX = 6_000_000;
const BURST_MAX = 10_000_000;
const STREAM_SECONDS_MAX = 86_400;
const BODY_BYTES_RANGE = { min: 1024, max: 64 * BODY_BYTES_MAX };

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Reads TOLLGATE_PROXY_MAX_CONCURRENT_PER_ACCOUNT, TOLLGATE_PROXY_RATE_LIMIT_PER_ACCOUNT
 * (`PER_MINUTE` or `PER_MINUTE,BURST`, or `off`), TOLLGATE_PROXY_STREAM_MAX_SECONDS and
 * TOLLGATE_PROXY_BODY_LIMIT_BYTES; each unset keeps its default. Throws a `ConfigError` naming
 * the bad variable, so `tollgate serve` stops before it opens anything.
 *
 * @example
 * proxyLimitsConfigFromEnv({ TOLLGATE_PROXY_RATE_LIMIT_PER_ACCOUNT: "120,20" }).ratePerAccount // { perMinute: 120, burst: 20 }
 */
export function proxyLimitsConfigFromEnv(env: Environment): ProxyLimitsConfig {
  const defaults = DEFAULT_PROXY_LIMITS;
  return {
    concurrentPerAccountMax: wholeNumber(env, "TOLLGATE_PROXY_MAX_CONCURRENT_PER_ACCOUNT", {
      fallback: defaults.concurrentPerAccountMax,
      min: 1,
      max: CONCURRENT_MAX,
      unit: "calls",
    }),
    ratePerAccount: ratePerMinute(env, "TOLLGATE_PROXY_RATE_LIMIT_PER_ACCOUNT", defaults.ratePerAccount),
    streamSecondsMax: wholeNumber(env, "TOLLGATE_PROXY_STREAM_MAX_SECONDS", {
      fallback: defaults.streamSecondsMax,
      min: 1,
      max: STREAM_SECONDS_MAX,
      unit: "seconds",
    }),
    bodyBytesMax: wholeNumber(env, "TOLLGATE_PROXY_BODY_LIMIT_BYTES", {
      fallback: defaults.bodyBytesMax,
      ...BODY_BYTES_RANGE,
      unit: "bytes",
    }),
  };
}

/** No `off` for these: a call with no concurrency, duration or size limit is the attack. */
function wholeNumber(
  env: Environment,
  name: string,
  range: { fallback: number; min: number; max: number; unit: string },
): number {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return range.fallback;
  const number = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= range.min && number <= range.max)) {
    throw new ConfigError(name, `"${value}" must be a whole number of ${range.unit} from ${range.min} to ${range.max}`);
  }
  return number;
}

/** `PER_MINUTE` (bursts of a tenth of it, at least 1) or `PER_MINUTE,BURST`; `off` for none. */
function ratePerMinute(
  env: Environment,
  name: string,
  fallback: ProxyLimitsConfig["ratePerAccount"],
): ProxyLimitsConfig["ratePerAccount"] {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return fallback;
  if (value.toLowerCase() === "off") return null;
  const match = /^(\d{1,7})\s*(?:,\s*(\d{1,8}))?$/.exec(value);
  const perMinute = Number(match?.[1]);
  const burst = match?.[2] === undefined ? Math.max(1, Math.ceil(perMinute / 10)) : Number(match[2]);
  if (!match || !(perMinute >= 1) || perMinute > PER_MINUTE_MAX || burst < 1 || burst > BURST_MAX) {
    throw new ConfigError(
      name,
      `"${value}" must be "PER_MINUTE" or "PER_MINUTE,BURST" (calls a minute from 1 to ${PER_MINUTE_MAX}, burst 1 to ${BURST_MAX}, e.g. "600,60"), or "off"`,
    );
  }
  return { perMinute, burst };
}
