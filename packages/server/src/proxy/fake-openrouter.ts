import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

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
 * act (abort its client) mid-stream without timing.
 */
export class FakeOpenRouter {
  mode: FakeMode = "answer";
  gate: Promise<void> | null = null;
  /** Every request's parsed body and authorization header. */
  readonly requests: Array<{ body: Record<string, unknown>; authorization: string | undefined }> = [];
  /** Streams written to their end (the usage chunk and `[DONE]`). */
  completedStreams = 0;
  /** Streams whose connection closed before their end was written: aborted by the proxy, or `cut`. */
  abortedStreams = 0;

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
    if (req.url !== "/api/v1/chat/completions") return void res.writeHead(404).end();
    if (this.mode === "error") {
      res.writeHead(500, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ error: { message: "upstream exploded", code: 500 } }));
    }
    const base = { id: "gen-1", created: 1_764_000_000, model: String(body.model) };
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
      if (index === 1 && this.mode === "cut") return void res.destroy();
    }
    await send(chunk({}, "stop"));
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage)
      await send({ ...base, object: "chat.completion.chunk", choices: [], usage: FAKE_USAGE });
    res.end("data: [DONE]\n\n");
    this.completedStreams += 1;
  }
}
