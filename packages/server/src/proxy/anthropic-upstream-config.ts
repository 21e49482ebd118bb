import type { ProxyTarget } from "./proxy-target.ts";
import { DRAIN_BYTES_MAX, type ProxySettings, proxySettingsFromEnv } from "./upstream-config.ts";

/** Where the proxy sends Anthropic Messages calls: from configuration only, never from the client. */
export interface AnthropicUpstreamConfig {
  /** Anthropic's base URL, e.g. `https://api.anthropic.com` (its `/v1/messages` is called). */
  baseUrl: string;
  /** The deployment's Anthropic API key, sent as `x-api-key`; never one from the client. */
  apiKey: string;
  /** After a client disconnects mid-stream, how many more bytes are read to reach the usage. */
  drainBytesMax: number;
  /** Lower `max_tokens` to what the balance pays for instead of a 402 (default true). */
  clampMaxTokens?: boolean;
  /** How long Anthropic may take to start its answer (default 10 min). */
  headersTimeoutMs?: number;
  /** How long Anthropic may go quiet mid-answer (default 5 min). */
  idleTimeoutMs?: number;
}

export const DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com";

/**
 * The Anthropic upstream from the environment: `TOLLGATE_UPSTREAM_ANTHROPIC_KEY` (without it
 * `/anthropic/v1/messages` is not mounted, so null) and `TOLLGATE_UPSTREAM_ANTHROPIC_BASE_URL`
 * (default `https://api.anthropic.com`); and the settings every upstream shares
 * (`TOLLGATE_PROXY_CLAMP_MAX_TOKENS`, `TOLLGATE_UPSTREAM_HEADERS_TIMEOUT_MS`,
 * `TOLLGATE_UPSTREAM_IDLE_TIMEOUT_MS`: `proxySettingsFromEnv`).
 *
 * @example
 * anthropicUpstreamConfigFromEnv({ TOLLGATE_UPSTREAM_ANTHROPIC_KEY: "sk-ant-…" })?.baseUrl // "https://api.anthropic.com"
 */
export function anthropicUpstreamConfigFromEnv(
  env: Record<string, string | undefined>,
): AnthropicUpstreamConfig | null {
  const apiKey = env.TOLLGATE_UPSTREAM_ANTHROPIC_KEY;
  if (!apiKey) return null;
  const baseUrl = env.TOLLGATE_UPSTREAM_ANTHROPIC_BASE_URL || DEFAULT_ANTHROPIC_BASE_URL;
  // A typo here would otherwise surface as a 502 on every call.
  const url = new URL(baseUrl);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RangeError(`TOLLGATE_UPSTREAM_ANTHROPIC_BASE_URL must be http(s); got ${url.protocol}`);
  }
  const settings: ProxySettings = proxySettingsFromEnv(env);
  return { baseUrl: baseUrl.replace(/\/+$/, ""), apiKey, drainBytesMax: DRAIN_BYTES_MAX, ...settings };
}

/**
 * The Anthropic upstream as a target: the deployment's key as `x-api-key`, models priced as
 * provider `anthropic`. (`anthropic-version` is the protocol's, passed from the client.)
 *
 * @example
 * anthropicTarget(config).headers // { "x-api-key": "sk-ant-…" }
 */
export function anthropicTarget(config: AnthropicUpstreamConfig): ProxyTarget {
  return {
    baseUrl: config.baseUrl,
    headers: { "x-api-key": config.apiKey },
    defaultProvider: "anthropic",
    drainBytesMax: config.drainBytesMax,
    ...(config.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: config.headersTimeoutMs }),
    ...(config.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: config.idleTimeoutMs }),
  };
}
