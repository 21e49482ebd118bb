import { ConfigError } from "./config-error.ts";
import { BODY_BYTES_MAX } from "./http/body-limit/body-limit.ts";
import type { RateLimit } from "./http/rate-limit/token-buckets.ts";
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from "./http/v1/live-streams.ts";

/** How the HTTP server is run: metrics, access logs, rate limits, body limits, the balance cache. */
export interface OperationsConfig {
  /** Serve `/metrics` and count requests. */
  metrics: boolean;
  /** One log line per request. */
  accessLog: boolean;
  /** Per key, by kind; null lets that kind through unmetered. */
  rateLimits: { secret: RateLimit | null; customer: RateLimit | null };
  /** The largest request body, except on batch endpoints. */
  bodyBytesMax: number;
  /** The largest body of a batch endpoint (`POST /v1/usage-events/batch`). */
  batchBodyBytesMax: number;
  /** Serve balance reads from memory, kept current by commits and notifications (Ledger's `balanceCache`). */
  balanceCache: boolean;
  /** How many live balance streams may be open at once, per key, per account and in the process. */
  streams: StreamLimits;
  /**
   * The most ledger operations waiting for a batch (`TOLLGATE_LEDGER_QUEUE_MAX`; Ledger's
   * `queueMax`); one more is answered 503 `unavailable`. Null: the ledger's default, eight full
   * batches per lane (`ledgerQueueMaxDefault`).
   */
  ledgerQueueMax: number | null;
}

/** Generous defaults: a limit that only a runaway client meets. */
export const DEFAULT_OPERATIONS_CONFIG: OperationsConfig = Object.freeze({
  metrics: true,
  accessLog: true,
  rateLimits: Object.freeze({
    secret: Object.freeze({ ratePerSecond: 100, burst: 200 }),
    customer: Object.freeze({ ratePerSecond: 20, burst: 40 }),
  }),
  bodyBytesMax: BODY_BYTES_MAX,
  batchBodyBytesMax: 4 * BODY_BYTES_MAX,
  balanceCache: true,
  streams: DEFAULT_STREAM_LIMITS,
  ledgerQueueMax: null,
});

/** The bounds of every limit a variable may set: a typo must not disable a limit. */
const BODY_BYTES_RANGE = { min: 1024, max: 64 * BODY_BYTES_MAX };
const RATE_PER_SECOND_MAX = 1_000_000;
const BURST_MAX = 10_000_000;
/** Each stream holds a socket and some memory: a million is far past what one process holds. */
const STREAMS_MAX = 1_000_000;
/** Each waiting operation holds a request and its promise: a million is far past any useful queue. */
const LEDGER_QUEUE_MAX = 1_000_000;

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Reads TOLLGATE_METRICS, TOLLGATE_ACCESS_LOG, TOLLGATE_RATE_LIMIT_SECRET,
 * TOLLGATE_RATE_LIMIT_CUSTOMER, TOLLGATE_BODY_LIMIT_BYTES, TOLLGATE_BATCH_BODY_LIMIT_BYTES,
 * TOLLGATE_BALANCE_CACHE, TOLLGATE_STREAMS_PER_SECRET_KEY, TOLLGATE_STREAMS_PER_CUSTOMER_TOKEN,
 * TOLLGATE_STREAMS_PER_ACCOUNT, TOLLGATE_STREAMS_MAX and TOLLGATE_LEDGER_QUEUE_MAX.
 * Throws a `ConfigError` naming the bad variable.
 *
 * @example
 * loadOperationsConfig({ TOLLGATE_RATE_LIMIT_SECRET: "500,1000", TOLLGATE_ACCESS_LOG: "off" });
 */
