import { FAKE_CLAUDE_PIECES } from "./fake-anthropic.ts";

/** The call every Anthropic proxy test makes. */
export const CLAUDE_REQUEST = {
  model: "claude-sonnet-4-5",
  system: "Be brief.",
  messages: [{ role: "user" as const, content: "Say hello." }],
  // Held at the catalog's price for this bound (307 credits), settled from the usage Anthropic reports.
  max_tokens: 1_000,
};

/**
 * What it is charged with the proxy tests' pricing (2x markup, 10,000 credits a dollar):
 * claude-sonnet-4-5 per million is input 3, cache write 3.75, cache read 0.3, output 15 (USD), so
 * the fake's usage costs 100×3 + 400×3.75 + 1000×0.3 + 200×15 = 5,100 µUSD, × 2 × 10,000.
 */
export const CLAUDE_CHARGE = 102n;

/** The fake's answer, whole. */
export const CLAUDE_ANSWER = FAKE_CLAUDE_PIECES.join("");

/** The error a promise rejects with, or null when it fulfils. */
export async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (error: unknown) => error,
  );
}
