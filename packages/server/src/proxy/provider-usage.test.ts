// The provider's usage in the shapes of OpenAI's other endpoints: the Responses API's
// input/output names and embeddings' prompt tokens alone (chat's shape is in proxy-parts.test.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { providerUsageOf } from "./provider-usage.ts";

describe("providerUsageOf, the Responses API's and embeddings' usage", () => {
  test("input and output tokens, cached and reasoning tokens, and OpenRouter's cost", () => {
    assert.deepEqual(
      providerUsageOf({
        input_tokens: 120,
        input_tokens_details: { cached_tokens: 100 },
        output_tokens: 50,
        output_tokens_details: { reasoning_tokens: 30 },
        total_tokens: 170,
        cost: 0.0042,
      }),
      {
        usage: { inputTokens: 120, outputTokens: 50, cacheReadTokens: 100, reasoningTokens: 30 },
        costUsd: "0.0042",
      },
    );
  });

  test("null details are none, and an embedding's usage is its prompt tokens alone", () => {
    assert.deepEqual(
      providerUsageOf({ input_tokens: 5, output_tokens: 2, input_tokens_details: null, output_tokens_details: null }),
      { usage: { inputTokens: 5, outputTokens: 2 } },
    );
    assert.deepEqual(providerUsageOf({ prompt_tokens: 8, total_tokens: 8 }), {
      usage: { inputTokens: 8, outputTokens: 0 },
    });
  });
});
