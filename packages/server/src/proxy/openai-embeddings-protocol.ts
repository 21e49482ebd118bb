import { ApiError } from "../http/api-error.ts";
import { providerModel } from "./openai-chat-protocol.ts";
import { openAIErrorFormat } from "./openai-error.ts";
import { providerUsageOf } from "./provider-usage.ts";
import { checkedBody } from "./proxy-body.ts";
import type { PreparedCall, ProxyProtocol, StreamReader } from "./proxy-protocol.ts";

/** Most inputs one embeddings request may carry: OpenAI's own limit. */
export const EMBEDDING_INPUTS_MAX = 2_048;

/**
 * OpenAI's embeddings (`POST /embeddings`) as a proxy protocol: held for the input's tokens
 * alone (a string, or each string of an array, counted as the model's tokenizer does; an
 * embedding generates nothing), settled from `usage.prompt_tokens` (and OpenRouter's
 * `usage.cost`). Embeddings are never streamed.
 *
 * Token-id input (arrays of numbers) is refused: the hold is counted from text, and a count
 * taken on faith from the request would be the client's say on what it owes.
 */
export const openAIEmbeddingsProtocol: ProxyProtocol = {
  error: openAIErrorFormat,
  prepare(input, { defaultProvider }): PreparedCall {
    const body = embeddingsBody(input);
    const { provider, model } = providerModel(body.model as string, defaultProvider);
    const texts = typeof body.input === "string" ? [body.input] : (body.input as string[]);
    return {
      provider,
      model,
      streaming: false,
      hold: { messages: texts.map((text) => ({ role: "user", content: text })), generatesOutput: false },
      // Nothing to clamp: an embedding has no output limit.
      upstream: () => ({ path: "/embeddings", body }),
      answerUsage: (answer) => providerUsageOf((answer as { usage?: unknown } | undefined)?.usage),
      // An answer without usage is settled from the hold's estimate of the input alone.
      answerText: () => "",
      streamReader: noStream,
    };
  },
};

function noStream(): StreamReader {
  throw new Error("embeddings are never streamed");
}

/** The request body, checked only as far as the hold needs it; the upstream judges the rest. */
function embeddingsBody(body: unknown): Record<string, unknown> {
  const record = checkedBody(body, () => []);
  const { input } = record;
  if (typeof input === "string") {
    if (input.length === 0) throw invalid("input", "expected a non-empty string");
    return record;
  }
  if (!Array.isArray(input) || input.length === 0) {
    throw invalid("input", "expected a string or a non-empty array of strings");
  }
  if (input.length > EMBEDDING_INPUTS_MAX) throw invalid("input", `at most ${EMBEDDING_INPUTS_MAX} inputs`);
  for (const [index, item] of input.entries()) {
    if (typeof item === "number" || Array.isArray(item)) {
      throw invalid(`input[${index}]`, "token ids are not accepted through the proxy: send the text");
    }
    if (typeof item !== "string" || item.length === 0) throw invalid(`input[${index}]`, "expected a non-empty string");
  }
  return record;
}

function invalid(field: string, message: string): ApiError {
  return new ApiError("invalid_request", `${field}: ${message}`, { fields: [{ field, message }] });
}
