import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { addRational, parseDecimal, ZERO } from "./decimal.ts";
import type { ModelPrice, Usage } from "./usage.ts";
import { costOfUsage, validateModelPrice, validateUsage } from "./usage-cost.ts";

const GPT_4O: ModelPrice = { input_mtok: "2.5", cache_read_mtok: "1.25", output_mtok: "10" };
const SONNET: ModelPrice = { input_mtok: "3", cache_read_mtok: "0.3", cache_write_mtok: "3.75", output_mtok: "15" };
const LONG_CONTEXT: ModelPrice = {
  input_mtok: { base: "1.25", tiers: [{ start: 200_000, price: "2.5" }] },
  output_mtok: { base: "10", tiers: [{ start: 200_000, price: "15" }] },
};
const STEPS: ModelPrice = {
  input_mtok: {
    base: "1",
    tiers: [
      { start: 100, price: "2" },
      { start: 1000, price: "3" },
    ],
  },
};

describe("costOfUsage", () => {
  const rows: Array<[name: string, usage: Usage, price: ModelPrice, totalUsd: string]> = [
    ["input and output", { inputTokens: 1000, outputTokens: 500 }, GPT_4O, "0.0075"], // 1000×2.5/1e6 + 500×10/1e6
    ["cache reads priced on their own", { inputTokens: 1200, cacheReadTokens: 1000 }, GPT_4O, "0.00175"], // 200×2.5 + 1000×1.25, /1e6
    [
      "cache reads priced as input when unpriced",
      { inputTokens: 1200, cacheReadTokens: 1000 },
      { input_mtok: "3" },
      "0.0036",
    ],
    // (10000−4000−2000)×3 + 4000×0.3 + 2000×3.75 + 100×15, all /1e6
    [
      "cache reads and writes",
      { inputTokens: 10_000, cacheReadTokens: 4000, cacheWriteTokens: 2000, outputTokens: 100 },
      SONNET,
      "0.0222",
    ],
    // (1000−400)×8 + 400×3, /1e6
    [
      "reasoning priced",
      { outputTokens: 1000, reasoningTokens: 400 },
      { input_mtok: "2", output_mtok: "8", output_reasoning_mtok: "3" },
      "0.006",
    ],
    [
      "reasoning priced as output when unpriced",
      { outputTokens: 1000, reasoningTokens: 400 },
      { output_mtok: "8" },
      "0.008",
    ],
    ["tier: at the threshold is still base", { inputTokens: 200_000, outputTokens: 1000 }, LONG_CONTEXT, "0.26"], // 200000×1.25 + 1000×10
    [
      "tier: above the threshold for every key",
      { inputTokens: 200_001, outputTokens: 1000 },
      LONG_CONTEXT,
      "0.5150025",
    ], // 200001×2.5 + 1000×15
    ["tier: several, the last exceeded wins", { inputTokens: 500 }, STEPS, "0.001"], // 500×2
    ["tier: several, above the highest", { inputTokens: 1001 }, STEPS, "0.003003"], // 1001×3
    ["requests default to one", { inputTokens: 1000 }, { input_mtok: "1", requests_kcount: "12" }, "0.013"], // 0.001 + 1×12/1000
    ["requests as reported", { requests: 3 }, { requests_kcount: "12" }, "0.036"],
    ["images per image", { images: 3 }, { images_count: "0.04" }, "0.12"],
    ["audio per hour of seconds", { audioSeconds: "90" }, { audio_hours: "0.36" }, "0.009"], // 90/3600×0.36
    ["audio with fractional seconds", { audioSeconds: "12.5" }, { audio_hours: "0.36" }, "0.00125"],
    ["zero usage", {}, SONNET, "0"],
    ["a free model", { inputTokens: 5000, outputTokens: 5000 }, {}, "0"],
  ];
  for (const [name, usage, price, totalUsd] of rows) {
    test(`${name}: $${totalUsd}`, () => {
      const cost = costOfUsage(usage, price);
      assert.deepEqual(cost.totalUsd, parseDecimal(totalUsd));
      const sum = Object.values(cost.byPriceKey).reduce(addRational, ZERO);
      assert.deepEqual(sum, cost.totalUsd, "the breakdown sums to the total");
      assert.deepEqual(Object.keys(cost.byPriceKey).sort(), Object.keys(price).sort(), "one line per priced key");
    });
  }

  test("the breakdown is per key, leaves after parts are taken out", () => {
    const cost = costOfUsage({ inputTokens: 1200, cacheReadTokens: 1000, outputTokens: 10 }, GPT_4O);
    assert.deepEqual(cost.byPriceKey, {
      input_mtok: parseDecimal("0.0005"),
      cache_read_mtok: parseDecimal("0.00125"),
      output_mtok: parseDecimal("0.0001"),
    });
  });

  test("a period of audio with no finite decimal stays exact", () => {
    const cost = costOfUsage({ audioSeconds: "1" }, { audio_hours: "1" });
    assert.deepEqual(cost.totalUsd, { numerator: 1n, denominator: 3600n });
  });
});

