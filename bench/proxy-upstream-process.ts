/**
 * The proxy benchmark's upstream, in a child process of its own so that neither the load
 * generator nor the proxies measured share its event loop: an OpenAI-compatible
 * `POST /delay-{ms}/v1/chat/completions` (OpenRouter's shape, with `usage.cost`) that answers
 * after `{ms}` milliseconds, the whole JSON at once or as an SSE stream whose first event
 * leaves after the delay. The delay sits in the path so that one process serves every case,
 * and a proxy's configured base URL (`…/delay-50/v1`) picks it. Prints `{"url": …}` when
 * listening; exits when its stdin closes. Run by proxy-suite.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { serveUntilStdinEnds } from "./child-server.ts";

const ROUTE = /^\/delay-(\d{1,5})\/v1\/chat\/completions$/;
/** The answer's text in the pieces a stream sends, and its usage with OpenRouter's `cost` (USD). */
const PIECES = ["Sure", ": here", " is", " a short", " answer", "."];
const USAGE = { prompt_tokens: 42, completion_tokens: 6, total_tokens: 48, cost: 0.000021 };
/** Bodies are a few hundred bytes; a bigger one is a mistake in the bench, not load. */
const BODY_BYTES_MAX = 1 << 20;

const server = createServer((request, response) => {
  answer(request, response).catch(() => response.destroy());
});
server.keepAliveTimeout = 60_000;
serveUntilStdinEnds(server);

async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > BODY_BYTES_MAX) return void response.writeHead(413).end();
    chunks.push(chunk);
  }
  const route = ROUTE.exec(request.url ?? "");
  if (request.method !== "POST" || !route) return void response.writeHead(404).end();
  const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
    model?: unknown;
    stream?: unknown;
    stream_options?: { include_usage?: unknown };
  };
  const delayMs = Number(route[1]);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const base = { id: "gen-bench", created: 1_764_000_000, model: String(body.model) };
  if (body.stream !== true) {
    const message = { role: "assistant", content: PIECES.join("") };
    const text = JSON.stringify({
      ...base,
      object: "chat.completion",
      choices: [{ index: 0, message, finish_reason: "stop" }],
      usage: USAGE,
    });
    response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    return void response.end(text);
  }
  const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    event({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] });
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  // The head goes out with the first event, as a provider's does once its first token is ready.
  const [first, ...rest] = PIECES;
  response.write(chunk({ role: "assistant", content: first }, null));
  for (const piece of rest) response.write(chunk({ content: piece }, null));
  response.write(chunk({}, "stop"));
  if (body.stream_options?.include_usage === true) {
    response.write(event({ ...base, object: "chat.completion.chunk", choices: [], usage: USAGE }));
  }
  response.end("data: [DONE]\n\n");
}
