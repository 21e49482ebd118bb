import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RoundingDirection } from "../money.ts";
import { type CreditsForCostOptions, creditsForCost } from "./credits.ts";
import { parseDecimal, rational, ZERO } from "./decimal.ts";
import { costOfUsage } from "./usage-cost.ts";

describe("creditsForCost: the example apps", () => {
  test("a chat app: a $0.0001 call, markup 2, 1 USD = 10,000 tokens → 2 tokens", () => {
    const options = { costUsd: parseDecimal("0.0001"), unitScale: 0, markup: "2", creditsPerUsd: "10000" };
    assert.equal(creditsForCost(options), 2n);
  });

  test("a fitness app: 1 token = $0.001; gpt-4o, 1,000 in + 500 out = $0.0075 → 7.5 → 8 tokens", () => {
    const cost = costOfUsage({ inputTokens: 1000, outputTokens: 500 }, { input_mtok: "2.5", output_mtok: "10" });
    assert.deepEqual(cost.totalUsd, parseDecimal("0.0075"));
    assert.equal(creditsForCost({ costUsd: cost.totalUsd, unitScale: 0, markup: "1", creditsPerUsd: "1000" }), 8n);
  });

  test("a pay-as-you-go chat: a USD balance in micro-dollars, charged at provider cost", () => {
    const rule = { unitScale: 6, markup: "1", creditsPerUsd: "1" };
    assert.equal(creditsForCost({ ...rule, costUsd: parseDecimal("0.0075") }), 7500n); // $0.0075 = 7,500 µ$
    const oneToken = costOfUsage({ inputTokens: 1 }, { input_mtok: "0.1" }).totalUsd; // $0.0000001 = 0.1 µ$
    assert.equal(creditsForCost({ ...rule, costUsd: oneToken }), 1n);
    assert.equal(creditsForCost({ ...rule, costUsd: oneToken, rounding: "down" }), 0n);
  });
});

describe("creditsForCost: one rounding", () => {
  const rows: Array<
    [cost: string, markup: string, creditsPerUsd: string, scale: number, up: bigint, down: bigint, halfEven: bigint]
  > = [
    ["0.0075", "1", "1000", 0, 8n, 7n, 8n], // 7.5: a tie, to the even 8
    ["0.0065", "1", "1000", 0, 7n, 6n, 6n], // 6.5: a tie, to the even 6
    ["0.00123", "1.25", "1000", 2, 154n, 153n, 154n], // 1.5375 credits → 153.75 hundredths
    ["0.000003", "1", "10000", 0, 1n, 0n, 0n], // 0.03 tokens
    ["3", "1", "1", 2, 300n, 300n, 300n], // exact: $3.00 in cents
    ["0.3333333333", "3", "1", 0, 1n, 0n, 1n], // 0.9999999999: rounding each factor would differ
  ];
  for (const [cost, markup, creditsPerUsd, unitScale, up, down, halfEven] of rows) {
    test(`$${cost} × ${markup} × ${creditsPerUsd} at scale ${unitScale}: up ${up}, down ${down}, half_even ${halfEven}`, () => {
      const options = { costUsd: parseDecimal(cost), unitScale, markup, creditsPerUsd };
      const expected: Array<[RoundingDirection, bigint]> = [
        ["up", up],
        ["down", down],
        ["half_even", halfEven],
      ];
      for (const [rounding, minor] of expected) assert.equal(creditsForCost({ ...options, rounding }), minor, rounding);
    });
  }

  test("a cost with no finite decimal is still rounded once", () => {
    const costUsd = rational(1n, 3600n); // one second of a $1/hour audio model
    assert.equal(creditsForCost({ costUsd, unitScale: 0, markup: "1", creditsPerUsd: "3600" }), 1n);
    assert.equal(creditsForCost({ costUsd, unitScale: 0, markup: "1", creditsPerUsd: "1000", rounding: "down" }), 0n);
  });
});

describe("creditsForCost: the minimum charge", () => {
  const rule = { unitScale: 0, markup: "1", creditsPerUsd: "1000", minimumChargeMinor: 5n };
  const rows: Array<[name: string, options: CreditsForCostOptions, minor: bigint]> = [
    ["raises a small charge", { ...rule, costUsd: parseDecimal("0.001") }, 5n],
    ["raises a charge rounded down to zero", { ...rule, costUsd: parseDecimal("0.0001"), rounding: "down" }, 5n],
    ["leaves a larger charge alone", { ...rule, costUsd: parseDecimal("0.0123") }, 13n],
    ["a zero-cost call pays nothing by default", { ...rule, costUsd: ZERO }, 0n],
    ["a zero-cost call pays the minimum when asked", { ...rule, costUsd: ZERO, chargeMinimumOnZeroCost: true }, 5n],
    [
      "no minimum by default",
      { unitScale: 0, markup: "1", creditsPerUsd: "1000", costUsd: parseDecimal("0.0001"), rounding: "down" },
      0n,
    ],
  ];
  for (const [name, options, minor] of rows) {
    test(`${name}: ${minor}`, () => assert.equal(creditsForCost(options), minor));
  }
});

describe("creditsForCost: invalid options", () => {
  const base: CreditsForCostOptions = { costUsd: parseDecimal("1"), unitScale: 0, markup: "1", creditsPerUsd: "1" };
  const rows: Array<[options: CreditsForCostOptions, message: RegExp]> = [
    [{ ...base, costUsd: parseDecimal("-1") }, /costUsd must not be negative/],
    [{ ...base, unitScale: -1 }, /unitScale must be a whole number from 0 to 18/],
    [{ ...base, unitScale: 1.5 }, /unitScale/],
    [{ ...base, unitScale: 19 }, /unitScale/],
    [{ ...base, markup: "-1" }, /markup must not be negative/],
    [{ ...base, markup: "two" }, /markup: "two" is not a decimal/],
    [{ ...base, creditsPerUsd: "0" }, /creditsPerUsd must be above zero/],
    [{ ...base, creditsPerUsd: "1/3" }, /creditsPerUsd: "1\/3" is not a decimal/],
    [{ ...base, minimumChargeMinor: -1n }, /minimumChargeMinor must not be negative/],
  ];
  for (const [options, message] of rows) {
    test(`rejects ${message.source}`, () =>
      assert.throws(() => creditsForCost(options), { name: "RangeError", message }));
  }
});
