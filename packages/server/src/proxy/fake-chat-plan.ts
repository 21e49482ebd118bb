import type { ServerResponse } from "node:http";

/** OpenAI's `usage` object as the fake reports it, with OpenRouter's `cost` (USD) when present. */
export type FakeUsage = Record<string, unknown> & { prompt_tokens: number; completion_tokens: number };

/**
 * How one chat completion is answered, for tests that run many different calls at once:
 * `FakeOpenRouter.planFor` picks it from the body the fake received (a test names its calls in
 * the body's `user`, which the proxy forwards).
 */
export interface FakeAnswerPlan {
  /** A stream's connection is dropped after this many bytes of its body (mid-event, possibly); headers go first. */
  cutAfterBytes?: number;
  /** A stream waits after this many pieces (0: before the first) until `resume` settles. */
  pauseAfterPieces?: number;
  resume?: Promise<void>;
  /** The usage reported instead of the fake's usual one; null: none at all, as from a provider that sends none. */
  usage?: FakeUsage | null;
}

/** What the fake answers with: its pieces of text and its usual usage. */
export interface FakeAnswer {
  pieces: readonly string[];
  usage: FakeUsage;
}

/**
 * The SSE events the fake streams for a request, in order, as written: one `data: …\n\n` each
 * (the pieces, the finish chunk, the usage chunk when the request asked for it, `[DONE]`). A
 * test cutting a stream after k bytes reads from these what was sent whole before the cut.
 */
export function fakeStreamEvents(
  body: Record<string, unknown>,
  answer: { pieces: readonly string[]; usage: FakeUsage | null },
): string[] {
  const base = { id: "gen-1", created: 1_764_000_000, model: String(body.model) };
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    ...base,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const events: unknown[] = answer.pieces.map((piece, index) =>
    chunk(index === 0 ? { role: "assistant", content: piece } : { content: piece }, null),
  );
  events.push(chunk({}, "stop"));
  const options = body.stream_options as { include_usage?: boolean } | undefined;
  if (options?.include_usage && answer.usage) {
    events.push({ ...base, object: "chat.completion.chunk", choices: [], usage: answer.usage });
  }
  return [...events.map((event) => `data: ${JSON.stringify(event)}\n\n`), "data: [DONE]\n\n"];
}

/** Answers one chat completion as its plan says: streamed with a cut or a pause, or whole, with the plan's usage. */
export async function answerChatByPlan(
  res: ServerResponse,
  call: FakeAnswer & { body: Record<string, unknown>; plan: FakeAnswerPlan },
): Promise<void> {
  const { body, plan } = call;
  const usage = plan.usage === undefined ? call.usage : plan.usage;
  if (body.stream !== true) {
    const message = { role: "assistant", content: call.pieces.join("") };
    const completion = { id: "gen-1", created: 1_764_000_000, model: String(body.model), object: "chat.completion" };
    res.writeHead(200, { "content-type": "application/json" });
    const choices = [{ index: 0, message, finish_reason: "stop" }];
    return void res.end(JSON.stringify({ ...completion, ...(usage ? { usage } : {}), choices }));
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  // Sent now, so a cut before the first byte of the body is a cut stream, not a refused call.
  res.flushHeaders();
  // Resolved once written out, so a cut comes after what was sent, not instead of it.
  const write = (text: string) => new Promise<void>((resolve) => res.write(text, () => resolve()));
  if (plan.pauseAfterPieces === 0) await plan.resume;
  let writtenBytes = 0;
  for (const [index, event] of fakeStreamEvents(body, { pieces: call.pieces, usage }).entries()) {
    if (plan.cutAfterBytes !== undefined && writtenBytes + event.length > plan.cutAfterBytes) {
      const part = event.slice(0, plan.cutAfterBytes - writtenBytes);
      if (part.length > 0) await write(part);
      return void res.destroy();
    }
    await write(event);
    writtenBytes += event.length;
    if (index + 1 === plan.pauseAfterPieces) await plan.resume;
  }
  // Everything written, but the connection dropped instead of ended: the answer is not finished.
  if (plan.cutAfterBytes !== undefined) return void res.destroy();
  res.end();
}
