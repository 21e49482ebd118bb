/**
 * The most a chat-completions call can consume, from its request alone, so a hold can be
 * placed for the most it can cost before the call is made. Input comes from
 * `countPromptTokens`; output from the request's token limit, the model's default, and what
 * the context window leaves.
 *
 * @example
 * const bound = await estimateUsageBound({
 *   provider: "openai",
 *   model: "gpt-4o",
 *   messages: [{ role: "user", content: "hi" }],
 *   maxTokens: 500,
 *   contextWindow: 128_000,
 *   defaultMaxOutputTokens: 16_384,
 * });
 * // bound.usage: { inputTokens: 8, outputTokens: 500, reasoningTokens: 500 }
 */

import assert from "node:assert/strict";
import type { Usage } from "@tollgate/core";
import { countPromptTokens, type PromptTokenMethod } from "./count-prompt-tokens.ts";

/** Largest `max_tokens` accepted: ten times the largest output any model offers today. */
export const MAX_TOKENS_LIMIT = 10_000_000;

/** Largest `n` accepted: OpenAI's own limit on choices per request. */
export const CHOICE_COUNT_LIMIT = 128;

/**
 * Where the output bound came from; `context_window` means the window cut the other below;
 * `none`: the call generates no tokens (an embedding).
 */
export type OutputTokensSource = "max_tokens" | "context_window" | "default" | "none";

export interface EstimateUsageBoundOptions {
  readonly provider: string;
  readonly model: string;
  /** The request's `messages` as they came on the wire: validated (RangeError). */
  readonly messages: unknown;
  /** The request's `tools`, if any. */
  readonly tools?: unknown;
  /** The request's `max_completion_tokens ?? max_tokens` as sent; absent or null uses the default. */
  readonly maxTokens?: unknown;
  /** The request's `n`: every choice can produce the full output bound. Default 1. */
  readonly choiceCount?: unknown;
  /** The model's context window (input plus output), when the catalog knows it. */
  readonly contextWindow?: number;
  /** Output limit to assume when the request sets none: the model's maximum output. */
  readonly defaultMaxOutputTokens: number;
  /** `false` for a call that generates no tokens (an embedding): its bound is its input alone. Default true. */
  readonly generatesOutput?: boolean;
}

export interface UsageBound {
  /** `inputTokens`, `outputTokens` and `reasoningTokens`, each at its most. */
  readonly usage: Usage;
  readonly inputMethod: PromptTokenMethod;
  readonly outputTokensSource: OutputTokensSource;
  /**
   * The prompt alone is known to fill the context window, leaving no room for output. The
   * provider will most likely refuse the call, but some (OpenRouter's middle-out) trim the
   * prompt instead, so the bound is still returned, with its full input and no output.
   */
  readonly promptExceedsContextWindow: boolean;
}

/**
 * Bounds a chat call's usage. Output per choice is `maxTokens` (else the default), capped by
 * `contextWindow - tokensMin`: the prompt's lower count, not its bound, since every token the
 * bound over-counts (an image, a byte) is room the real output could use.
 *
 * `reasoningTokens` equals `outputTokens`: any output token may be reasoning, and the cost of
 * a split between them is linear, so it is largest at one end. Marking all of it reasoning
 * prices the bound at the reasoning price (the output price where the model has none), which
 * is the larger end wherever reasoning costs at least as much as output. The catalog has one
 * exception, Perplexity's sonar-deep-research (output $8, reasoning $3 per million): there a
 * pricer must also price `reasoningTokens: 0` and keep the larger.
 *
 * Malformed requests (`messages`, `tools`, `maxTokens`, `choiceCount`) are RangeErrors, for
 * the caller to answer `invalid_request`; a bad `contextWindow` or `defaultMaxOutputTokens`
 * is configuration, so it fails an assertion instead.
 *
 * @example
 * await estimateUsageBound({ provider: "mistral", model: "mistral-large", messages, defaultMaxOutputTokens: 4096 });
 * // { usage: { inputTokens: …, outputTokens: 4096, reasoningTokens: 4096 }, outputTokensSource: "default", … }
 */
export async function estimateUsageBound(options: EstimateUsageBoundOptions): Promise<UsageBound> {
  const { contextWindow, defaultMaxOutputTokens } = options;
  assert.ok(
    isCount(defaultMaxOutputTokens),
    `defaultMaxOutputTokens must be a positive integer: ${defaultMaxOutputTokens}`,
  );
  assert.ok(
    contextWindow === undefined || isCount(contextWindow),
    `contextWindow must be a positive integer: ${contextWindow}`,
  );
  const maxTokens = readLimit(options.maxTokens, "max_tokens (or max_completion_tokens)", MAX_TOKENS_LIMIT);
  const choiceCount = readLimit(options.choiceCount, "n", CHOICE_COUNT_LIMIT) ?? 1;
  const prompt = await countPromptTokens(options);
  if (options.generatesOutput === false) {
    return {
      usage: { inputTokens: prompt.tokens, outputTokens: 0 },
      inputMethod: prompt.method,
      outputTokensSource: "none",
      promptExceedsContextWindow: contextWindow !== undefined && prompt.tokensMin > contextWindow,
    };
  }

  let outputTokensPerChoice = maxTokens ?? defaultMaxOutputTokens;
  let outputTokensSource: OutputTokensSource = maxTokens === undefined ? "default" : "max_tokens";
  const room = contextWindow === undefined ? Number.POSITIVE_INFINITY : contextWindow - prompt.tokensMin;
  if (room < outputTokensPerChoice) {
    outputTokensPerChoice = Math.max(0, room);
    outputTokensSource = "context_window";
  }
  const outputTokens = outputTokensPerChoice * choiceCount;
  return {
    usage: { inputTokens: prompt.tokens, outputTokens, reasoningTokens: outputTokens },
    inputMethod: prompt.method,
    outputTokensSource,
    promptExceedsContextWindow: room <= 0,
  };
}

/** A request's positive integer limit, or undefined when absent or null; anything else is a RangeError. */
function readLimit(value: unknown, field: string, limit: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (isCount(value) && value <= limit) return value;
  const got = typeof value === "number" ? String(value) : typeof value;
  throw new RangeError(`${field} must be a positive integer no greater than ${limit}; got ${got}`);
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}
