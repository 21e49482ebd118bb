import type { ModelPrice, Usage } from "@tollgate/core";
import { catalogPrice } from "@tollgate/metering";
import { seededRandom } from "../packages/core/src/testing/seeded-random.ts";

/** A catalog model the metering benchmarks call, and how its calls tend to look. */
export interface BenchModel {
  provider: string;
  model: string;
  /** Share of calls, out of the weights' sum. */
  weight: number;
  /** Spends part of its output reasoning (`reasoningTokens`). */
  reasoning: boolean;
  /** Writes to the provider's prompt cache (Anthropic bills cache writes apart). */
  cacheWrites: boolean;
}

/** A handful of catalog models, weighted as a chat product's traffic might be: mostly small ones. */
export const BENCH_MODELS: readonly BenchModel[] = Object.freeze([
  { provider: "openai", model: "gpt-4o-mini", weight: 30, reasoning: false, cacheWrites: false },
  { provider: "openai", model: "gpt-4o", weight: 10, reasoning: false, cacheWrites: false },
  { provider: "openai", model: "o4-mini", weight: 8, reasoning: true, cacheWrites: false },
  { provider: "openai", model: "gpt-4.1-mini", weight: 12, reasoning: false, cacheWrites: false },
  { provider: "anthropic", model: "claude-sonnet-4-5", weight: 12, reasoning: false, cacheWrites: true },
  { provider: "anthropic", model: "claude-haiku-4-5", weight: 8, reasoning: false, cacheWrites: true },
  { provider: "google", model: "gemini-2.5-flash", weight: 12, reasoning: true, cacheWrites: false },
  { provider: "deepseek", model: "deepseek-chat", weight: 8, reasoning: false, cacheWrites: false },
]);

/** Calls in the mix: enough that no one usage stays hot in a cache, few enough to build at once. */
export const USAGE_MIX_SIZE = 400;

/** One model call of the mix: the model, its catalog price (resolved once), what it consumed. */
export interface BenchCall {
  provider: string;
  model: string;
  price: ModelPrice;
  usage: Usage;
}

/** The catalog price of every bench model now; a model missing from the catalog is a broken bench. */
export async function benchModelPrices(at: Date): Promise<Map<BenchModel, ModelPrice>> {
  const prices = new Map<BenchModel, ModelPrice>();
  for (const model of BENCH_MODELS) {
    const found = await catalogPrice({ provider: model.provider, model: model.model, at });
    if (!found) throw new Error(`the catalog has no price for ${model.provider}/${model.model}`);
    prices.set(model, found.price);
  }
  return prices;
}

/**
 * `count` model calls across BENCH_MODELS, the same ones on every run (a seeded generator):
 * prompts of 200 to ~8,000 tokens, 40% of them partly read from the prompt cache, answers of
 * 20 to ~1,500 tokens, reasoning models spending 30–70% of theirs reasoning.
 */
export async function buildUsageMix(count: number, at = new Date()): Promise<BenchCall[]> {
  const random = seededRandom(20_260_301);
  const prices = await benchModelPrices(at);
  const totalWeight = BENCH_MODELS.reduce((sum, model) => sum + model.weight, 0);
  const pickModel = () => {
    let ticket = random() * totalWeight;
    for (const model of BENCH_MODELS) {
      ticket -= model.weight;
      if (ticket < 0) return model;
    }
    return BENCH_MODELS[BENCH_MODELS.length - 1] as BenchModel;
  };
  const between = (low: number, high: number) => low + Math.floor(random() ** 2 * (high - low));
  return Array.from({ length: count }, () => {
    const model = pickModel();
    const inputTokens = between(200, 8000);
    const outputTokens = between(20, 1500);
    const usage: Usage = { inputTokens, outputTokens };
    if (random() < 0.4) usage.cacheReadTokens = Math.floor(inputTokens * (0.3 + random() * 0.5));
    if (model.cacheWrites && random() < 0.2) {
      usage.cacheWriteTokens = Math.floor((inputTokens - (usage.cacheReadTokens ?? 0)) * random());
    }
    if (model.reasoning) usage.reasoningTokens = Math.floor(outputTokens * (0.3 + random() * 0.4));
    return { provider: model.provider, model: model.model, price: prices.get(model) as ModelPrice, usage };
  });
}
