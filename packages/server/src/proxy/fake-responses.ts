import type { ServerResponse } from "node:http";

/** The text every Responses API call answers, streamed in these pieces. */
export const FAKE_RESPONSE_PIECES = ["Tolls", " are", " paid", " here", "."];

/** The Responses API's usage, with reasoning tokens and OpenRouter's `cost`. */
export const FAKE_RESPONSE_USAGE = {
  input_tokens: 21,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: 12,
  output_tokens_details: { reasoning_tokens: 4 },
  total_tokens: 33,
  cost: 0.0015,
};

/** How a fake Responses stream goes: to its end, or cut after two pieces; `gate` pauses it after the first. */
export interface FakeResponseStreamOptions {
  cut: boolean;
  gate: Promise<void> | null;
}

/**
 * `POST /responses` as OpenAI answers it: one assistant message. Not streamed, the response
 * object with its `usage`; streamed, the Responses API's typed events (`response.created`,
 * `response.output_text.delta`, …) ending with `response.completed`, which carries the usage.
 * Resolves true when a stream was written to its end.
 */
export async function answerResponse(
  res: ServerResponse,
  body: Record<string, unknown>,
  options: FakeResponseStreamOptions,
): Promise<boolean> {
  const text = FAKE_RESPONSE_PIECES.join("");
  const message = (status: string, content: string | null) => ({
    id: "msg_1",
    type: "message",
    status,
    role: "assistant",
    content: content === null ? [] : [{ type: "output_text", text: content, annotations: [] }],
  });
  const response = (status: string, output: unknown[], usage: unknown) => ({
    id: "resp_1",
    object: "response",
    created_at: 1_764_000_000,
    status,
    model: String(body.model),
    output,
    usage,
    ...(typeof body.instructions === "string" ? { instructions: body.instructions } : {}),
    ...(typeof body.max_output_tokens === "number" ? { max_output_tokens: body.max_output_tokens } : {}),
  });
  if (body.stream !== true) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(response("completed", [message("completed", text)], FAKE_RESPONSE_USAGE)));
    return false;
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  let sequence = 0;
  // Resolved once written out, so a cut comes after what was sent, not instead of it.
  const send = (type: string, data: Record<string, unknown>) =>
    new Promise<void>((resolve) =>
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`, () =>
        resolve(),
      ),
    );
  const at = { item_id: "msg_1", output_index: 0, content_index: 0 };
  await send("response.created", { response: response("in_progress", [], null) });
  await send("response.output_item.added", { output_index: 0, item: message("in_progress", null) });
  await send("response.content_part.added", { ...at, part: { type: "output_text", text: "", annotations: [] } });
  for (const [index, piece] of FAKE_RESPONSE_PIECES.entries()) {
    await send("response.output_text.delta", { ...at, delta: piece, logprobs: [] });
    if (index === 0 && options.gate) await options.gate;
    if (index === 1 && options.cut) {
      res.destroy();
      return false;
    }
  }
  await send("response.output_text.done", { ...at, text, logprobs: [] });
  await send("response.content_part.done", { ...at, part: { type: "output_text", text, annotations: [] } });
  await send("response.output_item.done", { output_index: 0, item: message("completed", text) });
  await send("response.completed", {
    response: response("completed", [message("completed", text)], FAKE_RESPONSE_USAGE),
  });
  res.end();
  return true;
}
