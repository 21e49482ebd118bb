import type { ServerResponse } from "node:http";

/** Every embedding's values: exact in float32, so base64 and JSON carry the same numbers. */
export const FAKE_EMBEDDING = [0.5, -0.25, 0.125];

/** An embeddings call's usage: its prompt tokens, and OpenRouter's `cost`. */
export const FAKE_EMBEDDING_USAGE = { prompt_tokens: 6, total_tokens: 6, cost: 0.0001 };

/**
 * `POST /embeddings` as OpenAI answers it: one embedding per input (a string, or each string of
 * an array), as floats or, with `encoding_format: "base64"` (the `openai` client's default), as
 * little-endian float32 bytes in base64.
 */
export function answerEmbeddings(res: ServerResponse, body: Record<string, unknown>): void {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const base64 = Buffer.from(new Float32Array(FAKE_EMBEDDING).buffer).toString("base64");
  const data = inputs.map((_input, index) => ({
    object: "embedding",
    index,
    embedding: body.encoding_format === "base64" ? base64 : FAKE_EMBEDDING,
  }));
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ object: "list", data, model: String(body.model), usage: FAKE_EMBEDDING_USAGE }));
}
