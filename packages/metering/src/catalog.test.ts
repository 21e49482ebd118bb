import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type MatchLogic, type Provider, updatePrices, waitForUpdate } from "@pydantic/genai-prices";
import { catalogPrice, catalogProviders, clearCatalogCache, matchesLogic } from "./catalog.ts";

const NOW = new Date("2025-09-01T12:00:00Z");

describe("catalogPrice", () => {
  test("a catalog model, in Tollgate's terms", async () => {
    assert.deepEqual(await catalogPrice({ provider: "openai", model: "gpt-4o", at: NOW }), {
      provider: "openai",
      model: "gpt-4o",
      modelName: "gpt 4o",
      price: { input_mtok: "2.5", cache_read_mtok: "1.25", output_mtok: "10" },
      contextWindow: 128000,
      droppedPriceKeys: ["storage_searches_kcount", "web_searches_kcount"],
    });
  });

  const lookups: Array<
    [name: string, provider: string, model: string, expected: [provider: string, model: string] | null]
  > = [
    ["ids are case-insensitive and trimmed", "OpenAI", "  GPT-4o ", ["openai", "gpt-4o"]],
    ["a dated id matches its model", "openai", "gpt-4o-2024-08-06", ["openai", "gpt-4o"]],
    ["a compact date is spelled out", "openai", "gpt-5-mini-20250807", ["openai", "gpt-5-mini"]],
    ["an impossible compact date is not", "openai", "gpt-5-mini-20250230", null],
    ["a provider by its provider_match", "bedrock", "amazon.nova-micro-v1:0", ["aws", "amazon.nova-micro-v1:0"]],
    ["a fallback provider's model (azure → openai)", "azure", "gpt-4o", ["azure", "gpt-4o"]],
    ["a fallback provider's model (azure → deepseek)", "azure", "deepseek-r1", ["azure", "deepseek-reasoner"]],
    ["a fallback provider's model (google → anthropic)", "google", "claude-2.1", ["google", "claude-2"]],
    [
      "an openrouter id with a slash",
      "openrouter",
      "anthropic/claude-sonnet-4",
      ["openrouter", "anthropic/claude-sonnet-4"],
    ],
    ["an unknown model", "openai", "gpt-99-ultra", null],
    ["an unknown provider", "no-such-provider", "gpt-4o", null],
    ["litellm's provider/model form is not supported", "litellm", "openai/gpt-4o", null],
  ];
  for (const [name, provider, model, expected] of lookups) {
    test(`${name}: ${provider} ${model}`, async () => {
      const found = await catalogPrice({ provider, model, at: NOW });
      assert.deepEqual(found && [found.provider, found.model], expected);
    });
  }

  test("tiered prices become decimal tiers", async () => {
    const found = await catalogPrice({ provider: "google", model: "gemini-2.5-pro", at: NOW });
    assert.deepEqual(found?.price, {
      input_mtok: { base: "1.25", tiers: [{ start: 200000, price: "2.5" }] },
      cache_read_mtok: { base: "0.125", tiers: [{ start: 200000, price: "0.25" }] },
      output_mtok: { base: "10", tiers: [{ start: 200000, price: "15" }] },
    });
  });

  test("a catalog float keeps its shortest round-trip digits, exactly", async () => {
    const found = await catalogPrice({ provider: "openrouter", model: "google/gemini-2.5-flash-image", at: NOW });
    assert.equal(found?.price.cache_write_mtok, "0.08333333333333334");
  });

  test("a free model has an empty price, and no context window when the catalog has none", async () => {
    const found = await catalogPrice({
      provider: "openrouter",
      model: "meta-llama/llama-3.3-70b-instruct:free",
      at: NOW,
    });
    assert.deepEqual(found?.price, {});
    assert.equal(found && "contextWindow" in found, false);
  });

  const dated: Array<[provider: string, model: string, at: string, inputMtok: string]> = [
    ["openai", "o3", "2025-06-09T23:59:59.999Z", "10"],
    ["openai", "o3", "2025-06-10T00:00:00.000Z", "2"], // start_date holds from that UTC midnight
    ["deepseek", "deepseek-chat", "2025-09-01T00:29:59.999Z", "0.135"],
    ["deepseek", "deepseek-chat", "2025-09-01T00:30:00.000Z", "0.27"], // time_of_date: [00:30, 16:30) UTC
    ["deepseek", "deepseek-chat", "2025-09-01T16:29:59.999Z", "0.27"],
    ["deepseek", "deepseek-chat", "2025-09-01T16:30:00.000Z", "0.135"],
  ];
  for (const [provider, model, at, inputMtok] of dated) {
    test(`conditional prices: ${provider} ${model} at ${at} → input ${inputMtok}`, async () => {
      assert.equal((await catalogPrice({ provider, model, at: new Date(at) }))?.price.input_mtok, inputMtok);
    });
  }

  test("an invalid date is a RangeError", async () => {
    await assert.rejects(catalogPrice({ provider: "openai", model: "gpt-4o", at: new Date("nope") }), RangeError);
  });
});

