import assert from "node:assert/strict";

export interface AffordableOutputOptions {
  /** The most output per choice the request asked for (its limit, the model's default, the context window's room). */
  readonly outputTokensMax: number;
  /** What the account has available, in the charge's minor units. */
  readonly availableMinor: bigint;
  /** The hold a call with this much output per choice needs; never smaller for more output. */
  readonly holdFor: (outputTokensPerChoice: number) => bigint;
}

/**
 * The most output tokens per choice that `availableMinor` pays for: the largest `n` in
 * `[1, outputTokensMax]` with `holdFor(n) <= availableMinor`, or null when even one token (with
 * the prompt) is more than is available. Found by bisection, so it is exact for whatever
 * rounding and minimum charge `holdFor` applies (at most ~24 evaluations for 10 million tokens),
 * instead of inverting the price, which would have to repeat that rounding in reverse.
 *
 * @example
 * largestAffordableOutput({ outputTokensMax: 5_000, availableMinor: 30n, holdFor: (n) => 1n + BigInt(Math.ceil(n * 0.012)) })
 * // 2416: 1 + ceil(2416 × 0.012) = 30, while 2417 would need 31
 */
export function largestAffordableOutput(options: AffordableOutputOptions): number | null {
  const { outputTokensMax, availableMinor, holdFor } = options;
  assert.ok(Number.isSafeInteger(outputTokensMax) && outputTokensMax >= 1, `outputTokensMax: ${outputTokensMax}`);
  if (holdFor(1) > availableMinor) return null;
  if (holdFor(outputTokensMax) <= availableMinor) return outputTokensMax;
  let low = 1; // Affordable.
  let high = outputTokensMax; // Not affordable.
  while (high - low > 1) {
    const middle = low + Math.floor((high - low) / 2);
    if (holdFor(middle) <= availableMinor) low = middle;
    else high = middle;
  }
  return low;
}
