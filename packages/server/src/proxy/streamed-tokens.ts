import { loadTokenizer } from "@tollgate/metering";

/**
 * The text a stream has carried so far (content, reasoning, tool-call arguments), for charging
 * a stream that ended without the provider's usage: counted with the o200k tokenizer, the
 * encoding of current OpenAI models and a fair measure for others.
 */
export class StreamedText {
  #text = "";

  /** Takes a chunk's deltas (`choices[].delta`). */
  add(chunk: unknown): void {
    const choices = (chunk as { choices?: unknown } | null)?.choices;
    if (!Array.isArray(choices)) return;
    for (const choice of choices) {
      const delta = (choice as { delta?: Record<string, unknown> } | null)?.delta;
      if (!delta) continue;
      for (const field of ["content", "reasoning", "reasoning_content", "refusal"]) {
        const text = delta[field];
        if (typeof text === "string") this.#text += text;
      }
      if (Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls as Array<{ function?: { name?: unknown; arguments?: unknown } }>) {
          if (typeof call?.function?.name === "string") this.#text += call.function.name;
          if (typeof call?.function?.arguments === "string") this.#text += call.function.arguments;
        }
      }
    }
  }

  /** Takes a whole completion's messages (`choices[].message`), for an answer without usage. */
  addMessages(completion: unknown): void {
    const choices = (completion as { choices?: unknown } | null)?.choices;
    if (!Array.isArray(choices)) return;
    this.add({ choices: choices.map((choice) => ({ delta: (choice as { message?: unknown } | null)?.message })) });
  }

  /** The text streamed so far. */
  get text(): string {
    return this.#text;
  }

  /** The tokens streamed so far. */
  tokens(): Promise<number> {
    return countTokens(this.#text);
  }
}

/**
 * A generated text's tokens, with the o200k tokenizer: what a call is charged for when its
 * provider reported no usage.
 *
 * @example
 * await countTokens("Hello there") // 2
 */
export async function countTokens(text: string): Promise<number> {
  if (text.length === 0) return 0;
  // Loaded on first use only (most answers carry the provider's usage), and kept.
  const tokenizer = await loadTokenizer("o200k_base");
  return tokenizer.countTokens(text);
}
