/** Where the proxy sends chat completions: one OpenAI-compatible upstream, from configuration only. */
export interface UpstreamConfig {
  /** The upstream's base URL, e.g. `https://openrouter.ai/api/v1` (its `/chat/completions` is called). */
  baseUrl: string;
  /** The upstream's API key; never one from the client. */
  apiKey: string;
  /** The provider a model id without a `provider/` prefix is priced as (default `openai`). */
  defaultProvider: string;
  /**
   * After a client disconnects mid-stream, how much more of the upstream's answer is read to
   * reach its usage (bytes), so the call is charged for what was produced; past it, the streamed
   * tokens are counted instead.
   */
  drainBytesMax: number;
  /**
   * Lower a call's `max_tokens` to what the balance pays for instead of refusing it 402
   * (`TOLLGATE_PROXY_CLAMP_MAX_TOKENS`). Default true.
   */
  clampMaxTokens?: boolean;
  /** How long the upstream may take to start its answer (`TOLLGATE_UPSTREAM_HEADERS_TIMEOUT_MS`, default 10 min). */
  headersTimeoutMs?: number;
  /** How long the upstream may go quiet mid-answer (`TOLLGATE_UPSTREAM_IDLE_TIMEOUT_MS`, default 5 min). */
  idleTimeoutMs?: number;
}

/** OpenRouter: the default upstream, whose `usage.cost` feeds `provider_reported` pricing. */
export const DEFAULT_UPSTREAM_BASE_URL = "https://openrouter.ai/api/v1";

/** After a client disconnects mid-stream, how much more of the upstream's answer is read to reach its usage: 16 MiB. */
export const DRAIN_BYTES_MAX = 16 * 1024 * 1024;

/** A non-streamed call's headers come once it has finished: a long generation takes minutes. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 600_000;
/** A stream quiet this long has stalled: providers send keep-alive comments far more often. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/**
 * The upstream from the environment: `TOLLGATE_UPSTREAM_OPENAI_KEY` (required: without it the
 * proxy is not mounted, so null), `TOLLGATE_UPSTREAM_OPENAI_BASE_URL` (default OpenRouter) and
 * `TOLLGATE_UPSTREAM_DEFAULT_PROVIDER` (default `openai`); `TOLLGATE_PROXY_CLAMP_MAX_TOKENS`
 * (`true` by default, or `false`); `TOLLGATE_UPSTREAM_HEADERS_TIMEOUT_MS` and
 * `TOLLGATE_UPSTREAM_IDLE_TIMEOUT_MS` (10 and 5 minutes).
 *
 * @example
 * upstreamConfigFromEnv({ TOLLGATE_UPSTREAM_OPENAI_KEY: "sk-or-…" })?.baseUrl // "https://openrouter.ai/api/v1"
 */
export function upstreamConfigFromEnv(env: Record<string, string | undefined>): UpstreamConfig | null {
  const apiKey = env.TOLLGATE_UPSTREAM_OPENAI_KEY;
  if (!apiKey) return null;
  const baseUrl = env.TOLLGATE_UPSTREAM_OPENAI_BASE_URL || DEFAULT_UPSTREAM_BASE_URL;
  // A typo here would otherwise surface as a 502 on every call.
  const url = new URL(baseUrl);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RangeError(`TOLLGATE_UPSTREAM_OPENAI_BASE_URL must be http(s); got ${url.protocol}`);
  }
  return {
    baseUrl: baseUrl.replace(/\/+$/, ""),
    apiKey,
    defaultProvider: env.TOLLGATE_UPSTREAM_DEFAULT_PROVIDER || "openai",
    drainBytesMax: DRAIN_BYTES_MAX,
    ...proxySettingsFromEnv(env),
  };
}

/** What every upstream of the proxy shares, whatever its protocol. */
export type ProxySettings = Required<Pick<UpstreamConfig, "clampMaxTokens" | "headersTimeoutMs" | "idleTimeoutMs">>;

/**
 * The settings every upstream shares, from the environment: `TOLLGATE_PROXY_CLAMP_MAX_TOKENS`
 * (`true` by default, or `false`), `TOLLGATE_UPSTREAM_HEADERS_TIMEOUT_MS` and
 * `TOLLGATE_UPSTREAM_IDLE_TIMEOUT_MS` (10 and 5 minutes). A malformed value is a RangeError.
 *
 * @example
 * proxySettingsFromEnv({}) // { clampMaxTokens: true, headersTimeoutMs: 600000, idleTimeoutMs: 300000 }
 */
export function proxySettingsFromEnv(env: Record<string, string | undefined>): ProxySettings {
  return {
    clampMaxTokens: booleanOf(env.TOLLGATE_PROXY_CLAMP_MAX_TOKENS, "TOLLGATE_PROXY_CLAMP_MAX_TOKENS", true),
    headersTimeoutMs: millisecondsOf(env, "TOLLGATE_UPSTREAM_HEADERS_TIMEOUT_MS", DEFAULT_HEADERS_TIMEOUT_MS),
    idleTimeoutMs: millisecondsOf(env, "TOLLGATE_UPSTREAM_IDLE_TIMEOUT_MS", DEFAULT_IDLE_TIMEOUT_MS),
  };
}

/** `true`/`false` (or `1`/`0`); absent or empty is the default; anything else is refused, not guessed. */
function booleanOf(value: string | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined || value === "") return fallback;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new RangeError(`${name} must be true or false; got ${JSON.stringify(value)}`);
}

/** A positive whole number of milliseconds, at most a day; absent or empty is the default. */
function millisecondsOf(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms < 1 || ms > 86_400_000) {
    throw new RangeError(
      `${name} must be a whole number of milliseconds from 1 to 86400000; got ${JSON.stringify(value)}`,
    );
  }
  return ms;
}