describe("catalogPrice on installed catalog data", () => {
  const night = { input_mtok: 1 };
  const model = (id: string, prices: Provider["models"][number]["prices"]) => ({ id, match: { equals: id }, prices });
  const synthetic: Provider = {
    id: "synthetic",
    name: "Synthetic",
    api_pattern: "https://synthetic\\.example",
    models: [
      model("wrap", [
        { prices: { input_mtok: 2 } },
        { constraint: { type: "time_of_date", start_time: "22:00:00Z", end_time: "02:00:00Z" }, prices: night },
      ]),
      model("offset", [
        { prices: { input_mtok: 2 } },
        {
          constraint: { type: "time_of_date", start_time: "09:00:00.5+02:00", end_time: "10:00:00+02:00" },
          prices: night,
        },
      ]),
      model("negative", { input_mtok: -1 }),
    ],
  };

  async function withCatalog(providers: Provider[], check: () => Promise<void> | void): Promise<void> {
    const original = await waitForUpdate();
    updatePrices(({ setProviderData }) => setProviderData(providers));
    clearCatalogCache();
    try {
      await check();
    } finally {
      updatePrices(({ setProviderData }) => setProviderData(original));
      clearCatalogCache();
    }
  }

  const rows: Array<[model: string, at: string, inputMtok: string]> = [
    ["wrap", "2025-09-01T21:59:59.999Z", "2"],
    ["wrap", "2025-09-01T22:00:00Z", "1"], // a window past midnight wraps
    ["wrap", "2025-09-01T01:59:59.999Z", "1"],
    ["wrap", "2025-09-01T02:00:00Z", "2"],
    ["offset", "2025-09-01T07:00:00.499Z", "2"], // 09:00:00.5+02:00 is 07:00:00.500Z
    ["offset", "2025-09-01T07:00:00.500Z", "1"],
    ["offset", "2025-09-01T07:59:59.999Z", "1"],
    ["offset", "2025-09-01T08:00:00Z", "2"],
  ];
  for (const [id, at, inputMtok] of rows) {
    test(`time_of_date: ${id} at ${at} → input ${inputMtok}`, async () => {
      await withCatalog([synthetic], async () => {
        const found = await catalogPrice({ provider: "synthetic", model: id, at: new Date(at) });
        assert.equal(found?.price.input_mtok, inputMtok);
      });
    });
  }

  test("an invalid catalog price throws, naming the model", async () => {
    await withCatalog([synthetic], async () => {
      await assert.rejects(
        catalogPrice({ provider: "synthetic", model: "negative", at: NOW }),
        /synthetic\/negative is invalid/,
      );
    });
  });

  test("catalogProviders follows the active data", async () => {
    await withCatalog([synthetic], async () => assert.deepEqual(await catalogProviders(), ["synthetic"]));
  });
});

describe("catalogProviders", () => {
  test("lists the bundled providers once each", async () => {
    const ids = await catalogProviders();
    for (const id of [
      "openai",
      "anthropic",
      "google",
      "openrouter",
      "groq",
      "mistral",
      "deepseek",
      "x-ai",
      "aws",
      "azure",
    ]) {
      assert.ok(ids.includes(id), id);
    }
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe("matchesLogic", () => {
  const rows: Array<[logic: MatchLogic, id: string, matches: boolean]> = [
    [{ equals: "gpt-4o" }, "GPT-4o", true],
    [{ equals: "gpt-4o" }, "gpt-4o-mini", false],
    [{ starts_with: "Claude-3" }, "claude-3-haiku", true],
    [{ ends_with: ":free" }, "qwen3-8b:FREE", true],
    [{ contains: "sonnet" }, "claude-3-5-sonnet-latest", true],
    [{ regex: "^o[134]" }, "o3-mini", true],
    [{ regex: "^o[134]" }, "gpt-o3", false],
    [{ and: [{ starts_with: "gemini-2.5-pro" }, { regex: "^(?!.*-tts)" }] }, "gemini-2.5-pro-tts", false],
    [{ and: [{ starts_with: "gemini-2.5-pro" }, { regex: "^(?!.*-tts)" }] }, "gemini-2.5-pro", true],
    [{ or: [{ equals: "a" }, { equals: "b" }] }, "b", true],
    [{ or: [] }, "anything", false],
  ];
  for (const [logic, id, matches] of rows) {
    test(`${JSON.stringify(logic)} ${matches ? "matches" : "does not match"} ${id}`, () => {
      assert.equal(matchesLogic(logic, id), matches);
    });
  }
});
