import type { ProviderUsage } from "./provider-usage.ts";

/** The token counts of an Anthropic `usage` object, each as last reported. */
export interface AnthropicTokens {
  input_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  output_tokens?: number;
}

const FIELDS = ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"] as const;

/**
 * The token counts an Anthropic `usage` object carries, whole numbers only (anything else is
 * left out, so the caller counts instead); null when it carries none.
 */
export function anthropicTokensOf(value: unknown): AnthropicTokens | null {
  if (typeof value !== "object" || value === null) return null;
  const usage = value as Record<string, unknown>;
  const tokens: AnthropicTokens = {};
  let any = false;
  for (const field of FIELDS) {
    const count = usage[field];
    if (typeof count === "number" && Number.isSafeInteger(count) && count >= 0) {
      tokens[field] = count;
      any = true;
    }
  }
  return any ? tokens : null;
}

/**
 * Anthropic's counts as the meter settles them. Anthropic's `input_tokens` leaves out the cached
 * ones, where the meter's `inputTokens` includes them (as OpenAI's `prompt_tokens` does), so the
 * cache writes and reads are added back: each is then priced at its own rate, once.
 *
 * @example
 * anthropicUsage({ input_tokens: 100, cache_creation_input_tokens: 400, cache_read_input_tokens: 1000, output_tokens: 200 })
 * // { usage: { inputTokens: 1500, cacheWriteTokens: 400, cacheReadTokens: 1000, outputTokens: 200 } }
 */
export function anthropicUsage(tokens: AnthropicTokens): ProviderUsage {
  const cacheWrite = tokens.cache_creation_input_tokens ?? 0;
  const cacheRead = tokens.cache_read_input_tokens ?? 0;
  return {
    usage: {
      inputTokens: (tokens.input_tokens ?? 0) + cacheWrite + cacheRead,
      ...(cacheWrite > 0 ? { cacheWriteTokens: cacheWrite } : {}),
      ...(cacheRead > 0 ? { cacheReadTokens: cacheRead } : {}),
      outputTokens: tokens.output_tokens ?? 0,
    },
  };
}