export function loadOperationsConfig(env: Environment): OperationsConfig {
  const defaults = DEFAULT_OPERATIONS_CONFIG;
  const bodyBytesMax = parseBytes(env, "TOLLGATE_BODY_LIMIT_BYTES", defaults.bodyBytesMax);
  const batchBodyBytesMax = parseBytes(env, "TOLLGATE_BATCH_BODY_LIMIT_BYTES", defaults.batchBodyBytesMax);
  if (batchBodyBytesMax < bodyBytesMax) {
    throw new ConfigError(
      "TOLLGATE_BATCH_BODY_LIMIT_BYTES",
      `${batchBodyBytesMax} is below TOLLGATE_BODY_LIMIT_BYTES (${bodyBytesMax}); a batch may carry at least what one request may`,
    );
  }
  return {
    metrics: parseSwitch(env, "TOLLGATE_METRICS", defaults.metrics),
    accessLog: parseSwitch(env, "TOLLGATE_ACCESS_LOG", defaults.accessLog),
    rateLimits: {
      secret: parseRateLimit(env, "TOLLGATE_RATE_LIMIT_SECRET", defaults.rateLimits.secret),
      customer: parseRateLimit(env, "TOLLGATE_RATE_LIMIT_CUSTOMER", defaults.rateLimits.customer),
    },
    bodyBytesMax,
    batchBodyBytesMax,
    balanceCache: parseSwitch(env, "TOLLGATE_BALANCE_CACHE", defaults.balanceCache),
    streams: {
      perSecretKey: parseCount(env, "TOLLGATE_STREAMS_PER_SECRET_KEY", defaults.streams.perSecretKey),
      perCustomerToken: parseCount(env, "TOLLGATE_STREAMS_PER_CUSTOMER_TOKEN", defaults.streams.perCustomerToken),
      perAccount: parseCount(env, "TOLLGATE_STREAMS_PER_ACCOUNT", defaults.streams.perAccount),
      perProcess: parseCount(env, "TOLLGATE_STREAMS_MAX", defaults.streams.perProcess),
    },
    ledgerQueueMax: parseQueueMax(env, "TOLLGATE_LEDGER_QUEUE_MAX", defaults.ledgerQueueMax),
  };
}

/** A whole number of waiting operations, 1 to LEDGER_QUEUE_MAX; no `off`: the bound is what keeps latency finite. */
function parseQueueMax(env: Environment, name: string, fallback: number | null): number | null {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return fallback;
  const count = /^\d{1,7}$/.test(value) ? Number(value) : Number.NaN;
  if (!(count >= 1 && count <= LEDGER_QUEUE_MAX)) {
    throw new ConfigError(name, `"${value}" must be a whole number of operations from 1 to ${LEDGER_QUEUE_MAX}`);
  }
  return count;
}

/** A whole number of open streams, 1 to STREAMS_MAX: no `off`, since a stream with no limit is the attack. */
function parseCount(env: Environment, name: string, fallback: number): number {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return fallback;
  const count = /^\d{1,7}$/.test(value) ? Number(value) : Number.NaN;
  if (!(count >= 1 && count <= STREAMS_MAX)) {
    throw new ConfigError(name, `"${value}" must be a whole number of streams from 1 to ${STREAMS_MAX}`);
  }
  return count;
}

function parseSwitch(env: Environment, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === "") return fallback;
  if (["on", "true", "1", "yes"].includes(value)) return true;
  if (["off", "false", "0", "no"].includes(value)) return false;
  throw new ConfigError(name, `"${env[name]}" must be on or off`);
}

/** `RATE` or `RATE,BURST`: requests per second (decimals allowed) and the burst; `off` for none. */
function parseRateLimit(env: Environment, name: string, fallback: RateLimit | null): RateLimit | null {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return fallback;
  if (value.toLowerCase() === "off") return null;
  const match = /^(\d{1,7}(?:\.\d{1,3})?)\s*(?:,\s*(\d{1,8}))?$/.exec(value);
  const ratePerSecond = Number(match?.[1]);
  const burst = match?.[2] === undefined ? Math.max(1, Math.ceil(2 * ratePerSecond)) : Number(match[2]);
  if (!match || !(ratePerSecond > 0) || ratePerSecond > RATE_PER_SECOND_MAX || burst < 1 || burst > BURST_MAX) {
    throw new ConfigError(
      name,
      `"${value}" must be "RATE" or "RATE,BURST" (requests per second above 0 and up to ${RATE_PER_SECOND_MAX}, burst 1 to ${BURST_MAX}, e.g. "100,200"), or "off"`,
    );
  }
  return { ratePerSecond, burst };
}

function parseBytes(env: Environment, name: string, fallback: number): number {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return fallback;
  const bytes = /^\d{1,12}$/.test(value) ? Number(value) : Number.NaN;
  if (!(bytes >= BODY_BYTES_RANGE.min && bytes <= BODY_BYTES_RANGE.max)) {
    throw new ConfigError(
      name,
      `"${value}" must be a whole number of bytes from ${BODY_BYTES_RANGE.min} to ${BODY_BYTES_RANGE.max} (64 MiB)`,
    );
  }
  return bytes;
}
