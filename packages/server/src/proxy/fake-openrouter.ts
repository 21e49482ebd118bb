import type { IncomingMessage, ServerResponse } from "node:http";
import { answerChatByPlan, type FakeAnswerPlan } from "./fake-chat-plan.ts";
import { answerEmbeddings } from "./fake-embeddings.ts";
import { answerResponse } from "./fake-responses.ts";
import { type LocalHttpServer, startLocalHttpServer } from "./local-http-server.ts";

/** The answer every call gets: its text, streamed in these pieces, and its usage with OpenRouter's `cost`. */
export const FAKE_PIECES = ["Hello", " there", ", friend", ". Anything", " else?"];
export const FAKE_USAGE = { prompt_tokens: 14, completion_tokens: 9, total_tokens: 23, cost: 0.0012 };

/**
 * The models `GET /models` lists, in OpenRouter's form (`provider/model`, with its own fields
 * beside OpenAI's): chat, embedding, an Anthropic model, and one no price book knows.
 */
export const FAKE_MODELS = [
  "openai/gpt-4o-mini",
  "openai/gpt-4o",
  "openai/text-embedding-3-small",
  "anthropic/claude-sonnet-4",
  "acme/unpriced-model",
];

/**
 * How the next calls are answered: `refuse` answers `refusalStatus` with an OpenAI-format error
 * (and `retry-after: 7` on a 429); `stall` never answers; `stall-body` sends its headers and
 * then nothing (both until the proxy gives up or the fake closes).
 */
export type FakeMode = "answer" | "error" | "cut" | "refuse" | "stall" | "stall-body";

/** The error body a `refuse` answer carries. */
export const FAKE_REFUSAL = {
  error: { message: "No such model: nope", type: "invalid_request_error", code: "model_not_found" },
};

/**
 * A local OpenRouter-like upstream for the proxy's tests: a real HTTP server speaking OpenAI's
 * chat completions protocol, streaming SSE with a final usage chunk (when asked for it) that
 * carries `usage.cost`. `error` answers 500; `cut` streams two pieces and drops the connection.
 * With `gate` set, a stream waits after its first piece until the gate opens, so a test can
 * act (abort its client) mid-stream without timing. With `answerGate` set, every answer waits
 * before its first byte until that gate opens: an upstream that has not answered yet. It also
 * answers the Responses API (`/responses`, streamed as typed events), `/embeddings` and
 * `GET /models`, in the same modes.
 */
export class FakeOpenRouter {
  mode: FakeMode = "answer";
  gate: Promise<void> | null = null;
  /** Picks one chat completion's answer plan from its body (cut, pause, other usage); none: the usual answer. */
  planFor: ((body: Record<string, unknown>) => FakeAnswerPlan | undefined) | null = null;
  /** Every request's path, parsed body (`{}` for none) and authorization header. */
  readonly requests: Array<{ path: string; body: Record<string, unknown>; authorization: string | undefined }> = [];
  /** Streams written to their end (the usage chunk and `[DONE]`). */
  completedStreams = 0;
  /** Before the first byte of every answer, wait for this gate (null: answer at once). */
  answerGate: Promise<void> | null = null;
  /** The status a `refuse` answer has. */
  refusalStatus = 400;
  /** Answers written to their end, streamed or not. */
  answered = 0;
  /** Requests whose client (the proxy) went away before their answer was written out. */
  abandoned = 0;
  /** Streams whose connection closed before their end was written: aborted by the proxy, or `cut`. */
  abortedStreams = 0;

  private constructor(
    private readonly server: LocalHttpServer,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FakeOpenRouter> {
    let fake: FakeOpenRouter | undefined;
    const server = await startLocalHttpServer(async (req, res) => fake?.handle(req, res));
    fake = new FakeOpenRouter(server, `${server.origin}/api/v1`);
    return fake;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = "";
    for await (const chunk of req) text += chunk;
    const body = (text.length > 0 ? JSON.parse(text) : {}) as Record<string, unknown>;
    const path = req.url ?? "";
    this.requests.push({ path, body, authorization: req.headers.authorization });
    let cut = false;
    res.on("finish", () => (this.answered += 1));
    res.on("close", () => {
      if (!res.writableFinished && !cut) this.abandoned += 1;
    });
    if (this.answerGate) await this.answerGate;
    if (res.destroyed) return;
    const known = ["/api/v1/chat/completions", "/api/v1/responses", "/api/v1/embeddings", "/api/v1/models"];
    if (!known.includes(path)) return void res.writeHead(404).end();
    if (this.mode === "stall") return;
    if (this.mode === "stall-body")
      return void res.writeHead(200, { "content-type": "application/json" }).flushHeaders();
    if (this.mode === "refuse") {
      const retry = this.refusalStatus === 429 ? { "retry-after": "7" } : {};
      res.writeHead(this.refusalStatus, { "content-type": "application/json", ...retry });
      return void res.end(JSON.stringify(FAKE_REFUSAL));
    }
    if (this.mode === "error") {
      res.writeHead(500, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ error: { message: "upstream exploded", code: 500 } }));
    }
    if (path === "/api/v1/models") {
      const data = FAKE_MODELS.map((id) => ({ id, name: id, created: 1_700_000_000, context_length: 128_000 }));
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ data }));
    }
    if (path === "/api/v1/embeddings") return answerEmbeddings(res, body);
    if (path === "/api/v1/responses") {
      cut = this.mode === "cut"; // A cut the fake makes is not an answer abandoned by the proxy.
      if (await answerResponse(res, body, { cut: this.mode === "cut", gate: this.gate })) this.completedStreams += 1;
      return;
    }
    const base = { id: "gen-1", created: 1_764_000_000, model: String(body.model) };
    const plan = this.planFor?.(body);
    if (plan) return answerChatByPlan(res, { body, plan, pieces: FAKE_PIECES, usage: FAKE_USAGE });
    if (body.stream !== true) {
      res.writeHead(200, { "content-type": "application/json" });
      const message = { role: "assistant", content: FAKE_PIECES.join("") };
      const completion = { ...base, object: "chat.completion", usage: FAKE_USAGE };
      return void res.end(JSON.stringify({ ...completion, choices: [{ index: 0, message, finish_reason: "stop" }] }));
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.on("close", () => {
      if (!res.writableEnded) this.abortedStreams += 1;
    });
    // Resolved once written out, so a cut comes after what was sent, not instead of it.
    const send = (data: unknown) =>
      new Promise<void>((resolve) => res.write(`data: ${JSON.stringify(data)}\n\n`, () => resolve()));
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      ...base,
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    for (const [index, piece] of FAKE_PIECES.entries()) {
      await send(chunk(index === 0 ? { role: "assistant", content: piece } : { content: piece }, null));
      if (index === 0 && this.gate) await this.gate;
      if (index === 1 && this.mode === "cut") {
        cut = true;
        return void res.destroy();
      }
    }
    await send(chunk({}, "stop"));
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage)
      await send({ ...base, object: "chat.completion.chunk", choices: [], usage: FAKE_USAGE });
    res.end("data: [DONE]\n\n");
    this.completedStreams += 1;
  }
}
