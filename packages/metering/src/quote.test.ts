import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseDecimal } from "@tollgate/core";
import type { ResolvedPrice } from "./price-book.ts";
import { definePricingConfig, markupFor } from "./pricing-config.ts";
import { quoteModelCall, usdText } from "./quote.ts";

const credits = { unit: "credits", scale: 0 };
const gpt4o: ResolvedPrice = {
  provider: "openai",
  model: "gpt-4o",
  source: "catalog",
  price: { input_mtok: "2.5", output_mtok: "10" },
  effectiveFrom: null,
  contextWindow: 128_000,
};
const usage = { inputTokens: 1000, outputTokens: 500 }; // $0.0075

describe("quoting a model call", () => {
  test("markup: the model's, else the plan's, else the default", () => {
    const config = definePricingConfig({
      markup: { default: "2", plans: { pro: "1.5" }, models: { "openai/gpt-4o": "1.2", "claude-3-haiku": "3" } },
    });
    assert.equal(markupFor(config, { provider: "openai", model: "gpt-4o", plan: "pro" }), "1.2");
    assert.equal(markupFor(config, { provider: "anthropic", model: "claude-3-haiku" }), "3");
    assert.equal(markupFor(config, { provider: "openai", model: "gpt-4o-mini", plan: "pro" }), "1.5");
    assert.equal(markupFor(config, { provider: "openai", model: "gpt-4o-mini", plan: "free" }), "2");
  });

  const rows: Array<
    [name: string, pricing: Parameters<typeof definePricingConfig>[0], charge: bigint, chargedUsd: string]
  > = [
    ["at cost, 1 credit = $0.001: 7.5 rounds up", { creditsPerUsd: "1000" }, 8n, "0.008"],
    ["rounding down favours the customer", { creditsPerUsd: "1000", rounding: "down" }, 7n, "0.007"],
    ["half-even: 7.5 goes to 8", { creditsPerUsd: "1000", rounding: "half_even" }, 8n, "0.008"],
    ["markup 2 and 10,000 per USD: exactly 150", { creditsPerUsd: "10000", markup: { default: "2" } }, 150n, "0.015"],
    ["a minimum charge lifts a small call", { creditsPerUsd: "1000", minimumChargeMinor: 20n }, 20n, "0.02"],
  ];
  for (const [name, pricing, charge, chargedUsd] of rows) {
    test(name, () => {
      const quote = quoteModelCall({
        config: definePricingConfig(pricing),
        unit: credits,
        provider: "openai",
        model: "gpt-4o",
        usage,
        price: gpt4o,
      });
      assert.ok(quote);
      assert.equal(usdText(quote.providerCostUsd), "0.0075");
      assert.equal(quote.chargeMinor, charge);
      assert.equal(usdText(quote.chargedUsd), chargedUsd);
      assert.equal(quote.costSource, "catalog");
    });
  }

  test("the provider's reported cost wins when preferred and present, the price book otherwise", () => {
    const config = definePricingConfig({ creditsPerUsd: "10000", costSource: "provider_reported" });
    const reported = quoteModelCall({
      config,
      unit: credits,
      provider: "openrouter",
      model: "x/y",
      usage,
      price: null,
      providerReportedCostUsd: "0.0001",
    });
    assert.equal(reported?.costSource, "provider_reported");
    assert.equal(reported?.chargeMinor, 1n);
    const unreported = quoteModelCall({
      config,
      unit: credits,
      provider: "openai",
      model: "gpt-4o",
      usage,
      price: gpt4o,
    });
    assert.equal(unreported?.costSource, "catalog");
    assert.equal(unreported?.chargeMinor, 75n);
    assert.equal(quoteModelCall({ config, unit: credits, provider: "x", model: "y", usage, price: null }), null);
    const ignored = quoteModelCall({
      config: definePricingConfig({ creditsPerUsd: "10000" }),
      unit: credits,
      provider: "openai",
      model: "gpt-4o",
      usage,
      price: gpt4o,
      providerReportedCostUsd: "1",
    });
    assert.equal(ignored?.chargeMinor, 75n, "catalog pricing ignores a reported cost");
  });

  test("a USD unit at scale 6 charges micro-dollars, and the snapshot explains the charge", () => {
    const quote = quoteModelCall({
      config: definePricingConfig({ creditsPerUsd: "1" }),
      unit: { unit: "usd", scale: 6 },
      provider: "openai",
      model: "gpt-4o",
      usage,
      price: gpt4o,
    });
    assert.equal(quote?.chargeMinor, 7500n);
    assert.equal(quote?.snapshot.snapshot.priceSource, "catalog");
    assert.deepEqual(quote?.snapshot.snapshot.prices, gpt4o.price);
    assert.match(quote?.snapshot.id ?? "", /^[A-Za-z0-9_-]{43}$/, "named by the SHA-256 of its content");
  });

  test("a cost with no finite decimal is stored rounded at 18 places", () => {
    assert.equal(usdText(parseDecimal("0.25")), "0.25");
    const third = { numerator: 1n, denominator: 3n };
    assert.equal(usdText(third), "0.333333333333333333");
  });
});
