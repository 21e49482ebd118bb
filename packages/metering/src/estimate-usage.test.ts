import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { IMAGE_PART_TOKENS_MAX } from "./count-prompt-tokens.ts";
import { type EstimateUsageBoundOptions, estimateUsageBound, MAX_TOKENS_LIMIT } from "./estimate-usage.ts";

const hi = [{ role: "user", content: "hi" }]; // 8 tokens for gpt-4o
const gpt4o = (options: Partial<EstimateUsageBoundOptions>) =>
  estimateUsageBound({ provider: "openai", model: "gpt-4o", messages: hi, defaultMaxOutputTokens: 16_384, ...options });
const claude = (options: Partial<EstimateUsageBoundOptions>) =>
  estimateUsageBound({
    provider: "anthropic",
    model: "claude-sonnet-4",
    messages: [{ role: "user", content: "héllo 世界" }], // bounded at 89 tokens
    defaultMaxOutputTokens: 64_000,
    ...options,
  });

describe("the output bound", () => {
  test("is max_tokens when given, with every output token possibly reasoning", async () => {
    assert.deepEqual(await gpt4o({ maxTokens: 500, contextWindow: 128_000 }), {
      usage: { inputTokens: 8, outputTokens: 500, reasoningTokens: 500 },
      inputMethod: "tokenizer",
      outputTokensSource: "max_tokens",
      promptExceedsContextWindow: false,
    });
  });

  test("is the model's default when max_tokens is absent or null", async () => {
    for (const maxTokens of [undefined, null]) {
      const bound = await gpt4o({ maxTokens, contextWindow: 128_000 });
      assert.deepEqual(bound.usage, { inputTokens: 8, outputTokens: 16_384, reasoningTokens: 16_384 });
      assert.equal(bound.outputTokensSource, "default");
    }
  });

  test("is capped by what the context window leaves after the prompt", async () => {
    const capped = await gpt4o({ maxTokens: 500, contextWindow: 100 });
    assert.deepEqual(capped.usage, { inputTokens: 8, outputTokens: 92, reasoningTokens: 92 });
    assert.equal(capped.outputTokensSource, "context_window");
    const cappedDefault = await gpt4o({ contextWindow: 1_000 });
    assert.equal(cappedDefault.usage.outputTokens, 992);
    assert.equal(cappedDefault.outputTokensSource, "context_window");
    const exact = await gpt4o({ maxTokens: 92, contextWindow: 100 });
    assert.equal(exact.outputTokensSource, "max_tokens");
  });

  test("is capped by the prompt's lower count, so an image's bound leaves the output alone", async () => {
    const messages = [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/cat.png" } }] }];
    const bound = await gpt4o({ messages, maxTokens: 1_000, contextWindow: 2_000 });
    assert.ok(bound.usage.inputTokens !== undefined && bound.usage.inputTokens > IMAGE_PART_TOKENS_MAX);
    assert.equal(bound.usage.outputTokens, 1_000);
    assert.equal(bound.promptExceedsContextWindow, false);
  });

  test("keeps the whole window for a byte-bounded prompt, whose real size may be far below its bound", async () => {
    const within = await claude({ maxTokens: 40, contextWindow: 50 });
    assert.deepEqual(within.usage, { inputTokens: 89, outputTokens: 40, reasoningTokens: 40 });
    assert.equal(within.inputMethod, "byte_bound");
    assert.equal(within.promptExceedsContextWindow, false);
    const capped = await claude({ maxTokens: 100, contextWindow: 50 });
    assert.equal(capped.usage.outputTokens, 50);
    assert.equal(capped.outputTokensSource, "context_window");
  });

  test("is 0 when the prompt fills the window, and the input is still bounded in full", async () => {
    const messages = [{ role: "user", content: "word ".repeat(50) }];
    for (const contextWindow of [10, 58]) {
      const bound = await gpt4o({ messages, maxTokens: 500, contextWindow });
      assert.deepEqual(bound.usage, { inputTokens: 58, outputTokens: 0, reasoningTokens: 0 });
      assert.equal(bound.outputTokensSource, "context_window");
      assert.equal(bound.promptExceedsContextWindow, true);
    }
  });

  test("is multiplied by n, each choice capped by the window", async () => {
    const bound = await gpt4o({ maxTokens: 100, choiceCount: 3 });
    assert.deepEqual(bound.usage, { inputTokens: 8, outputTokens: 300, reasoningTokens: 300 });
    const capped = await gpt4o({ maxTokens: 100, choiceCount: 3, contextWindow: 58 });
    assert.equal(capped.usage.outputTokens, 150);
  });
});

describe("a call that generates nothing (an embedding)", () => {
  test("is bounded by its input alone, whatever the limits say", async () => {
    assert.deepEqual(await gpt4o({ generatesOutput: false, contextWindow: 8_192 }), {
      usage: { inputTokens: 8, outputTokens: 0 },
      inputMethod: "tokenizer",
      outputTokensSource: "none",
      promptExceedsContextWindow: false,
    });
    const long = await gpt4o({ generatesOutput: false, contextWindow: 4 });
    assert.deepEqual([long.usage.inputTokens, long.promptExceedsContextWindow], [8, true]);
  });
});

describe("request limits are RangeErrors for the caller to answer invalid_request", () => {
  test("max_tokens must be a positive integer up to 10,000,000", async () => {
    assert.equal((await gpt4o({ maxTokens: MAX_TOKENS_LIMIT })).usage.outputTokens, MAX_TOKENS_LIMIT);
    for (const maxTokens of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "100", MAX_TOKENS_LIMIT + 1, 2 ** 53]) {
      await assert.rejects(
        gpt4o({ maxTokens }),
        /^RangeError: max_tokens \(or max_completion_tokens\) must be a positive integer no greater than 10000000; got /,
      );
    }
  });

  test("n must be a positive integer up to 128", async () => {
    for (const choiceCount of [0, 129, 1.5, "2"]) {
      await assert.rejects(gpt4o({ choiceCount }), /^RangeError: n must be a positive integer no greater than 128/);
    }
  });

  test("malformed messages reach the caller as countPromptTokens' RangeError", async () => {
    await assert.rejects(gpt4o({ messages: [{ role: "user", content: 1 }] }), /^RangeError: messages\[0\]\.content/);
  });

  test("a bad context window or default is configuration: an assertion, not the client's fault", async () => {
    await assert.rejects(gpt4o({ defaultMaxOutputTokens: 0 }), { name: "AssertionError" });
    await assert.rejects(gpt4o({ contextWindow: -1 }), { name: "AssertionError" });
  });
});
