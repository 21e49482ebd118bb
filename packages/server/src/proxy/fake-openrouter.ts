import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answerChatByPlan, type FakeAnswerPlan } from "./fake-chat-plan.ts";

/** The answer every call gets: its text, streamed in these pieces, and its usage with OpenRouter's `cost`. */
export const FAKE_PIECES = ["Hello", " there", ", friend", ". Anything", " else?"];
export const FAKE_USAGE = { prompt_tokens: 14, completion_tokens: 9, total_tokens: 23, cost: 0.0012 };

/** How the next calls are answered. */
export type FakeMode = "answer" | "error" | "cut";

/**
 * A local OpenRouter-like upstream for the proxy's tests: a real HTTP server speaking OpenAI's
 * chat completions protocol, streaming SSE with a final usage chunk (when asked for it) that
 * carries `usage.cost`. `error` answers 500; `cut` streams two pieces and drops the connection.
 * With `gate` set, a stream waits after its first piece until the gate opens, so a test can
 * act (abort its client) mid-stream without timing. With `answerGate` set, every answer waits
 * before its first byte until that gate opens: an upstream that has not answered yet.
 */
export class FakeOpenRouter {
  mode: FakeMode = "answer";
  gate: Promise<void> | null = null;
  /** Picks one chat completion's answer plan from its body (cut, pause, other usage); none: the usual answer. */
  planFor: ((body: Record<string, unknown>) => FakeAnswerPlan | undefined) | null = null;
  /** Every request's parsed body and authorization header. */
  readonly requests: Array<{ body: Record<string, unknown>; authorization: string | undefined }> = [];
  /** Streams written to their end (the usage chunk and `[DONE]`). */
  completedStreams = 0;
  /** Before the first byte of every answer, wait for this gate (null: answer at once). */
  answerGate: Promise<void> | null = null;
  /** Answers written to their end, streamed or not. */
  answered = 0;
  /** Requests whose client (the proxy) went away before their answer was written out. */
  abandoned = 0;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FakeOpenRouter> {
    let fake: FakeOpenRouter | undefined;
    const server = createServer((req, res) => void fake?.handle(req, res));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    fake = new FakeOpenRouter(server, `http://127.0.0.1:${port}/api/v1`);
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = "";
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as Record<string, unknown>;
    this.requests.push({ body, authorization: req.headers.authorization });
    let cut = false;
    res.on("finish", () => (this.answered += 1));
    res.on("close", () => {
      if (!res.writableFinished && !cut) this.abandoned += 1;
    });
    if (this.answerGate) await this.answerGate;
    if (res.destroyed) return;
    if (req.url !== "/api/v1/chat/completions") return void res.writeHead(404).end();
    if (this.mode === "error") {
      res.writeHead(500, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ error: { message: "upstream exploded", code: 500 } }));
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
