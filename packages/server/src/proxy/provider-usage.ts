import type { Usage } from "@tollgate/core";

/** What the provider said a call consumed, as the meter settles it. */
export interface ProviderUsage {
  usage: Usage;
  /** OpenRouter's `usage.cost` (USD), for `provider_reported` pricing. */
  costUsd?: string;
}

const DECIMAL = /^\d{1,12}(\.\d{1,18})?$/;

/**
 * Reads OpenAI's `usage` object (and OpenRouter's additions): null when it is absent or not
 * one, so the caller falls back to counting. Both of OpenAI's shapes are read: chat
 * completions' and embeddings' (`prompt_tokens`, `completion_tokens`, `…_tokens_details`) and
 * the Responses API's (`input_tokens`, `output_tokens`, `input_tokens_details.cached_tokens`,
 * `output_tokens_details.reasoning_tokens`); each counts its parts in its totals, as `Usage`
 * does. `cost` is kept as the decimal text the provider sent, exactly: JSON numbers are
 * re-printed by JavaScript in their shortest exact form.
 *
 * @example
 * providerUsageOf({ input_tokens: 12, output_tokens: 30, output_tokens_details: { reasoning_tokens: 20 } })
 * // { usage: { inputTokens: 12, outputTokens: 30, reasoningTokens: 20 } }
 */
export function providerUsageOf(value: unknown): ProviderUsage | null {
  if (typeof value !== "object" || value === null) return null;
  const usage = value as Record<string, unknown>;
  const input = wholeOrUndefined(usage.prompt_tokens ?? usage.input_tokens);
  const output = wholeOrUndefined(usage.completion_tokens ?? usage.output_tokens);
  if (input === undefined && output === undefined) return null;
  const promptDetails = detailsOf(usage.prompt_tokens_details ?? usage.input_tokens_details);
  const completionDetails = detailsOf(usage.completion_tokens_details ?? usage.output_tokens_details);
  const cached = wholeOrUndefined(promptDetails.cached_tokens);
  const reasoning = wholeOrUndefined(completionDetails.reasoning_tokens);
  const result: ProviderUsage = {
    usage: {
      inputTokens: input ?? 0,
      outputTokens: output ?? 0,
      ...(cached ? { cacheReadTokens: cached } : {}),
      ...(reasoning ? { reasoningTokens: reasoning } : {}),
    },
  };
  const cost = costText(usage.cost);
  if (cost !== undefined) result.costUsd = cost;
  return result;
}

/** A `…_tokens_details` object; providers send null for "none" too. */
function detailsOf(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function wholeOrUndefined(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function costText(value: unknown): string | undefined {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return undefined;
  // Shortest round-trip text; exponent forms (1e-7) are written out so the meter reads a decimal.
  const text = value.toString().includes("e") ? value.toFixed(18).replace(/0+$/, "").replace(/\.$/, "") : `${value}`;
  return DECIMAL.test(text) ? text : undefined;
}
