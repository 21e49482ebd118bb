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
}

/** OpenRouter: the default upstream, whose `usage.cost` feeds `provider_reported` pricing. */
export const DEFAULT_UPSTREAM_BASE_URL = "https://openrouter.ai/api/v1";

/** After a client disconnects mid-stream, how much more of the upstream's answer is read to reach its usage: 16 MiB. */
export const DRAIN_BYTES_MAX = 16 * 1024 * 1024;

/**
 * The upstream from the environment: `TOLLGATE_UPSTREAM_OPENAI_KEY` (required: without it the
 * proxy is not mounted, so null), `TOLLGATE_UPSTREAM_OPENAI_BASE_URL` (default OpenRouter) and
 * `TOLLGATE_UPSTREAM_DEFAULT_PROVIDER` (default `openai`).
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
  };
}
