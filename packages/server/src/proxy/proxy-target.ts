import type { UpstreamConfig } from "./upstream-config.ts";

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
  };
}