describe("validateUsage", () => {
  const rows: Array<[usage: Usage, field: RegExp]> = [
    [{ inputTokens: -1 }, /usage\.inputTokens must be a whole number/],
    [{ outputTokens: 1.5 }, /usage\.outputTokens/],
    [{ cacheReadTokens: Number.NaN }, /usage\.cacheReadTokens/],
    [{ reasoningTokens: 2 ** 53 }, /usage\.reasoningTokens/],
    [{ images: "2" as unknown as number }, /usage\.images/],
    [{ requests: -1 }, /usage\.requests/],
    [{ audioSeconds: "-1" }, /usage\.audioSeconds must not be negative/],
    [{ audioSeconds: "ten" }, /usage\.audioSeconds: "ten" is not a decimal/],
    [{ audioSeconds: 12 as unknown as string }, /usage\.audioSeconds must be a decimal string/],
    [
      { inputTokens: 100, cacheReadTokens: 60, cacheWriteTokens: 41 },
      /usage\.cacheReadTokens \+ usage\.cacheWriteTokens \(101\) exceed usage\.inputTokens \(100\)/,
    ],
    [{ cacheWriteTokens: 1 }, /exceed usage\.inputTokens \(0\)/],
    [{ outputTokens: 10, reasoningTokens: 11 }, /usage\.reasoningTokens \(11\) exceed usage\.outputTokens \(10\)/],
  ];
  for (const [usage, field] of rows) {
    test(`rejects ${JSON.stringify(usage)}`, () => {
      assert.throws(() => validateUsage(usage), { name: "RangeError", message: field });
      assert.throws(() => costOfUsage(usage, GPT_4O), RangeError);
    });
  }

  test("accepts parts equal to their totals and safe extremes", () => {
    validateUsage({ inputTokens: 10, cacheReadTokens: 5, cacheWriteTokens: 5, outputTokens: 3, reasoningTokens: 3 });
    validateUsage({ inputTokens: Number.MAX_SAFE_INTEGER, cacheReadTokens: Number.MAX_SAFE_INTEGER });
    validateUsage({ audioSeconds: "0.5", requests: 0, images: 0 });
  });
});

describe("validateModelPrice", () => {
  const valid: ModelPrice[] = [{}, GPT_4O, SONNET, LONG_CONTEXT, STEPS, { images_count: "0.04", audio_hours: "1e-2" }];
  for (const price of valid) {
    test(`accepts ${JSON.stringify(price)}`, () => {
      assert.equal(validateModelPrice(price), price);
    });
  }

  const rows: Array<[price: unknown, message: RegExp]> = [
    [null, /must be an object, got null/],
    [[], /must be an object, got an array/],
    [{ web_searches_kcount: "10" }, /unknown price key "web_searches_kcount"/],
    [{ input_mtok: 2.5 }, /price\.input_mtok must be a decimal string or \{ base, tiers \}, got number/],
    [{ input_mtok: "-1" }, /price\.input_mtok must not be negative/],
    [{ input_mtok: "2,5" }, /price\.input_mtok: "2,5" is not a decimal/],
    [{ input_mtok: { base: "1", tiers: [] } }, /price\.input_mtok\.tiers must be an array of 1 to 16/],
    [
      { input_mtok: { base: 1, tiers: [{ start: 1, price: "2" }] } },
      /price\.input_mtok\.base must be a decimal string/,
    ],
    [{ input_mtok: { base: "1", tiers: [{ start: 1, price: "2" }], extra: 1 } }, /must be a decimal string or/],
    [{ input_mtok: { base: "1", tiers: [{ start: 1.5, price: "2" }] } }, /tiers\[0\] must be \{ start: whole number/],
    [{ input_mtok: { base: "1", tiers: [{ start: -1, price: "2" }] } }, /tiers\[0\]\.start must be ≥ 0/],
    [
      {
        input_mtok: {
          base: "1",
          tiers: [
            { start: 10, price: "2" },
            { start: 10, price: "3" },
          ],
        },
      },
      /tiers\[1\]\.start must be ≥ 0 and above the previous tier's/,
    ],
    [{ input_mtok: { base: "1", tiers: [{ start: 1, price: "-2" }] } }, /tiers\[0\]\.price must not be negative/],
    [{ cache_read_mtok: "0.3" }, /price\.cache_read_mtok is set but price\.input_mtok is not/],
    [
      { input_mtok: "1", output_reasoning_mtok: "3" },
      /price\.output_reasoning_mtok is set but price\.output_mtok is not/,
    ],
  ];
  for (const [price, message] of rows) {
    test(`rejects ${JSON.stringify(price)}`, () => {
      assert.throws(() => validateModelPrice(price), { name: "RangeError", message });
    });
  }
});
