// The clamp's arithmetic: the most output a balance pays for, exact whatever the rounding.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { largestAffordableOutput } from "./affordable-output.ts";

/** A hold of 1 minor unit of prompt plus 0.012 a token, rounded up: the proxy's test pricing, roughly. */
const holdFor = (tokens: number) => 1n + (BigInt(tokens) * 12n + 999n) / 1000n;

describe("largestAffordableOutput", () => {
  const rows: Array<[string, { outputTokensMax: number; availableMinor: bigint }, number | null]> = [
    ["the whole request is affordable: its own limit", { outputTokensMax: 5_000, availableMinor: 1_000n }, 5_000],
    ["exactly affordable at the limit", { outputTokensMax: 5_000, availableMinor: holdFor(5_000) }, 5_000],
    ["one unit short of the limit", { outputTokensMax: 5_000, availableMinor: holdFor(5_000) - 1n }, 4_916],
    ["30 pays for 2,416 tokens", { outputTokensMax: 5_000, availableMinor: 30n }, 2_416],
    ["the prompt and one token", { outputTokensMax: 5_000, availableMinor: 2n }, 83],
    ["not even one token", { outputTokensMax: 5_000, availableMinor: 1n }, null],
    ["nothing available", { outputTokensMax: 5_000, availableMinor: 0n }, null],
    ["a limit of one token", { outputTokensMax: 1, availableMinor: 2n }, 1],
  ];
  for (const [name, options, expected] of rows) {
    test(name, () => {
      const found = largestAffordableOutput({ ...options, holdFor });
      assert.equal(found, expected);
      if (found !== null) {
        assert.ok(holdFor(found) <= options.availableMinor, "affordable");
        if (found < options.outputTokensMax) assert.ok(holdFor(found + 1) > options.availableMinor, "the largest");
      }
    });
  }

  test("a minimum charge (flat, then growing) is found exactly", () => {
    const withMinimum = (tokens: number) => {
      const cost = holdFor(tokens);
      return cost < 50n ? 50n : cost;
    };
    assert.equal(
      largestAffordableOutput({ outputTokensMax: 10_000_000, availableMinor: 49n, holdFor: withMinimum }),
      null,
    );
    const found = largestAffordableOutput({ outputTokensMax: 10_000_000, availableMinor: 50n, holdFor: withMinimum });
    assert.equal(found, 4_083);
    assert.ok(withMinimum(4_084) > 50n);
  });

  test("a bad limit is a programmer's error", () => {
    assert.throws(() => largestAffordableOutput({ outputTokensMax: 0, availableMinor: 1n, holdFor }));
  });
});
