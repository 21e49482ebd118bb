/**
 * Golden costs: (provider, model, usage, instant) → the exact USD cost worked by hand from the
 * catalog's listed prices (genai-prices 0.1.8). Each row checks that costOfUsage at the
 * catalogPrice equals the hand-worked decimal exactly, and that genai-prices' own float
 * calcPrice agrees within a relative 1e-9. Arithmetic comments are in USD per million tokens
 * (÷1e6 implied) unless they say otherwise; "leaf" is the input or output left after its
 * separately priced parts.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { calcPrice } from "@pydantic/genai-prices";
import { costOfUsage, parseDecimal, type Rational, type Usage } from "@tollgate/core";
import { catalogPrice } from "./catalog.ts";

type Row = [provider: string, model: string, usage: Usage, expectedUsd: string, at?: string];

const NOW = "2025-09-01T12:00:00Z";

const ROWS: Row[] = [
  // openai
  ["openai", "gpt-4o", { inputTokens: 1000, outputTokens: 500 }, "0.0075"], // 1000×2.5 + 500×10
  ["openai", "gpt-4o", { inputTokens: 10_000, cacheReadTokens: 8000, outputTokens: 200 }, "0.017"], // 2000×2.5 + 8000×1.25 + 200×10
  ["openai", "gpt-4o", {}, "0"], // zero usage
  ["openai", "gpt-4o-mini", { inputTokens: 12_345, outputTokens: 678 }, "0.00225855"], // 12345×0.15 + 678×0.6
  ["openai", "gpt-4.1", { inputTokens: 50_000, cacheReadTokens: 40_000, outputTokens: 1000 }, "0.048"], // 10000×2 + 40000×0.5 + 1000×8
  ["openai", "o4-mini", { inputTokens: 2000, outputTokens: 3000, reasoningTokens: 2500 }, "0.0154"], // 2000×1.1 + 3000×4.4 (reasoning is output)
  // 50000×1.25 + 50000×0.125 + 20000×10 (reasoning is output)
  [
    "openai",
    "gpt-5",
    { inputTokens: 100_000, cacheReadTokens: 50_000, outputTokens: 20_000, reasoningTokens: 15_000 },
    "0.26875",
  ],
  ["openai", "gpt-5-mini-20250807", { inputTokens: 1000, outputTokens: 1000 }, "0.00225"], // → gpt-5-mini: 1000×0.25 + 1000×2
  ["openai", "o3", { inputTokens: 1000, outputTokens: 1000 }, "0.05", "2025-05-01T00:00:00Z"], // before 2025-06-10: 1000×10 + 1000×40
  ["openai", "o3", { inputTokens: 1000, outputTokens: 1000 }, "0.01", "2025-06-10T00:00:00Z"], // from 2025-06-10: 1000×2 + 1000×8
  ["openai", "gpt-3.5-turbo", { inputTokens: 1_000_000, outputTokens: 1_000_000 }, "2"], // 0.5 + 1.5
  ["openai", "whisper-1", { audioSeconds: "90" }, "0.009"], // 90 s ÷ 3600 × $0.36/hour
  // anthropic (claude-sonnet-4-5: tiers above 200,000 input tokens, for every key)
  // at the threshold, base: leaf 50000×3 + 100000×0.3 + 50000×3.75 + 2000×15
  [
    "anthropic",
    "claude-sonnet-4-5",
    { inputTokens: 200_000, cacheReadTokens: 100_000, cacheWriteTokens: 50_000, outputTokens: 2000 },
    "0.3975",
  ],
  // one above, tier: leaf 50001×6 + 100000×0.6 + 50000×7.5 + 2000×22.5
  [
    "anthropic",
    "claude-sonnet-4-5",
    { inputTokens: 200_001, cacheReadTokens: 100_000, cacheWriteTokens: 50_000, outputTokens: 2000 },
    "0.780006",
  ],
  ["anthropic", "claude-3-5-haiku-latest", { inputTokens: 5000, cacheWriteTokens: 4000, outputTokens: 300 }, "0.006"], // 1000×0.8 + 4000×1 + 300×4
  ["anthropic", "claude-opus-4-1", { inputTokens: 3000, cacheReadTokens: 2000, outputTokens: 1000 }, "0.093"], // 1000×15 + 2000×1.5 + 1000×75
  ["anthropic", "claude-3-haiku-20240307", { inputTokens: 1000, outputTokens: 1000 }, "0.0015"], // 1000×0.25 + 1000×1.25
  ["anthropic", "claude-sonnet-4-20250514", { inputTokens: 1000, outputTokens: 100 }, "0.0045"], // → claude-sonnet-4-0: 1000×3 + 100×15
  // claude-sonnet-4-6: tiered until 2026-03-13, flat from then: 300000×6 + 1000×22.5, then 300000×3 + 1000×15
  ["anthropic", "claude-sonnet-4-6", { inputTokens: 300_000, outputTokens: 1000 }, "1.8225", "2026-01-01T00:00:00Z"],
  ["anthropic", "claude-sonnet-4-6", { inputTokens: 300_000, outputTokens: 1000 }, "0.915", "2026-04-01T00:00:00Z"],
  // google (gemini-2.5-pro and gemini-1.5-pro: long-context tiers)
  ["google", "gemini-2.5-pro", { inputTokens: 200_000, outputTokens: 1000 }, "0.26"], // base: 200000×1.25 + 1000×10
  // tier: leaf 150000×2.5 + 100000×0.25 + 1000×15
  ["google", "gemini-2.5-pro", { inputTokens: 250_000, cacheReadTokens: 100_000, outputTokens: 1000 }, "0.415"],
  ["google", "gemini-1.5-pro", { inputTokens: 128_001, outputTokens: 10 }, "0.3201025"], // tier: 128001×2.5 + 10×10
  // 5000×0.3 + 5000×0.03 + 2000×2.5 (reasoning is output)
  [
    "google",
    "gemini-2.5-flash",
    { inputTokens: 10_000, cacheReadTokens: 5000, outputTokens: 2000, reasoningTokens: 1500 },
    "0.00665",
  ],
  ["google", "gemini-2.0-flash", { inputTokens: 1 }, "0.0000001"], // 1×0.1
  ["google", "gemini-3.6-flash", { inputTokens: 1000, outputTokens: 1000 }, "0.0045", "2026-12-31T23:59:59.999Z"], // 1000×0.75 + 1000×3.75
  ["google", "gemini-3.6-flash", { inputTokens: 1000, outputTokens: 1000 }, "0.009", "2027-01-01T00:00:00Z"], // 1000×1.5 + 1000×7.5
  ["google", "claude-2.1", { inputTokens: 1000, outputTokens: 1000 }, "0.032"], // fallback anthropic claude-2: 1000×8 + 1000×24
  // openrouter
  // leaf 500×3 + 1000×0.3 + 500×3.75 + 400×15
  [
    "openrouter",
    "anthropic/claude-sonnet-4",
    { inputTokens: 2000, cacheReadTokens: 1000, cacheWriteTokens: 500, outputTokens: 400 },
    "0.009675",
  ],
  ["openrouter", "openai/gpt-4o-mini", { inputTokens: 1000, cacheReadTokens: 600, outputTokens: 100 }, "0.000165"], // 400×0.15 + 600×0.075 + 100×0.6
  // the catalog's cache write is the float literal 0.08333333333333334: 400×0.3 + 600×0.08333333333333334 + 10×2.5
  [
    "openrouter",
    "google/gemini-2.5-flash-image",
    { inputTokens: 1000, cacheWriteTokens: 600, outputTokens: 10 },
    "0.000195000000000000004",
  ],
  // reasoning priced on its own: 1000×2 + (5000−3000)×8 + 3000×3
  [
    "openrouter",
    "perplexity/sonar-deep-research",
    { inputTokens: 1000, outputTokens: 5000, reasoningTokens: 3000 },
    "0.027",
  ],
  ["openrouter", "meta-llama/llama-3.3-70b-instruct:free", { inputTokens: 100_000, outputTokens: 100_000 }, "0"], // a free model
  ["openrouter", "deepseek/deepseek-chat", { inputTokens: 1_000_000, outputTokens: 1_000_000 }, "1.27"], // 0.38 + 0.89
  [
    "openrouter",
    "google/gemma-4-31b-it",
    { inputTokens: 1_000_000, outputTokens: 1000 },
    "0.12036",
    "2026-08-26T23:59:59Z",
  ], // 0.12 + 1000×0.36
  [
    "openrouter",
    "google/gemma-4-31b-it",
    { inputTokens: 1_000_000, outputTokens: 1000 },
    "0.09034",
    "2026-08-27T00:00:00Z",
  ], // 0.09 + 1000×0.34
  // groq
  ["groq", "llama-3.3-70b-versatile", { inputTokens: 1000, outputTokens: 1000 }, "0.00138"], // 1000×0.59 + 1000×0.79
  ["groq", "llama-3.1-8b-instant", { inputTokens: 123_456, outputTokens: 7890 }, "0.006804"], // 123456×0.05 + 7890×0.08
  ["groq", "whisper-large-v3", { audioSeconds: "30" }, "0.000925"], // 30 s ÷ 3600 × $0.111/hour (above Groq's 10 s minimum)
  // mistral
  ["mistral", "mistral-large-latest", { inputTokens: 10_000, outputTokens: 2000 }, "0.032"], // 10000×2 + 2000×6
  ["mistral", "codestral-latest", { inputTokens: 1000, outputTokens: 1000 }, "0.0012"], // 1000×0.3 + 1000×0.9
  // ministral-8b-latest: no cache price before 2025-12-02 (cached tokens are input): 1000×0.1 + 1000×0.1
  [
    "mistral",
    "ministral-8b-latest",
    { inputTokens: 1000, cacheReadTokens: 500, outputTokens: 1000 },
    "0.0002",
    "2025-11-01T00:00:00Z",
  ],
  // from 2025-12-02: 500×0.15 + 500×0.015 + 1000×0.15
  [
    "mistral",
    "ministral-8b-latest",
    { inputTokens: 1000, cacheReadTokens: 500, outputTokens: 1000 },
    "0.0002325",
    "2025-12-02T00:00:00Z",
  ],
  // deepseek (deepseek-chat/-reasoner: a different price from 00:30 to 16:30 UTC)
  // 20:00 UTC: 6000×0.135 + 4000×0.035 + 1000×0.55
  [
    "deepseek",
    "deepseek-chat",
    { inputTokens: 10_000, cacheReadTokens: 4000, outputTokens: 1000 },
    "0.0015",
    "2025-09-01T20:00:00Z",
  ],
  // 10:00 UTC: 6000×0.27 + 4000×0.07 + 1000×1.1
  [
    "deepseek",
    "deepseek-chat",
    { inputTokens: 10_000, cacheReadTokens: 4000, outputTokens: 1000 },
    "0.003",
    "2025-09-01T10:00:00Z",
  ],
  // 10:00 UTC: 1000×0.55 + 2000×2.19 (reasoning is output)
  [
    "deepseek",
    "deepseek-reasoner",
    { inputTokens: 1000, outputTokens: 2000, reasoningTokens: 1500 },
    "0.00493",
    "2025-09-01T10:00:00Z",
  ],
  // x-ai
  ["x-ai", "grok-3", { inputTokens: 1000, cacheReadTokens: 500, outputTokens: 100 }, "0.003375"], // 500×3 + 500×0.75 + 100×15
  ["x-ai", "grok-4", { inputTokens: 2000, outputTokens: 1000 }, "0.021"], // → grok-4-0709: 2000×3 + 1000×15
  ["x-ai", "grok-3-mini", { inputTokens: 1000, outputTokens: 1000, reasoningTokens: 800 }, "0.0008"], // 1000×0.3 + 1000×0.5
  ["x-ai", "grok-voice-latest", { audioSeconds: "120" }, "0.1", "2026-01-01T00:00:00Z"], // 120 s ÷ 3600 × $3/hour
  ["x-ai", "grok-voice-latest", { audioSeconds: "120" }, "0.16", "2026-08-05T00:00:00Z"], // 120 s ÷ 3600 × $4.8/hour
  // perplexity: $12 per thousand requests, one request per call
  ["perplexity", "sonar", { inputTokens: 1000, outputTokens: 1000 }, "0.014"], // 1000×1 + 1000×1, + 1 × 12 ÷ 1000
  ["perplexity", "sonar", {}, "0.012"], // zero tokens still make one request
  // aws (bedrock)
  ["aws", "amazon.nova-pro-v1:0", { inputTokens: 10_000, cacheReadTokens: 2000, outputTokens: 500 }, "0.0084"], // 8000×0.8 + 2000×0.2 + 500×3.2
  ["bedrock", "amazon.nova-micro-v1:0", { inputTokens: 1000, cacheReadTokens: 200, outputTokens: 100 }, "0.00004375"], // 800×0.035 + 200×0.00875 + 100×0.14
  // → regional.…: leaf 500×3.3 + 500×4.125 + 100×16.5
  [
    "aws",
    "anthropic.claude-sonnet-4-5-20250929-v1:0",
    { inputTokens: 1000, cacheWriteTokens: 500, outputTokens: 100 },
    "0.0053625",
  ],
  // azure (fallbacks to openai, deepseek, moonshotai)
  ["azure", "gpt-4o", { inputTokens: 1000, outputTokens: 500 }, "0.0075"], // 1000×2.5 + 500×10
  ["azure", "deepseek-r1", { inputTokens: 1000, outputTokens: 1000 }, "0.00274", "2025-09-01T10:00:00Z"], // → deepseek-reasoner: 1000×0.55 + 1000×2.19
  ["azure", "kimi-k2", { inputTokens: 1000, outputTokens: 1000 }, "0.00287"], // 1000×0.57 + 1000×2.3
];

describe("catalog golden costs", () => {
  test("the table is big enough", () => assert.ok(ROWS.length >= 40, `${ROWS.length} rows`));

  for (const [provider, model, usage, expectedUsd, at = NOW] of ROWS) {
    test(`${provider} ${model} ${JSON.stringify(usage)} at ${at}: $${expectedUsd}`, async () => {
      const timestamp = new Date(at);
      const found = await catalogPrice({ provider, model, at: timestamp });
      assert.ok(found, "the catalog has the model");
      const cost = costOfUsage(usage, found.price).totalUsd;
      assert.deepEqual(cost, parseDecimal(expectedUsd), "exactly the hand-worked cost");

      const theirs = calcPrice(genaiUsage(usage), model, { providerId: provider, timestamp });
      assert.ok(theirs, "genai-prices has the model");
      assert.equal(found.model, theirs.model.id, "the same model matched");
      assertClose(cost, theirs.total_price);
    });
  }
});

/** Our usage in genai-prices' usage keys (its unit table); it always counts one request. */
function genaiUsage(usage: Usage): Record<string, number | undefined> {
  return {
    input_tokens: usage.inputTokens,
    cache_read_tokens: usage.cacheReadTokens,
    cache_write_tokens: usage.cacheWriteTokens,
    output_tokens: usage.outputTokens,
    output_reasoning_tokens: usage.reasoningTokens,
    audio_seconds: usage.audioSeconds === undefined ? undefined : Number(usage.audioSeconds),
  };
}

/** A float comparison, in the test only: genai-prices computes in floats. */
function assertClose(exact: Rational, float: number): void {
  const ours = Number(exact.numerator) / Number(exact.denominator);
  const tolerance = 1e-9 * Math.max(Math.abs(ours), Math.abs(float));
  assert.ok(Math.abs(ours - float) <= tolerance, `genai-prices says ${float}, we say ${ours}`);
}
