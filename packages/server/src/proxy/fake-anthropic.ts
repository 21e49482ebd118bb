import type { IncomingMessage, ServerResponse } from "node:http";
import { type LocalHttpServer, startLocalHttpServer } from "./local-http-server.ts";

/** The answer every call gets: its text, streamed in these pieces. */
export const FAKE_CLAUDE_PIECES = ["Hello", " there", ", friend", ". Anything", " else?"];

/**
 * Its usage, as Anthropic reports it: `input_tokens` without the cached ones, which come apart.
 * A stream reports the input and cache counts in `message_start` and the output in `message_delta`.
 */
export const FAKE_CLAUDE_USAGE = {
  input_tokens: 100,
  cache_creation_input_tokens: 400,
  cache_read_input_tokens: 1000,
  output_tokens: 200,
};

/**
 * How the next calls are answered: `error` answers 500; `refuse` answers 400 as Anthropic refuses
 * a bad request (`FAKE_CLAUDE_REFUSAL`); `cut` drops the connection after two pieces;
 * `overloaded` ends the stream there with Anthropic's own `event: error`.
 */
export type FakeAnthropicMode = "answer" | "error" | "refuse" | "cut" | "overloaded";

/** What `refuse` answers: Anthropic's own 400. */
export const FAKE_CLAUDE_REFUSAL = {
  type: "error",
  error: { type: "invalid_request_error", message: "max_tokens: 64001 > 64000, the maximum for this model" },
};

/**
 * A local Anthropic-like upstream for the proxy's tests: a real HTTP server speaking the
 * Messages API (`POST /v1/messages`), answering a Message or streaming Anthropic's SSE
 * (`message_start`, `content_block_*`, `ping`, `message_delta`, `message_stop`, each with its
 * `event:` line). With `gate` set, a stream waits after its first piece until the gate opens,
 * so a test can act (abort its client) mid-stream without timing.
 */
export class FakeAnthropic {
  mode: FakeAnthropicMode = "answer";
  gate: Promise<void> | null = null;
  /** Every request's parsed body and the headers that say who calls and in which protocol. */
  readonly requests: Array<{
    body: Record<string, unknown>;
    apiKey: string | undefined;
    authorization: string | undefined;
    version: string | undefined;
  }> = [];
  /** Streams written to their end (`message_stop`). */
  completedStreams = 0;

  private constructor(
    private readonly server: LocalHttpServer,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FakeAnthropic> {
    let fake: FakeAnthropic | undefined;
    const server = await startLocalHttpServer(async (req, res) => fake?.handle(req, res));
    fake = new FakeAnthropic(server, `${server.origin}`);
    return fake;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = "";
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as Record<string, unknown>;
    this.requests.push({
      body,
      apiKey: req.headers["x-api-key"] as string | undefined,
      authorization: req.headers.authorization,
      version: req.headers["anthropic-version"] as string | undefined,
    });
    if (req.url !== "/v1/messages") return void res.writeHead(404).end();
    if (this.mode === "refuse") {
      res.writeHead(400, { "content-type": "application/json" });
      return void res.end(JSON.stringify(FAKE_CLAUDE_REFUSAL));
    }
    if (this.mode === "error") {
      res.writeHead(500, { "content-type": "application/json" });
      return void res.end(
        JSON.stringify({ type: "error", error: { type: "api_error", message: "upstream exploded" } }),
      );
    }
    const message = {
      id: "msg_fake",
      type: "message",
      role: "assistant",
      model: String(body.model),
      stop_sequence: null,
    };
    if (body.stream !== true) {
      res.writeHead(200, { "content-type": "application/json" });
      const content = [{ type: "text", text: FAKE_CLAUDE_PIECES.join("") }];
      return void res.end(JSON.stringify({ ...message, content, stop_reason: "end_turn", usage: FAKE_CLAUDE_USAGE }));
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    // Resolved once written out, so a cut comes after what was sent, not instead of it.
    const send = (event: string, data: Record<string, unknown>) =>
      new Promise<void>((resolve) =>
        res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`, () => resolve()),
      );
    const { output_tokens: _output, ...inputUsage } = FAKE_CLAUDE_USAGE;
    await send("message_start", {
      message: { ...message, content: [], stop_reason: null, usage: { ...inputUsage, output_tokens: 1 } },
    });
    await send("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
    await send("ping", {});
    for (const [index, piece] of FAKE_CLAUDE_PIECES.entries()) {
      await send("content_block_delta", { index: 0, delta: { type: "text_delta", text: piece } });
      if (index === 0 && this.gate) await this.gate;
      if (index === 1 && this.mode === "cut") return void res.destroy();
      if (index === 1 && this.mode === "overloaded") {
        await send("error", { error: { type: "overloaded_error", message: "Overloaded" } });
        return void res.end();
      }
    }
    await send("content_block_stop", { index: 0 });
    await send("message_delta", {
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: FAKE_CLAUDE_USAGE.output_tokens },
    });
    await send("message_stop", {});
    res.end();
    this.completedStreams += 1;
  }
}
