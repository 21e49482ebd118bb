import { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, type UpstreamConfig } from "./upstream-config.ts";

/**
 * Where a protocol's calls go: the upstream's base URL and the headers that authenticate the
 * deployment there (never the client's), from configuration only.
 */
export interface ProxyTarget {
  /** The upstream's base URL; a protocol's path (`/chat/completions`) is appended. */
  baseUrl: string;
  /** Sent with every upstream request: `authorization: Bearer …`, or Anthropic's `x-api-key`. */
  headers: Record<string, string>;
  /** The provider a model id without `provider/` is priced as. */
  defaultProvider: string;
  /** After a client disconnects mid-stream, how many more bytes are read to reach the usage. */
  drainBytesMax: number;
  /**
   * How long the upstream may take to start its answer (its headers): a non-streamed call's
   * come only once it has finished generating. Past it, 504 `upstream_timeout`. Default 10 min.
   */
  headersTimeoutMs?: number;
  /** How long the upstream may go quiet mid-answer. Past it, a stream ends there; a whole answer is 504. Default 5 min. */
  idleTimeoutMs?: number;
}

/** The target's timeouts, defaults filled in. */
export function upstreamTimeouts(target: ProxyTarget): { headersTimeoutMs: number; idleTimeoutMs: number } {
  return {
    headersTimeoutMs: target.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
    idleTimeoutMs: target.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  };
}

/**
 * The OpenAI-compatible upstream as a target: its key as a bearer token.
 *
 * @example
 * openAITarget(upstreamConfigFromEnv(process.env)).headers // { authorization: "Bearer sk-or-…" }
 */
export function openAITarget(config: UpstreamConfig): ProxyTarget {
  return {
    baseUrl: config.baseUrl,
    headers: { authorization: `Bearer ${config.apiKey}` },
    defaultProvider: config.defaultProvider,
    drainBytesMax: config.drainBytesMax,
    ...(config.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: config.headersTimeoutMs }),
    ...(config.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: config.idleTimeoutMs }),
  };
}
