import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The answer every call gets: its text, streamed in these pieces, and its usage with OpenRouter's `cost`. */
export const FAKE_PIECES = ["Hello", " there", ", friend", ". Anything", " else?"];
export const FAKE_USAGE: FakeUsage = { prompt_tokens: 14, completion_tokens: 9, total_tokens: 23, cost: 0.0012 };

/** OpenAI's `usage` object as the fake reports it, with OpenRouter's `cost` (USD) when present. */
export type FakeUsage = Record<string, unknown> & { prompt_tokens: number; completion_tokens: number };

/**
 * How one call is answered, for tests that run many different calls at once: chosen per
 * request by `FakeOpenRouter.planFor` from the body the fake received.
 */
export interface FakeAnswerPlan {
  /** A stream's connection is dropped after this many bytes of its body (mid-event, possibly); headers go first. */
  cutAfterBytes?: number;
  /** A stream waits after this many pieces (0: before the first) until `resume` settles. */
  pauseAfterPieces?: number;
  resume?: Promise<void>;
  /** The usage reported instead of FAKE_USAGE; null: none at all, as from a provider that sends none. */
  usage?: FakeUsage | null;
}

/** How the next calls are answered. */
export type FakeMode = "answer" | "error" | "cut";

/**
 * A local OpenRouter-like upstream for the proxy's tests: a real HTTP server speaking OpenAI's
 * chat completions protocol, streaming SSE with a final usage chunk (when asked for it) that
 * carries `usage.cost`. `error` answers 500; `cut` streams two pieces and drops the connection.
 * With `gate` set, a stream waits after its first piece until the gate opens, so a test can
 * act (abort its client) mid-stream without timing. `answerGate` holds every answer (the
 * concurrency tests keep calls in flight with it); `planFor` cuts, pauses or changes the usage
 * of one call among many.
 */
export class FakeOpenRouter {
  mode: FakeMode = "answer";
  gate: Promise<void> | null = null;
  /** When set, every chat completion waits for it before answering anything, status included. */
  answerGate: Promise<void> | null = null;
  /** Calls held at `answerGate` now. */
  waitingAtAnswerGate = 0;
  /** Picks a request's answer plan from its body (see FakeAnswerPlan); none: the usual answer. */
  planFor: ((body: Record<string, unknown>) => FakeAnswerPlan | undefined) | null = null;
  /** Every request's parsed body and authorization header. */
  readonly requests: Array<{ body: Record<string, unknown>; authorization: string | undefined }> = [];
  /** Streams written to their end (the usage chunk and `[DONE]`). */
  completedStreams = 0;

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
    const plan = this.planFor?.(body) ?? {};
    if (this.answerGate) {
      this.waitingAtAnswerGate += 1;
      await this.answerGate;
      this.waitingAtAnswerGate -= 1;
    }
    const usage = plan.usage === undefined ? FAKE_USAGE : plan.usage;
    if (body.stream !== true) {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify(fakeCompletion(body, usage)));
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    // Sent now, so a cut before the first byte of the body is a cut stream, not a refused call.
    if (plan.cutAfterBytes !== undefined || plan.pauseAfterPieces !== undefined) res.flushHeaders();
    // Resolved once written out, so a cut comes after what was sent, not instead of it.
    const write = (text: string) => new Promise<void>((resolve) => res.write(text, () => resolve()));
    if (plan.pauseAfterPieces === 0) await plan.resume;
    let writtenBytes = 0;
    for (const [index, event] of fakeStreamEvents(body, usage).entries()) {
      if (plan.cutAfterBytes !== undefined && writtenBytes + event.length > plan.cutAfterBytes) {
        const part = event.slice(0, plan.cutAfterBytes - writtenBytes);
        if (part.length > 0) await write(part);
        return void res.destroy();
      }
      await write(event);
      writtenBytes += event.length;
      if (index === 0 && this.gate) await this.gate;
      if (index === 1 && this.mode === "cut") return void res.destroy();
      if (index + 1 === plan.pauseAfterPieces) await plan.resume;
    }
    // Everything written, but the connection dropped instead of ended: the answer was not finished.
    if (plan.cutAfterBytes !== undefined) return void res.destroy();
    res.end();
    this.completedStreams += 1;
  }
}

/** What the fake streams for a request, as it writes it: one `data: …\n\n` SSE event per element. */
export function fakeStreamEvents(body: Record<string, unknown>, usage: FakeUsage | null = FAKE_USAGE): string[] {
  const base = { id: "gen-1", created: 1_764_000_000, model: String(body.model) };
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    ...base,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const events: unknown[] = FAKE_PIECES.map((piece, index) =>
    chunk(index === 0 ? { role: "assistant", content: piece } : { content: piece }, null),
  );
  events.push(chunk({}, "stop"));
  const options = body.stream_options as { include_usage?: boolean } | undefined;
  if (options?.include_usage && usage) events.push({ ...base, object: "chat.completion.chunk", choices: [], usage });
  return [...events.map((event) => `data: ${JSON.stringify(event)}\n\n`), "data: [DONE]\n\n"];
}

/** The non-streamed answer the fake gives a request. */
function fakeCompletion(body: Record<string, unknown>, usage: FakeUsage | null) {
  const message = { role: "assistant", content: FAKE_PIECES.join("") };
  return {
    id: "gen-1",
    created: 1_764_000_000,
    model: String(body.model),
    object: "chat.completion",
    ...(usage ? { usage } : {}),
    choices: [{ index: 0, message, finish_reason: "stop" }],
  };
}
